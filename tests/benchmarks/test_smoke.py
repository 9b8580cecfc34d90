"""The benchmark's quick-mode code path, on one tiny case, so that it cannot rot.

It checks the shape of what the benchmark writes and that every answer was a 2xx; it never
judges a speed (the machine running the tests decides those, not the code).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.runner import main

pytestmark = pytest.mark.slow

VARIANTS = {"generated", "plain", "raw"}


def test_quick_mode_on_one_tiny_case(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        pytest.fail(
            "wrk is not installed; the benchmark uses it as its load generator. "
            "Install it with `apt-get install -y wrk`."
        )
    status = main(
        [
            "--quick",
            "--only", "fastapi-uvicorn",
            "--endpoint", "live",
            "--duration", "1",
            "--rounds", "1",
            "--runs", "1",
            "--output-dir", str(tmp_path),
        ]
    )  # fmt: skip

    [json_path] = tmp_path.glob("*.json")
    [md_path] = tmp_path.glob("*.md")
    assert json_path.stem == md_path.stem
    results = json.loads(json_path.read_text())
    assert status == 0, json.dumps(results["targets"], indent=2)

    assert results["meta"]["mode"] == "quick"
    assert {"command", "commit", "machine", "versions", "wall_time_s"} <= set(results["meta"])

    generation = results["generation"]
    for part in ("apiseed_new", "copier_copy", "apiseed_update"):
        figures = generation[part]["fastapi"]
        assert len(figures["runs"]) == 1
        assert figures["min"] <= figures["median"] <= figures["max"]

    [serving] = results["serving"]
    assert serving["target"] == "fastapi-uvicorn"
    live = serving["endpoints"]["live"]
    assert set(live["variants"]) == VARIANTS
    for figures in live["variants"].values():
        assert figures["requests"] > 0
        assert figures["non2xx"] == 0
        assert figures["socket_errors"] == 0
        assert figures["p50_ms"] <= figures["p99_ms"]
    assert set(live["ratios"]) == {"generated_vs_plain", "plain_vs_raw", "cpu_generated_vs_plain"}
    for figures in live["variants"].values():
        assert figures["cpu_us_per_request"] > 0
    assert len(live["rounds"]) == 1
    assert set(serving["startup_s"]) == VARIANTS
    assert set(serving["rss_mib"]) == VARIANTS
    assert all(rss["after_load"] > 0 for rss in serving["rss_mib"].values())

    assert len(results["test_suite"]["fastapi-uvicorn"]["runs"]) == 1

    names = [row["target"] for row in results["targets"]]
    assert "fastapi-uvicorn live: generated / plain" in names
    assert "fastapi-uvicorn live: non-2xx + socket errors" in names
    assert all(set(row) == {"target", "limit", "measured", "holds"} for row in results["targets"])

    markdown = md_path.read_text()
    for heading in (
        "## Targets",
        "## Serving",
        "## Start-up and memory",
        "## Generation",
        "## Generated project's own test suite",
        "## Versions",
    ):
        assert heading in markdown
    assert "| fastapi-uvicorn | `GET /health/live` |" in markdown
