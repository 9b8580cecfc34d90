"""Judge the figures against the targets and write them as JSON and as a Markdown table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RATIO_TARGET = 0.9
NEW_TARGET_S = 0.6
# `apiseed new` from the installed wheel against `copier copy` from a clone, same answers.
NEW_VS_COPY_TARGET = 0.8
UPDATE_TARGET_S = 1.5
TEST_SUITE_TARGET_S = 3.0
VARIANTS = ("generated", "plain", "raw")


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target the issue sets, with the measured figure and whether it holds."""
    rows: list[dict[str, Any]] = []

    def add(name: str, limit: str, measured: float, holds: bool, unit: str = "") -> None:
        rows.append(
            {"target": name, "limit": limit, "measured": f"{measured:.2f}{unit}", "holds": holds}
        )

    for target in results.get("serving", []):
        if "error" in target:
            rows.append(
                {
                    "target": f"{target['target']}: serving",
                    "limit": "runs",
                    "measured": "failed",
                    "holds": False,
                }
            )
            continue
        for endpoint, figures in target["endpoints"].items():
            ratio = figures["ratios"]["generated_vs_plain"]["median"]
            add(
                f"{target['target']} {endpoint}: generated / plain",
                f">= {RATIO_TARGET}",
                ratio,
                ratio >= RATIO_TARGET,
                f"x (CPU time: {figures['ratios']['cpu_generated_vs_plain']['median']:.2f}x)",
            )
            errors = sum(v["non2xx"] + v["socket_errors"] for v in figures["variants"].values())
            rows.append(
                {
                    "target": f"{target['target']} {endpoint}: non-2xx + socket errors",
                    "limit": "0",
                    "measured": str(errors),
                    "holds": errors == 0,
                }
            )
    for comparison in results.get("servers", []):
        if "error" in comparison:
            rows.append(
                {
                    "target": f"{comparison['framework']}: servers head to head",
                    "limit": "runs",
                    "measured": "failed",
                    "holds": False,
                }
            )
            continue
        for name, endpoint in comparison["endpoints"].items():
            errors = sum(f["non2xx"] + f["socket_errors"] for f in endpoint["servers"].values())
            rows.append(
                {
                    "target": f"{comparison['framework']} servers {name}: non-2xx + socket errors",
                    "limit": "0",
                    "measured": str(errors),
                    "holds": errors == 0,
                }
            )
    generation = results.get("generation", {})
    for preset, figures in generation.get("apiseed_new", {}).items():
        add(
            f"apiseed new --preset {preset}, installed wheel (median)",
            f"<= {NEW_TARGET_S} s",
            figures["median"],
            figures["median"] <= NEW_TARGET_S,
            " s",
        )
        ratio = figures["median"] / generation["copier_copy"][preset]["median"]
        add(
            f"apiseed new / copier copy from a clone, {preset} (medians)",
            f"<= {NEW_VS_COPY_TARGET}x",
            ratio,
            ratio <= NEW_VS_COPY_TARGET,
            "x",
        )
    for preset, figures in generation.get("apiseed_update", {}).items():
        add(
            f"apiseed update N->N+1, {preset}, installed wheels (median)",
            f"<= {UPDATE_TARGET_S} s",
            figures["median"],
            figures["median"] <= UPDATE_TARGET_S,
            " s",
        )
    for name, figures in results.get("test_suite", {}).items():
        if "error" in figures:
            rows.append(
                {
                    "target": f"{name}: generated test suite",
                    "limit": "passes",
                    "measured": "failed",
                    "holds": False,
                }
            )
            continue
        add(
            f"{name}: generated test suite (median)",
            f"<= {TEST_SUITE_TARGET_S} s",
            figures["median"],
            figures["median"] <= TEST_SUITE_TARGET_S,
            " s",
        )
    return rows


