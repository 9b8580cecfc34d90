"""Wheels of apiseed built from this checkout, installed into fresh virtual environments
outside it, as a user installs apiseed.

The wheels are built once per session (all these tests share one xdist group): release N is
this working tree, built through its sdist (`uv build` makes the sdist, then the wheel from
the sdist); release N+1 is N's sdist with a higher version and a template change, so the
upgrade path is tested from a distribution too. Packages come from uv's shared cache,
offline when it has them.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.version import Version

from apiseed import __version__
from tests.harness import REPO_ROOT, UV, clean_environment, run

pytestmark = pytest.mark.xdist_group("distribution")

NEXT_VERSION = f"{Version(__version__).major}.{Version(__version__).minor + 1}.0"
# What release N+1 changes in the template: a new file and a changed line.
NOTICE_TEMPLATE = "NOTICE.md.jinja"
NOTICE = "# Notices for {{ project_name }}\n\nReleased with apiseed " + NEXT_VERSION + ".\n"


@dataclass(frozen=True)
class Wheels:
    current: Path
    sdist: Path
    next: Path


def _build(source: Path, out: Path, *args: str) -> list[Path]:
    env = clean_environment()
    run([UV, "build", "--quiet", "--out-dir", str(out), *args, str(source)], out.parent, env)
    return sorted(out.iterdir())


def next_release(sdist: Path, folder: Path) -> Path:
    """N's sdist unpacked, with the version bumped and NOTICE.md added to both templates."""
    with tarfile.open(sdist) as archive:
        archive.extractall(folder, filter="data")
    [source] = folder.iterdir()
    init = source / "generator" / "apiseed" / "__init__.py"
    init.write_text(init.read_text().replace(f'"{__version__}"', f'"{NEXT_VERSION}"'))
    assert NEXT_VERSION in init.read_text()
    for template in ("template_fastapi", "template_flask"):
        (source / template / NOTICE_TEMPLATE).write_text(NOTICE)
    return source


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Wheels:
    root = tmp_path_factory.mktemp("wheels")
    built = _build(REPO_ROOT, root / "current")
    [sdist] = [path for path in built if path.name.endswith(".tar.gz")]
    [wheel] = [path for path in built if path.suffix == ".whl"]
    source = next_release(sdist, root / "next-source")
    [next_wheel] = [
        path for path in _build(source, root / "next", "--wheel") if path.suffix == ".whl"
    ]
    return Wheels(wheel, sdist, next_wheel)


@dataclass(frozen=True)
class Installed:
    """A virtual environment with apiseed installed, and a user's environment to run it in."""

    venv: Path
    home: Path
    env: Mapping[str, str]

    @property
    def apiseed(self) -> str:
        return str(self.venv / "bin" / "apiseed")

    def run(
        self, *args: str | Path, cwd: Path, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [self.apiseed, *map(str, args)],
            cwd=cwd,
            env=dict(self.env),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check:
            assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
        return result

    def install(self, wheel: Path) -> None:
        install = [UV, "pip", "install", "--quiet", "--python", str(self.venv / "bin" / "python")]
        env = clean_environment()
        # Offline from uv's cache when it has everything (it does after `make setup`).
        offline = subprocess.run([*install, "--offline", str(wheel)], env=env, capture_output=True)
        if offline.returncode != 0:
            run([*install, str(wheel)], self.home, env)


def user_environment(home: Path) -> dict[str, str]:
    """A user's shell: no checkout on any path, own XDG folders, a git identity, and git
    refusing every transport but local files, so nothing can reach a network."""
    env = clean_environment()
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "COPIER_CACHE_DIR", "APISEED_TEMPLATE"):
        env.pop(name, None)
    settings = home / "copier-settings.yml"
    settings.write_text("{}\n")
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        COPIER_SETTINGS_PATH=str(settings),
        GIT_ALLOW_PROTOCOL="file",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Service Team",
        GIT_AUTHOR_EMAIL="team@example.com",
        GIT_COMMITTER_NAME="Service Team",
        GIT_COMMITTER_EMAIL="team@example.com",
    )
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    return env


def install_into_new_venv(folder: Path, wheel: Path) -> Installed:
    home = folder / "home"
    home.mkdir(parents=True)
    venv = folder / "venv"
    run([UV, "venv", "--quiet", "--python", sys.executable, str(venv)], folder, clean_environment())
    installed = Installed(venv, home, user_environment(home))
    installed.install(wheel)
    return installed


@pytest.fixture(scope="session")
def installed(wheels: Wheels, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """apiseed N, installed from its wheel into a fresh environment outside the checkout."""
    return install_into_new_venv(tmp_path_factory.mktemp("installed"), wheels.current)


@pytest.fixture
def scratch(installed: Installed, tmp_path: Path) -> Path:
    """Any folder of the user's: not the checkout, not under it."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    assert REPO_ROOT not in folder.resolve().parents
    return folder
