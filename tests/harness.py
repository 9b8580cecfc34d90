"""Render a project with Copier's API, build its own environment, run its tools and its server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv") or "uv"
RUNNING_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
SERVER_START_TIMEOUT = 40.0


def render(destination: Path, answers: Mapping[str, Any], vcs_ref: str | None = "HEAD") -> Path:
    """Render this working tree (uncommitted changes included) to `destination`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DirtyLocalWarning: the working tree is what we test
        copier.run_copy(
            str(REPO_ROOT),
            destination,
            data=dict(answers),
            defaults=True,
            quiet=True,
            vcs_ref=vcs_ref,
            settings=copier.Settings(),
        )
    return destination


def recorded_answers(project: Path) -> dict[str, Any]:
    answers: dict[str, Any] = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return answers


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (except .git/) with its content, to prove nothing was lost."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(folder).parts
    }


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a generated project's tools: nothing of this repository's venv."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
        and not name.startswith("PYTEST_")
    }
    env["UV_LINK_MODE"] = "copy"  # the shared cache may be on another filesystem
    # A test of a generated project that hangs prints every thread's stack before run()'s timeout.
    env["PYTEST_ADDOPTS"] = "-o faulthandler_timeout=120"
    env.update(extra or {})
    return env


def run(args: list[str], cwd: Path, env: Mapping[str, str], timeout: float = 300) -> str:
    """Run a command; on failure, fail with its whole output."""
    try:
        result = subprocess.run(
            args,
            cwd=cwd,
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        # What it printed up to then says where it stopped (pytest's faulthandler_timeout, set
        # in clean_environment, adds every thread's stack to stderr).
        raise AssertionError(
            f"{' '.join(args)} did not finish within {timeout} s in {cwd}\n"
            f"--- stdout ---\n{text_of(expired.stdout)}\n--- stderr ---\n{text_of(expired.stderr)}"
        ) from None
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} exited {result.returncode} in {cwd}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    return result.stdout


def text_of(output: str | bytes | None) -> str:
    """A TimeoutExpired's partial output: bytes even when the run asked for text."""
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


def find_interpreter(version: str) -> str | None:
    """A working Python of exactly `version` on this machine (PATH or pyenv), if there is one."""
    if version == RUNNING_PYTHON:
        return sys.executable
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [shutil.which(f"python{version}")]
    candidates += [
        str(path) for path in sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"))
    ]
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "--version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return candidate
    return None


@dataclass
class ProjectEnvironment:
    """A fresh virtual environment built only from the project's own pyproject.toml."""

    project: Path
    python: Path
    env: dict[str, str]
    # True when the project is installed; False when no interpreter of its minimum version exists
    # here and only its dependencies were installed (into the running Python's version) instead.
    installed: bool

    @property
    def bin(self) -> Path:
        return self.python.parent

    def tool(self, name: str) -> str:
        return str(self.bin / name)


def build_environment(project: Path) -> ProjectEnvironment:
    answers = recorded_answers(project)
    interpreter = find_interpreter(answers["python_version"])
    env = clean_environment()
    venv = project / ".venv"
    run([UV, "venv", "--quiet", "--python", interpreter or sys.executable, str(venv)], project, env)
    python = venv / "bin" / "python"
    install = [UV, "pip", "install", "--quiet", "--python", str(python)]
    if interpreter:
        run([*install, "-e", ".", "--group", "dev"], project, env)
    else:
        # requires-python excludes this interpreter: install what pyproject.toml asks for and
        # put src/ on the path, so its tools and tests still run against the rendered code.
        run([*install, "-r", "pyproject.toml", "--group", "dev"], project, env)
        env["PYTHONPATH"] = str(project / "src")
        env["MYPYPATH"] = str(project / "src")
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return ProjectEnvironment(project, python, env, installed=interpreter is not None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    auth: str = "none"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def credentials(self) -> dict[str, str]:
        """The headers that get a request through the service's auth."""
        from tests.credentials import credentials_for

        return credentials_for(self.auth)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def production_server(
    environment: ProjectEnvironment,
    settings: Mapping[str, str] | None = None,
    variables: Mapping[str, str] | None = None,
) -> Iterator[RunningServer]:
    """Start the README's production command on a free loopback port; stop it by its PID. A
    service with auth gets the test credentials (tests/credentials.py) unless `settings` say
    otherwise. `settings` are the service's own (the package prefix is added); `variables` are
    set as they are (OpenTelemetry's OTEL_*)."""
    import httpx

    from tests.credentials import auth_settings

    answers = recorded_answers(environment.project)
    package = answers["package_name"]
    auth = answers.get("auth", "none")
    prefix = f"{package.upper()}_"
    port = free_port()
    env = {**environment.env, f"{prefix}HOST": "127.0.0.1", f"{prefix}PORT": str(port)}
    env.update({f"{prefix}{name}": value for name, value in auth_settings(auth).items()})
    env.update({f"{prefix}{name}": value for name, value in (settings or {}).items()})
    env.update(variables or {})
    log_path = environment.project / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(environment.python), "-m", package],
            cwd=environment.project,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = RunningServer(process, port, log_path, auth)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise AssertionError(f"server exited with {process.returncode}:\n{server.log()}")
            try:
                httpx.get(f"{server.url}/health/live", timeout=1.0)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"server did not answer in time:\n{server.log()}"
                    ) from None
                time.sleep(0.1)
        yield server
    finally:
        stop(process)


# How a server process ends after a SIGTERM it handled: every server choice exits 0.
GRACEFUL_EXIT_CODES = (0,)


def stop(process: subprocess.Popen[bytes], timeout: float = 20.0) -> int:
    """SIGTERM, then SIGKILL to the whole process group if it does not exit in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode
