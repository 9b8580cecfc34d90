"""The benchmark's quick-mode code path on a tiny case (in memory and on SQLite), so it cannot rot.

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

MEMORY_APPS = {"generated", "plain", "raw", "no-access-line"}


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
            "--variant", "memory",
            "--variant", "sqlite",
            "--endpoint", "get_item",
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

    memory, sqlite = results["serving"]
    assert (memory["target"], sqlite["target"]) == (
        "fastapi-uvicorn-memory",
        "fastapi-uvicorn-sqlite",
    )
    for serving, apps in ((memory, MEMORY_APPS), (sqlite, {"generated", "plain"})):
        get_item = serving["endpoints"]["get_item"]
        assert set(get_item["apps"]) == apps
        for figures in get_item["apps"].values():
            assert figures["requests"] > 0
            assert figures["non2xx"] == 0
            assert figures["socket_errors"] == 0
            assert figures["p50_ms"] <= figures["p99_ms"]
            assert figures["cpu_us_per_request"] > 0
        assert {"generated_vs_plain", "cpu_generated_vs_plain"} <= set(get_item["ratios"])
        assert len(get_item["rounds"]) == 1
        assert set(serving["startup_s"]) == apps
        assert set(serving["rss_mib"]) == apps
        assert all(rss["after_load"] > 0 for rss in serving["rss_mib"].values())
    memory_get_item = memory["endpoints"]["get_item"]
    assert {"plain_vs_raw", "no_access_line_vs_plain"} <= set(memory_get_item["ratios"])
    assert set(memory_get_item["cpu_us_over_plain"]) == {"generated", "no-access-line"}
    assert "access_line_cpu_us" in memory_get_item
    assert "access_line_cpu_us" not in sqlite["endpoints"]["get_item"]

    assert len(results["test_suite"]["fastapi-uvicorn-memory"]["runs"]) == 1
    assert "fastapi-uvicorn-sqlite" not in results["test_suite"]  # quick mode: in memory only

    [split] = results["split"]  # once per framework, in memory
    assert split["target"] == "fastapi-uvicorn-memory", split.get("error")
    assert set(split["endpoints"]) == {"live", "get_item", "create_item"}
    for figures in split["endpoints"].values():
        assert set(figures["variants"]) == {
            "service",
            "no_access_line",
            "no_body_guard",
            "no_middleware",
            "plain",
        }
        assert all(cpu > 0 for cpu in figures["variants"].values())
        assert {"access_line", "body_guard", "middleware_rest", "routes_and_handlers"} <= set(
            figures["parts"]
        )

    names = [row["target"] for row in results["targets"]]
    for name in ("fastapi-uvicorn-memory get_item", "fastapi-uvicorn-sqlite get_item"):
        assert f"{name}: generated / plain" in names
        assert f"{name}: non-2xx + socket errors" in names
    assert all(set(row) == {"target", "limit", "measured", "holds"} for row in results["targets"])

    markdown = md_path.read_text()
    for heading in (
        "## Targets",
        "## Serving",
        "## Variants",
        "## The access line's share",
        "## Start-up and memory",
        "## Where the generated service's time goes: in-process split",
        "## Generation",
        "## Generated project's own test suite",
        "## Versions",
    ):
        assert heading in markdown
    assert "| fastapi-uvicorn | sqlite | `GET /api/v1/items/1` |" in markdown