def _spread(figures: dict[str, float], digits: int = 2, unit: str = "") -> str:
    return (
        f"{figures['median']:.{digits}f}{unit} "
        f"({figures['min']:.{digits}f}-{figures['max']:.{digits}f})"
    )


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    machine = meta["machine"]
    lines = [
        f"# apiseed benchmark, {meta['started']} ({meta['mode']} mode)",
        "",
        f"- Command: `{meta['command']}`",
        f"- Commit: `{meta['commit']}`; wall time {meta['wall_time_s']:.0f} s",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']:.0f} GiB,"
        f" {machine['system']}; load average {machine['load_before']} before,"
        f" {machine['load_after']} after",
        f"- Load: wrk {meta['wrk']}, {meta['settings']['connections']} connections, 1 thread,"
        f" {meta['settings']['duration']:g} s per run, {meta['settings']['rounds']} interleaved"
        " rounds, 1 server worker; figures are medians over the rounds, ratios the medians of"
        " per-round ratios (min-max in brackets). CPU-time generated / plain is the plain"
        " server's CPU time per request divided by the generated one's (from /proc, the whole"
        " server process tree): the same ratio, far less moved by other jobs on the machine",
        "",
        "## Targets",
        "",
        "| target | limit | measured | holds |",
        "|---|---|---|---|",
    ]
    for row in results["targets"]:
        verdict = "yes" if row["holds"] else "**no**"
        lines.append(f"| {row['target']} | {row['limit']} | {row['measured']} | {verdict} |")
    serving = [t for t in results.get("serving", []) if "error" not in t]
    if serving:
        lines += [
            "",
            "## Serving: requests per second and latency",
            "",
            "| framework-server | endpoint | generated rps | plain rps | raw rps "
            "| generated / plain | plain / raw | CPU-time generated / plain "
            "| p50 ms gen / plain / raw | p99 ms gen / plain / raw | errors |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for target in serving:
            for figures in target["endpoints"].values():
                v = figures["variants"]
                ratios = figures["ratios"]
                errors = sum(x["non2xx"] + x["socket_errors"] for x in v.values())
                p50 = " / ".join(f"{v[k]['p50_ms']:.2f}" for k in VARIANTS)
                p99 = " / ".join(f"{v[k]['p99_ms']:.2f}" for k in VARIANTS)
                lines.append(
                    f"| {target['target']} | `{figures['method']} {figures['path']}` "
                    f"| {v['generated']['rps']:.0f} | {v['plain']['rps']:.0f} "
                    f"| {v['raw']['rps']:.0f} | {_spread(ratios['generated_vs_plain'])} "
                    f"| {_spread(ratios['plain_vs_raw'])} "
                    f"| {_spread(ratios['cpu_generated_vs_plain'])} | {p50} | {p99} | {errors} |"
                )
        lines += [
            "",
            "## Start-up and memory",
            "",
            "Start-up: from the production command to the first answered `GET /health/live`"
            " (median, min-max). Memory: resident set of the worker process, idle after start"
            " and after all the load (the POST runs leave every created item in memory).",
            "",
            "| framework-server | variant | start-up s | RSS idle MiB | RSS after load MiB "
            "| exit after SIGTERM |",
            "|---|---|---|---|---|---|",
        ]
        for target in serving:
            for variant in VARIANTS:
                rss = target["rss_mib"][variant]
                lines.append(
                    f"| {target['target']} | {variant} | {_spread(target['startup_s'][variant])} "
                    f"| {rss['idle']:.1f} | {rss['after_load']:.1f} "
                    f"| {target['exit_codes_after_sigterm'][variant]} |"
                )
    for target in results.get("serving", []):
        if "error" in target:
            lines += ["", f"{target['target']}: serving failed: `{target['error'][:300]}`"]
    compared = results.get("servers", [])
    if compared:
        lines += [
            "",
            "## Servers head to head: the generated service, interleaved rounds",
            "",
            "| framework | endpoint | server | rps | p50 ms | p99 ms | CPU us / request | errors |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for comparison in compared:
            if "error" in comparison:
                lines.append(f"| {comparison['framework']} | failed | | | | | | |")
                continue
            for endpoint in comparison["endpoints"].values():
                for server, f in endpoint["servers"].items():
                    lines.append(
                        f"| {comparison['framework']} | `{endpoint['method']} {endpoint['path']}` "
                        f"| {server} | {f['rps']:.0f} | {f['p50_ms']:.2f} | {f['p99_ms']:.2f} "
                        f"| {f['cpu_us_per_request']:.0f} | {f['non2xx'] + f['socket_errors']} |"
                    )
        lines += ["", "Ratios (second server / first, per round: median (min-max)):", ""]
        for comparison in compared:
            if "error" in comparison:
                continue
            first, second = comparison["servers"]
            for name, endpoint in comparison["endpoints"].items():
                lines.append(
                    f"- {comparison['framework']} {name}: {second} / {first} requests per second "
                    f"{_spread(endpoint['ratio'])}, by CPU time per request "
                    f"{_spread(endpoint['cpu_ratio'])}"
                )
    generation = results.get("generation")
    if generation:
        lines += [
            "",
            "## Generation (wall time of a fresh process, seconds: median (min-max))",
            "",
            f"Template: {generation['template']}. Installed: {generation['installed']}. "
            "`apiseed new` runs with `--no-git` except in the git column; the checkout column "
            "is this checkout's .venv with `--template CLONE`.",
            "",
            "| preset | `apiseed new`, installed | same, with git init + commit "
            "| `apiseed new`, checkout | `copier copy` from the clone | installed / copy "
            "| `apiseed update` N->N+1, installed | same, checkout |",
            "|---|---|---|---|---|---|---|---|",
        ]

        def cell(part: str, preset: str) -> str:
            figures = generation.get(part, {}).get(preset)
            return _spread(figures) if figures else "-"

        for preset, figures in generation["apiseed_new"].items():
            ratio = figures["median"] / generation["copier_copy"][preset]["median"]
            lines.append(
                f"| {preset} | {cell('apiseed_new', preset)} | {cell('apiseed_new_git', preset)} "
                f"| {cell('apiseed_new_clone', preset)} | {cell('copier_copy', preset)} "
                f"| {ratio:.2f} | {cell('apiseed_update', preset)} "
                f"| {cell('apiseed_update_clone', preset)} |"
            )
    suites = results.get("test_suite")
    if suites:
        lines += [
            "",
            "## Generated project's own test suite (`pytest` at its root, seconds)",
            "",
            "| framework-server | wall time |",
            "|---|---|",
        ]
        for name, figures in suites.items():
            shown = "failed" if "error" in figures else _spread(figures)
            lines.append(f"| {name} | {shown} |")
    lines += ["", "## Versions", ""]
    for name, found in meta["versions"].items():
        packages = ", ".join(f"{key} {value}" for key, value in sorted(found.items()))
        lines.append(f"- {name}: {packages}")
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], folder: Path, stem: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / f"{stem}.json"
    md_path = folder / f"{stem}.md"
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    md_path.write_text(markdown(results))
    return json_path, md_path
