"""How long apiseed takes to create and update a project, against plain `copier copy`.

The template is a throw-away clone of this repository's committed HEAD with two releases:
1.0.0 (HEAD, apiseed's version set to 1.0.0) and 1.1.0 (a README line, a docstring and the
version). Two ways in are measured, every run a fresh process:

- the installed CLI, the product: wheels of both releases built from the clone and
  installed, with compiled bytecode, into two fresh virtual environments that share one
  data folder (the version store), as when a user upgrades apiseed; `apiseed new` renders
  the packaged template, `apiseed update` (1.1.0's apiseed) updates a project 1.0.0 made;
- apiseed from this checkout's .venv with `--template CLONE` (full mode only), the way a
  template developer runs it.

Both are compared with `copier copy` from the clone with the same answers (the installed
environment's Copier), in the same run, interleaved.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.projects import REPO_ROOT

BIN = Path(sys.executable).parent
PRESETS_DIR = REPO_ROOT / "generator" / "apiseed" / "presets"
VERSION_FILE = Path("generator") / "apiseed" / "__init__.py"
PROJECT_NAME = "Bench Service"
RELEASE = "1.0.0"
NEXT_RELEASE = "1.1.0"


def tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else name


def preset_answers(preset: str) -> dict[str, Any]:
    answers: dict[str, Any] = tomllib.loads((PRESETS_DIR / f"{preset}.toml").read_text())["answers"]
    return answers


def isolated_env(home: Path) -> dict[str, str]:
    """No user presets, settings or stored versions; a known git identity; bytecode written
    as on a user's machine (this environment may set PYTHONDONTWRITEBYTECODE)."""
    settings = home / "copier-settings.yml"
    home.mkdir(parents=True, exist_ok=True)
    settings.write_text("{}\n")
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"APISEED_TEMPLATE", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV"}
        and not name.startswith("PYTEST_")
    }
    env.update(
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        COPIER_CACHE_DIR=str(home / "copier-cache"),
        COPIER_SETTINGS_PATH=str(settings),
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.com",
    )
    return env


