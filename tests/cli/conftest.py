"""Fixtures for the `apiseed` CLI tests.

Every test runs in its own tmp_path with its own XDG folders (configuration, data, cache),
Copier cache and an empty Copier settings file, so neither the developer's presets, stored
template versions nor Copier settings leak in, and the tests can run in parallel
(pytest-xdist).

The template used here is a throw-away git repository holding the real copier.yml and
includes/ but tiny template folders (the answers file and a README): the CLI's behaviour
does not depend on what the templates render, and this keeps the tests fast and
independent of template work in progress.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from apiseed.cli import main

REPO = Path(__file__).resolve().parents[2]
ANSWERS_TEMPLATE = "{{ _copier_conf.answers_file }}.jinja"
ANSWERS_CONTENT = (
    "# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY\n"
    "{{ _copier_answers|to_nice_yaml -}}\n"
)
README_TEMPLATE = (
    "# {{ project_name }}\n\nLicense: MIT\n\nRun it with `python -m {{ package_name }}`.\n"
)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def build_template(folder: Path) -> Path:
    """A tagged (0.1.0) template repository with the real questionnaire."""
    folder.mkdir(parents=True)
    shutil.copy(REPO / "copier.yml", folder / "copier.yml")
    shutil.copytree(REPO / "includes", folder / "includes")
    for framework in ("fastapi", "flask"):
        sub = folder / f"template_{framework}"
        sub.mkdir()
        (sub / ANSWERS_TEMPLATE).write_text(ANSWERS_CONTENT)
        (sub / "README.md.jinja").write_text(README_TEMPLATE)
    git(folder, "init", "--quiet")
    git(folder, "add", "--all")
    git(folder, "commit", "--quiet", "-m", "Template 0.1.0")
    git(folder, "tag", "0.1.0")
    return folder


@pytest.fixture(scope="session")
def shared_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only template for tests that do not change it."""
    return build_template(tmp_path_factory.mktemp("shared") / "template")


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A template this test may change (commit, tag)."""
    return build_template(tmp_path / "template")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for variable, folder in {
        "XDG_CONFIG_HOME": "config",
        "XDG_DATA_HOME": "data",
        "XDG_CACHE_HOME": "cache",
        "COPIER_CACHE_DIR": "copier-cache",
    }.items():
        (tmp_path / folder).mkdir()
        monkeypatch.setenv(variable, str(tmp_path / folder))
    settings = tmp_path / "copier-settings.yml"
    settings.write_text("{}\n")
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(settings))
    monkeypatch.delenv("APISEED_TEMPLATE", raising=False)
    # Commits in tests get a known identity even on machines without one.
    for var, value in {
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }.items():
        monkeypatch.setenv(var, value)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield work


@pytest.fixture
def user_presets(isolated: Path) -> Path:
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "apiseed" / "presets"
    folder.mkdir(parents=True)
    return folder


Run = Callable[..., Result]


@pytest.fixture
def run() -> Run:
    """Invoke the CLI in-process; never lets a traceback through."""

    def invoke(*args: str | os.PathLike[str], traceback_ok: bool = False) -> Result:
        result = CliRunner().invoke(main, [str(arg) for arg in args], prog_name="apiseed")
        if not traceback_ok:  # only --verbose may show one
            assert "Traceback" not in result.output, result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    return invoke
