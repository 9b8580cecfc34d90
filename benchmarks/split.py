"""The in-process split: what each part of the service contract costs per request.

Runs `benchmarks.apps.split` in the generated project's environment (see its docstring for the
variants) and turns its per-batch figures into parts: medians of the per-round differences
between variants, in µs of CPU time per request.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
from typing import Any

from benchmarks.apps import PACKAGE_VARIABLE
from benchmarks.projects import REPO_ROOT
from benchmarks.targets import Target

# Each part as a sum of variants' figures: (+1, with it), (-1, without it).
PARTS: dict[str, tuple[tuple[int, str], ...]] = {
    "access_line": ((1, "service"), (-1, "no_access_line")),
    "body_guard": ((1, "service"), (-1, "no_body_guard")),
    # The middleware without those two: request id, header and declared-length checks, the
    # `send` / `start_response` wrapper, the context variable.
    "middleware_rest": (
        (1, "no_access_line"),
        (1, "no_body_guard"),
        (-1, "service"),
        (-1, "no_middleware"),
    ),
    # What the template's app does beyond the plain one: its routes, dependencies, error
    # handlers and validation.
    "routes_and_handlers": ((1, "no_middleware"), (-1, "plain")),
    "total": ((1, "service"), (-1, "plain")),
}


def measure_split(target: Target, rounds: int, batch: int) -> dict[str, Any]:
    """CPU time per request of each variant, and of each part, per endpoint."""
    env = dict(target.project.env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env[PACKAGE_VARIABLE] = target.package
    args = [str(target.project.python), "-m", "benchmarks.apps.split", target.framework]
    result = subprocess.run(
        [*args, str(rounds), str(batch)],
        cwd=target.project.folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{target.name}: the split exited {result.returncode}:\n{result.stderr}")
    measured: dict[str, Any] = json.loads(result.stdout)
    endpoints = {}
    for endpoint, variants in measured["cpu_us_per_request"].items():
        endpoints[endpoint] = {
            "variants": {name: statistics.median(values) for name, values in variants.items()},
            "parts": {part: _part(variants, terms) for part, terms in PARTS.items()},
        }
    return {
        "target": target.name,
        "event_loop": measured["event_loop"],
        "rounds": rounds,
        "batch": batch,
        "endpoints": endpoints,
        "rounds_us": measured["cpu_us_per_request"],
    }


def _part(variants: dict[str, list[float]], terms: tuple[tuple[int, str], ...]) -> float:
    """Median over rounds of the part's sum: a round's variants ran one after the other."""
    rounds = len(next(iter(variants.values())))
    return statistics.median(
        sum(sign * variants[name][i] for sign, name in terms) for i in range(rounds)
    )