def git(cwd: Path, *args: str) -> str:
    identity = ["-c", "user.name=Bench", "-c", "user.email=bench@example.com"]
    return subprocess.run(
        ["git", *identity, *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def _set_version(template: Path, version: str) -> None:
    path = template / VERSION_FILE
    text = path.read_text()
    current = text.split('__version__ = "', 1)[1].split('"', 1)[0]
    path.write_text(text.replace(f'__version__ = "{current}"', f'__version__ = "{version}"'))


def release_clone(folder: Path) -> Path:
    """A clone of HEAD released as 1.0.0, and a 1.1.0 that changes a README and a module."""
    template = folder / "template"
    git(REPO_ROOT, "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(template))
    _set_version(template, RELEASE)
    git(template, "commit", "--quiet", "-am", f"Release {RELEASE}")
    git(template, "tag", RELEASE)
    for readme in template.glob("template_*/README.md.jinja"):
        with readme.open("a") as file:
            file.write("\nRelease notes: see the template's changelog.\n")
    for module in template.glob("template_*/src/*/app.py.jinja"):
        module.write_text(module.read_text().replace('"""', '"""Release 1.1.0. ', 1))
    _set_version(template, NEXT_RELEASE)
    git(template, "commit", "--quiet", "-am", f"Template {NEXT_RELEASE}")
    git(template, "tag", NEXT_RELEASE)
    return template


def install_release(template: Path, tag: str, folder: Path) -> Path:
    """apiseed at `tag`, built as a wheel and installed with compiled bytecode (as pip
    does by default) into a fresh virtual environment; its bin folder."""
    source = folder / f"source-{tag}"
    source.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", tag], cwd=template, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    uv = tool("uv")
    run_quietly([uv, "build", "--quiet", "--wheel", "--out-dir", str(folder / "dist"), str(source)])
    [wheel] = (folder / "dist").glob(f"apiseed-{tag}-*.whl")
    venv = folder / f"venv-{tag}"
    run_quietly([uv, "venv", "--quiet", "--python", sys.executable, str(venv)])
    install = [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python"]
    install += [str(venv / "bin" / "python"), str(wheel)]
    if subprocess.run([*install, "--offline"], capture_output=True).returncode != 0:
        run_quietly(install)
    return venv / "bin"


def run_quietly(args: Sequence[str]) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def timed(args: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return elapsed


def summary(runs: list[float]) -> dict[str, Any]:
    return {
        "runs": runs,
        "median": statistics.median(runs),
        "min": min(runs),
        "max": max(runs),
        "spread": max(runs) - min(runs),
    }


def apiseed_new(apiseed: str, preset: str, dest: Path, *extra: str) -> list[str]:
    args = [apiseed, "new", str(dest), "--preset", preset, "-d", f"project_name={PROJECT_NAME}"]
    return [*args, "--defaults", *extra]


def copier_copy(copier: str, template: Path, preset: str, dest: Path) -> list[str]:
    answers = {
        **preset_answers(preset),
        "project_name": PROJECT_NAME,
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
    }
    data = [
        f"--data={key}={str(value).lower() if isinstance(value, bool) else value}"
        for key, value in answers.items()
    ]
    return [copier, "copy", "--defaults", "--quiet", *data, str(template), str(dest)]


@dataclass
class Timings:
    """Runs per preset of each measured command."""

    names: Sequence[str]
    presets: Sequence[str]

    def __post_init__(self) -> None:
        self.runs: dict[str, dict[str, list[float]]] = {
            name: {preset: [] for preset in self.presets} for name in self.names
        }

    def summaries(self) -> dict[str, dict[str, dict[str, Any]]]:
        return {
            name: {preset: summary(times) for preset, times in by_preset.items() if times}
            for name, by_preset in self.runs.items()
        }


@dataclass
class Setup:
    """What every timed run needs: the clone, the two installed releases, the environment."""

    template: Path
    installed: Path
    upgraded: Path
    env: dict[str, str]
    out: Path
    from_checkout: bool
    counter: int = 0

    def dest(self, kind: str) -> Path:
        self.counter += 1
        return self.out / f"{kind}-{self.counter}"

    def time(self, args: Sequence[str]) -> float:
        return timed(args, self.out, self.env)

    def new(self, preset: str, *extra: str, kind: str = "new", checkout: bool = False) -> Path:
        """Generate a project (untimed); the checkout's apiseed renders the clone."""
        project = self.dest(kind)
        self.time(self.new_command(preset, project, *extra, checkout=checkout))
        return project

    def new_command(self, preset: str, dest: Path, *extra: str, checkout: bool) -> list[str]:
        if checkout:
            clone = ("--template", str(self.template), "--vcs-ref", RELEASE)
            return apiseed_new(tool("apiseed"), preset, dest, *clone, *extra)
        return apiseed_new(str(self.installed / "apiseed"), preset, dest, *extra)


def measure_generation(
    workdir: Path,
    presets: Sequence[str],
    runs: int,
    update_presets: Sequence[str],
    update_runs: int,
    *,
    from_checkout: bool = True,
) -> dict[str, Any]:
    """`apiseed new` (installed wheel, and from the checkout) and `copier copy` per preset,
    interleaved; then `apiseed update` from 1.0.0 to 1.1.0."""
    workdir.mkdir(parents=True, exist_ok=True)
    template = release_clone(workdir)
    setup = Setup(
        template,
        install_release(template, RELEASE, workdir / "wheels"),
        install_release(template, NEXT_RELEASE, workdir / "wheels"),
        isolated_env(workdir / "home"),
        workdir / "out",
        from_checkout,
    )
    setup.out.mkdir()
    # Warm-up, not timed: stores 1.0.0, writes the checkout's bytecode.
    setup.new(presets[0], kind="warm")
    if from_checkout:
        setup.new(presets[0], kind="warm", checkout=True)
    return {
        "template": f"clone of HEAD released as {RELEASE}; update goes to {NEXT_RELEASE}",
        "installed": (
            f"wheels of {RELEASE} and {NEXT_RELEASE} built from the clone, installed with "
            "compiled bytecode into fresh virtual environments"
        ),
        **_measure_new(setup, presets, runs).summaries(),
        **_measure_update(setup, update_presets, update_runs).summaries(),
    }


def _measure_new(setup: Setup, presets: Sequence[str], runs: int) -> Timings:
    names = ["apiseed_new", "apiseed_new_git", "apiseed_new_clone", "copier_copy"]
    timings = Timings(names, presets)
    copier = str(setup.installed / "copier")
    for _ in range(runs):
        for preset in presets:
            commands = {
                "apiseed_new": setup.new_command(
                    preset, setup.dest("new"), "--no-git", checkout=False
                ),
                "copier_copy": copier_copy(copier, setup.template, preset, setup.dest("copy")),
                "apiseed_new_git": setup.new_command(preset, setup.dest("git"), checkout=False),
            }
            if setup.from_checkout:
                commands["apiseed_new_clone"] = setup.new_command(
                    preset, setup.dest("clone"), "--no-git", checkout=True
                )
            for name, command in commands.items():
                timings.runs[name][preset].append(setup.time(command))
    return timings


def _measure_update(setup: Setup, presets: Sequence[str], runs: int) -> Timings:
    """The installed 1.0.0 makes the project, the installed 1.1.0 updates it (the first
    round warms up: it stores 1.1.0); the checkout's apiseed does both from the clone."""
    timings = Timings(["apiseed_update", "apiseed_update_clone"], presets)
    for index in range(runs + 1):
        for preset in presets:
            project = setup.new(preset, kind="update")
            upgraded = str(setup.upgraded / "apiseed")
            took = setup.time([upgraded, "update", str(project), "--defaults"])
            _check_updated(project)
            if not index:
                continue
            timings.runs["apiseed_update"][preset].append(took)
            if setup.from_checkout:
                project = setup.new(preset, kind="update-clone", checkout=True)
                timings.runs["apiseed_update_clone"][preset].append(
                    setup.time([tool("apiseed"), "update", str(project), "--defaults"])
                )
                _check_updated(project)
    return timings


def _check_updated(project: Path) -> None:
    answers = (project / ".copier-answers.yml").read_text()
    if f"_commit: {NEXT_RELEASE}" not in answers:
        raise RuntimeError(f"apiseed update did not reach {NEXT_RELEASE}:\n{answers}")
