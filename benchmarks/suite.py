"""The generated project's own test suite: wall time of `pytest` at its root."""

from __future__ import annotations

import statistics
import subprocess
import time
from typing import Any

from benchmarks.targets import Target


def time_test_suite(target: Target, runs: int) -> dict[str, Any]:
    """Wall time of `pytest` at the project's root, as its README runs it."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(
            [str(target.project.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=target.project.folder,
            env=target.project.env,
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
