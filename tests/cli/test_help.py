"""--help, --version, shell completion, and that they do not import Copier."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from apiseed import __version__

from .conftest import REPO, Run

COMMANDS = [[], ["new"], ["presets"], ["presets", "show"], ["update"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "apiseed")
def test_every_command_has_help(run: Run, command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: apiseed" in result.output


def test_version_names_the_template_it_carries(run: Run) -> None:
    result = run("--version")
    assert result.exit_code == 0
    # Run from this checkout (an editable install), the checkout is the template.
    assert result.output.splitlines() == [
        f"apiseed, version {__version__}",
        f"template: the apiseed checkout {REPO} (editable install)",
    ]


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["new", "--help"], ["update", "--help"]]
)
def test_help_and_version_do_not_import_copier(args: list[str]) -> None:
    # A fresh interpreter: this test process has long imported Copier.
    code = (
        "import sys\n"
        "from apiseed.cli import main\n"
        f"try:\n    main({args!r}, prog_name='apiseed')\n"
        "except SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('copier', 'pydantic'))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "apiseed", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_bash_completion_script() -> None:
    env = {**os.environ, "_APISEED_COMPLETE": "bash_source"}
    result = subprocess.run(
        [sys.executable, "-m", "apiseed"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0
    assert "_apiseed_completion" in result.stdout


def test_preset_names_complete() -> None:
    env = {
        **os.environ,
        "_APISEED_COMPLETE": "bash_complete",
        "COMP_WORDS": "apiseed new svc --preset fla",
        "COMP_CWORD": "4",
    }
    result = subprocess.run(
        [sys.executable, "-m", "apiseed"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0
    assert "flask" in result.stdout
    assert "flask-minimal" in result.stdout
    assert "fastapi" not in result.stdout
