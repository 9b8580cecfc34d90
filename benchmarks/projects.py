"""Render a generated project from this working tree and install it, as a user would, in its venv.

The benchmark keeps its own copy of these steps rather than importing the test harness: it
installs with compiled bytecode and runs the projects without PYTHONDONTWRITEBYTECODE, where the
tests do neither.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv") or "uv"
# Variables of this checkout's environment that must not reach a generated project's processes;
# without PYTHONDONTWRITEBYTECODE they also write bytecode, as on a user's machine.
FOREIGN_VARIABLES = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE"}


@dataclass(frozen=True)
class Project:
    """A rendered project with its own virtual environment, and the environment to run it in."""

    folder: Path
    python: Path
    env: dict[str, str]
    answers: dict[str, Any]

    @property
    def package(self) -> str:
        return str(self.answers["package_name"])


def render(destination: Path, answers: Mapping[str, Any]) -> Path:
    """Render this working tree, uncommitted changes included, to `destination`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DirtyLocalWarning: the working tree is what we measure
        copier.run_copy(
            str(REPO_ROOT),
            destination,
            data=dict(answers),
            defaults=True,
            quiet=True,
            vcs_ref="HEAD",
            settings=copier.Settings(),
        )
    return destination


def project_environment() -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in FOREIGN_VARIABLES and not name.startswith("PYTEST_")
    }
    env["UV_LINK_MODE"] = "copy"  # uv's cache may be on another filesystem
    return env


def install(folder: Path) -> Project:
    """A fresh venv with the project and its dev group, bytecode compiled as pip would."""
    answers: dict[str, Any] = yaml.safe_load((folder / ".copier-answers.yml").read_text())
    env = project_environment()
    venv = folder / ".venv"
    # The running interpreter: the projects are rendered with the default python_version (the
    # oldest supported), whose requires-python accepts it.
    _run([UV, "venv", "--quiet", "--python", sys.executable, str(venv)], folder, env)
    python = venv / "bin" / "python"
    install_args = ["--quiet", "--compile-bytecode", "--python", str(python)]
    _run([UV, "pip", "install", *install_args, "-e", ".", "--group", "dev"], folder, env)
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return Project(folder, python, env, answers)


def _run(args: list[str], cwd: Path, env: Mapping[str, str]) -> None:
    result = subprocess.run(
        args, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {result.returncode}:\n{result.stderr}")
