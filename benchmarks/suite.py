"""Build the generated projects the benchmark serves, and time their own test suites."""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.serving import Target
from tests.harness import build_environment, recorded_answers, render

PROJECT_NAME = "Bench Service"
VERSIONS_SCRIPT = """
import importlib.metadata as metadata, json, sys
names = ["fastapi", "starlette", "flask", "apiflask", "werkzeug", "pydantic", "pydantic-core",
         "uvicorn", "uvloop", "httptools", "granian", "gunicorn"]
found = {}
for name in names:
    try:
        found[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        pass
found["python"] = sys.version.split()[0]
print(json.dumps(found))
"""


def build_target(workdir: Path, framework: str, server: str) -> Target:
    """Render this working tree (uncommitted changes included) and install it in its own venv."""
    project = workdir / f"{framework}-{server}"
    answers = {"project_name": PROJECT_NAME, "framework": framework, "server": server}
    render(project, {**answers, "docker": False})
    environment = build_environment(project)
    package = str(recorded_answers(project)["package_name"])
    return Target(framework, server, package, environment)


def versions(target: Target) -> dict[str, str]:
    result = subprocess.run(
        [str(target.environment.python), "-c", VERSIONS_SCRIPT],
        capture_output=True,
        text=True,
        check=True,
        env=target.environment.env,
    )
    found: dict[str, str] = json.loads(result.stdout)
    return found


def time_test_suite(target: Target, runs: int) -> dict[str, Any]:
    """Wall time of `pytest` at the project's root, as its README runs it."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(
            [str(target.environment.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=target.environment.project,
            env=target.environment.env,
            capture_output=True,
            text=True,
            check=False,
        )
        times.append(time.perf_counter() - started)
        if result.returncode != 0:
            tail = "\n".join(result.stdout.splitlines()[-30:])
            raise RuntimeError(f"{target.name}: the generated tests failed:\n{tail}")
    return {
        "runs": times,
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
    }
