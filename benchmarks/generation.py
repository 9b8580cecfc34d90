"""How long apiseed takes to create and update a project, against plain `copier copy`.

Everything runs against a throw-away clone of this repository's committed HEAD, tagged as a
release (1.0.0), the way users render a released template. Every run is a fresh process.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.harness import REPO_ROOT

BIN = Path(sys.executable).parent
PRESETS_DIR = REPO_ROOT / "generator" / "apiseed" / "presets"
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
    """No user presets, no user Copier settings, a known git identity."""
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    settings = home / "copier-settings.yml"
    settings.write_text("{}\n")
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"APISEED_TEMPLATE", "PYTHONPATH"} and not name.startswith("PYTEST_")
    }
    env.update(
        XDG_CONFIG_HOME=str(config),
        COPIER_SETTINGS_PATH=str(settings),
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.com",
    )
    return env


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def release_clone(folder: Path) -> Path:
    """A clone of HEAD tagged 1.0.0, and a 1.1.0 that changes a README and a module."""
    template = folder / "template"
    git(REPO_ROOT, "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(template))
    git(template, "tag", RELEASE)
    for readme in template.glob("template_*/README.md.jinja"):
        with readme.open("a") as file:
            file.write("\nRelease notes: see the template's changelog.\n")
    for module in template.glob("template_*/src/*/app.py.jinja"):
        module.write_text(module.read_text().replace('"""', '"""Release 1.1.0. ', 1))
    git(
        template,
        "-c",
        "user.name=Bench",
        "-c",
        "user.email=bench@example.com",
        "commit",
        "--quiet",
        "-am",
        "Template 1.1.0",
    )
    git(template, "tag", NEXT_RELEASE)
    return template


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


def apiseed_new(template: Path, preset: str, dest: Path, *, ref: str | None = None) -> list[str]:
    args = [tool("apiseed"), "new", str(dest), "--template", str(template), "--preset", preset]
    args += ["-d", f"project_name={PROJECT_NAME}", "--defaults"]
    if ref:
        args += ["--vcs-ref", ref]
    return args


def copier_copy(template: Path, preset: str, dest: Path) -> list[str]:
    answers = {
        **preset_answers(preset),
        "project_name": PROJECT_NAME,
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
    }
    data = [
        f"--data={key}={str(value).lower() if isinstance(value, bool) else value}"
        for key, value in answers.items()
    ]
    return [tool("copier"), "copy", "--defaults", "--quiet", *data, str(template), str(dest)]


def measure_generation(
    workdir: Path,
    presets: Sequence[str],
    runs: int,
    update_presets: Sequence[str],
    update_runs: int,
) -> dict[str, Any]:
    """`apiseed new` and `copier copy` per preset, interleaved; then `apiseed update`."""
    workdir.mkdir(parents=True, exist_ok=True)
    template = release_clone(workdir)
    env = isolated_env(workdir / "home")
    out = workdir / "out"
    out.mkdir()
    new: dict[str, list[float]] = {preset: [] for preset in presets}
    copy: dict[str, list[float]] = {preset: [] for preset in presets}
    counter = 0
    for _ in range(runs):
        for preset in presets:
            counter += 1
            dest = out / f"new-{counter}"
            new[preset].append(timed([*apiseed_new(template, preset, dest), "--no-git"], out, env))
            dest = out / f"copy-{counter}"
            copy[preset].append(timed(copier_copy(template, preset, dest), out, env))
    update: dict[str, list[float]] = {preset: [] for preset in update_presets}
    for _ in range(update_runs):
        for preset in update_presets:
            counter += 1
            dest = out / f"update-{counter}"
            timed(apiseed_new(template, preset, dest, ref=RELEASE), out, env)
            update[preset].append(
                timed([tool("apiseed"), "update", str(dest), "--defaults"], out, env)
            )
            answers = (dest / ".copier-answers.yml").read_text()
            if f"_commit: {NEXT_RELEASE}" not in answers:
                raise RuntimeError(f"apiseed update did not reach {NEXT_RELEASE}:\n{answers}")
    return {
        "template": f"clone of HEAD tagged {RELEASE}; update goes to {NEXT_RELEASE}",
        "apiseed_new": {preset: summary(times) for preset, times in new.items()},
        "copier_copy": {preset: summary(times) for preset, times in copy.items()},
        "apiseed_update": {preset: summary(times) for preset, times in update.items()},
    }
