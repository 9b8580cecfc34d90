"""The real thing: `apiseed new` as a subprocess for every built-in preset, then the
generated project's own tests in a fresh virtual environment.

Slow (installs the project's dependencies): deselect with `-m "not slow"`. The uv cache is
$UV_CACHE_DIR when set, else uv's default cache, shared by all tests and runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from apiseed.presets import load_preset

from .conftest import REPO

PRESETS = ["fastapi", "fastapi-minimal", "flask", "flask-minimal"]


def _uv() -> str:
    beside_python = Path(sys.executable).with_name("uv")
    return str(beside_python) if beside_python.exists() else shutil.which("uv") or "uv"


def _run(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
@pytest.mark.parametrize("preset", PRESETS)
def test_generated_project_passes_its_own_tests(preset: str, isolated: Path) -> None:
    framework = load_preset(preset).answers["framework"]
    if not (REPO / f"template_{framework}" / "pyproject.toml.jinja").is_file():
        pytest.skip(f"template_{framework}/ is not written yet (no pyproject.toml.jinja)")
    dest = isolated / f"svc-{preset}"
    # --vcs-ref HEAD: test the templates as they are in this checkout, committed or not.
    _run(
        [
            sys.executable, "-m", "apiseed", "new", str(dest), "--preset", preset,
            "--defaults", "--template", str(REPO), "--vcs-ref", "HEAD",
            "-d", f"project_name=Svc {preset}",
        ],
        cwd=isolated,
    )  # fmt: skip
    assert (dest / ".git").is_dir()
    assert (dest / "Dockerfile").exists() == load_preset(preset).answers["docker"]
    python = dest / ".venv" / "bin" / "python"
    env_args = ["--python", sys.executable]
    _run([_uv(), "venv", "--quiet", *env_args, str(dest / ".venv")], cwd=dest)
    _run(
        [_uv(), "pip", "install", "--quiet", "--python", str(python), "-e", ".", "--group", "dev"],
        cwd=dest,
    )
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=dest,
        capture_output=True,
        text=True,
        timeout=600,
        env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
