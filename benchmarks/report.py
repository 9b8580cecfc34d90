"""Judge the figures against the targets and write them as JSON and as a Markdown table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.variants import NO_ACCESS_LINE

RATIO_TARGET = 0.9
NEW_TARGET_S = 0.6
# `apiseed new` from the installed wheel against `copier copy` from a clone, same answers.
NEW_VS_COPY_TARGET = 0.8
UPDATE_TARGET_S = 1.5
TEST_SUITE_TARGET_S = 3.0


def row(target: str, limit: str, measured: str, holds: bool) -> dict[str, Any]:
    return {"target": target, "limit": limit, "measured": measured, "holds": holds}


def failed(target: str, limit: str = "runs") -> dict[str, Any]:
    return row(target, limit, "failed", False)


def errors_row(target: str, apps: dict[str, Any]) -> dict[str, Any]:
    errors = sum(figures["non2xx"] + figures["socket_errors"] for figures in apps.values())
    return row(f"{target}: non-2xx + socket errors", "0", str(errors), errors == 0)


def at_most(target: str, limit: float, measured: float, unit: str) -> dict[str, Any]:
    return row(target, f"<= {limit}{unit}", f"{measured:.2f}{unit}", measured <= limit)


def serving_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Generated / plain >= RATIO_TARGET on every endpoint of every variant, and no errors."""
    rows = []
    for target in results.get("serving", []):
        if "error" in target:
            rows.append(failed(f"{target['target']}: serving"))
            continue
        for endpoint, figures in target["endpoints"].items():
            ratio = figures["ratios"]["generated_vs_plain"]["median"]
            cpu = figures["ratios"]["cpu_generated_vs_plain"]["median"]
            name = f"{target['target']} {endpoint}"
            rows.append(
                row(
                    f"{name}: generated / plain",
                    f">= {RATIO_TARGET}",
                    f"{ratio:.2f}x (CPU time: {cpu:.2f}x)",
                    ratio >= RATIO_TARGET,
                )
            )
            rows.append(errors_row(name, figures["apps"]))
    for comparison in results.get("servers", []):
        if "error" in comparison:
            rows.append(failed(f"{comparison['framework']}: servers head to head"))
            continue
        for name, endpoint in comparison["endpoints"].items():
            rows.append(
                errors_row(f"{comparison['framework']} servers {name}", endpoint["servers"])
            )
    return rows


def generation_targets(generation: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for preset, figures in generation.get("apiseed_new", {}).items():
        name = f"apiseed new --preset {preset}, installed wheel (median)"
        rows.append(at_most(name, NEW_TARGET_S, figures["median"], " s"))
        ratio = figures["median"] / generation["copier_copy"][preset]["median"]
        name = f"apiseed new / copier copy from a clone, {preset} (medians)"
        rows.append(at_most(name, NEW_VS_COPY_TARGET, ratio, "x"))
    for preset, figures in generation.get("apiseed_update", {}).items():
        name = f"apiseed update N->N+1, {preset}, installed wheels (median)"
        rows.append(at_most(name, UPDATE_TARGET_S, figures["median"], " s"))
    return rows


def test_suite_targets(suites: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, figures in suites.items():
        if "error" in figures:
            rows.append(failed(f"{name}: generated test suite", "passes"))
        else:
            label = f"{name}: generated test suite (median)"
            rows.append(at_most(label, TEST_SUITE_TARGET_S, figures["median"], " s"))
    return rows


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target apiseed sets, with the measured figure and whether it holds."""
    return [
        *serving_targets(results),
        *generation_targets(results.get("generation", {})),
        *test_suite_targets(results.get("test_suite", {})),
    ]


def _spread(figures: dict[str, float], digits: int = 2, unit: str = "") -> str:
    return (
        f"{figures['median']:.{digits}f}{unit} "
        f"({figures['min']:.{digits}f}-{figures['max']:.{digits}f})"
    )


def header(meta: dict[str, Any]) -> list[str]:
    machine = meta["machine"]
    settings = meta["settings"]
    lines = [
        f"# apiseed benchmark, {meta['started']} ({meta['mode']} mode)",
        "",
        f"- Command: `{meta['command']}`",
        f"- Commit: `{meta['commit']}`; wall time {meta['wall_time_s']:.0f} s",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']:.0f} GiB,"
        f" {machine['system']}; load average {machine['load_before']} before,"
        f" {machine['load_after']} after",
    ]
    if meta["wrk"] != "-":  # the serving part ran
        lines.append(
            f"- Load: wrk {meta['wrk']}, {settings['connections']} connections, 1 thread,"
            f" {settings['duration']:g} s per run, {settings['rounds']} interleaved"
            " rounds, 1 server worker; figures are medians over the rounds, ratios the medians"
            " of per-round ratios (min-max in brackets). CPU-time generated / plain is the plain"
            " server's CPU time per request divided by the generated one's (from /proc, the"
            " whole server process tree): the same ratio, far less moved by other jobs on the"
            " machine"
        )
    for name, variant in meta.get("variants", {}).items():
        given = {**variant["answers"], **variant["settings"]}
        shown = ", ".join(f"{key}={value}" for key, value in given.items())
        lines.append(f"- Variant {name}: {shown or 'the default answers'}")
    return lines


def targets_section(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["## Targets", "", "| target | limit | measured | holds |", "|---|---|---|---|"]
    for found in rows:
        verdict = "yes" if found["holds"] else "**no**"
        lines.append(f"| {found['target']} | {found['limit']} | {found['measured']} | {verdict} |")
    return lines


def serving_section(serving: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Serving: requests per second and latency",
        "",
        "Raw is the standard-library ASGI / WSGI ceiling, loaded with the in-memory variant only.",
        "",
        "| framework-server | variant | endpoint | generated rps | plain rps | raw rps "
        "| generated / plain | plain / raw | CPU-time generated / plain "
        "| CPU us / request gen / plain | p50 ms gen / plain | p99 ms gen / plain | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for target in serving:
        for figures in target["endpoints"].values():
            apps = figures["apps"]
            ratios = figures["ratios"]
            gen, plain = apps["generated"], apps["plain"]
            raw = f"{apps['raw']['rps']:.0f}" if "raw" in apps else "-"
            plain_vs_raw = _spread(ratios["plain_vs_raw"]) if "plain_vs_raw" in ratios else "-"
            errors = sum(x["non2xx"] + x["socket_errors"] for x in apps.values())
            lines.append(
                f"| {target['framework']}-{target['server']} | {target['variant']} "
                f"| `{figures['method']} {figures['path']}` "
                f"| {gen['rps']:.0f} | {plain['rps']:.0f} | {raw} "
                f"| {_spread(ratios['generated_vs_plain'])} | {plain_vs_raw} "
                f"| {_spread(ratios['cpu_generated_vs_plain'])} "
                f"| {gen['cpu_us_per_request']:.0f} / {plain['cpu_us_per_request']:.0f} "
                f"| {gen['p50_ms']:.2f} / {plain['p50_ms']:.2f} "
                f"| {gen['p99_ms']:.2f} / {plain['p99_ms']:.2f} | {errors} |"
            )
    return lines


def variants_section(serving: list[dict[str, Any]]) -> list[str]:
    """Each variant's generated / plain ratio side by side: what an answer costs."""
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for target in serving:
        for endpoint, figures in target["endpoints"].items():
            key = (f"{target['framework']}-{target['server']}", endpoint)
            ratios = figures["ratios"]
            found = cells.setdefault(key, {})
            found[target["variant"]] = _ratio_cell(ratios, "generated_vs_plain")
            if "no_access_line_vs_plain" in ratios:
                found[f"{target['variant']}, no access line"] = _ratio_cell(
                    ratios, "no_access_line_vs_plain"
                )
    columns = list(dict.fromkeys(column for found in cells.values() for column in found))
    lines = [
        "## Variants: generated / plain",
        "",
        "Requests per second (CPU time per request in brackets), medians of per-round ratios;"
        ' each variant against the plain app doing its work. "no access line": the same'
        " service with `LOG_LEVEL=WARNING`, loaded in the same rounds.",
        "",
        "| framework-server | endpoint | " + " | ".join(columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for (server, endpoint), found in cells.items():
        shown = " | ".join(found.get(column, "-") for column in columns)
        lines.append(f"| {server} | {endpoint} | {shown} |")
    return lines


def _ratio_cell(ratios: dict[str, Any], name: str) -> str:
    return f"{ratios[name]['median']:.2f} ({ratios['cpu_' + name]['median']:.2f})"


def access_line_rows(serving: list[dict[str, Any]]) -> list[str]:
    """A row per endpoint of the variants that also loaded the service with the line off."""
    rows = []
    for target in serving:
        for figures in target["endpoints"].values():
            over = figures.get("cpu_us_over_plain", {})
            if NO_ACCESS_LINE not in over:
                continue
            rows.append(
                f"| {target['framework']}-{target['server']} | {target['variant']} "
                f"| `{figures['method']} {figures['path']}` "
                f"| {_spread(over['generated'], 0)} | {_spread(over[NO_ACCESS_LINE], 0)} "
                f"| {_spread(figures['access_line_cpu_us'], 0)} |"
            )
    return rows


def access_line_section(serving: list[dict[str, Any]]) -> list[str]:
    """The access line's share of the service's cost, per row, measured in the same rounds."""
    lines = [
        "## The access line's share",
        "",
        "CPU µs per request (median of per-round differences, min-max): the service as in"
        " production and with `LOG_LEVEL=WARNING`, each over the plain app, loaded in the same"
        " rounds, and the first over the second.",
        "",
        "| framework-server | variant | endpoint | service over plain | without the line "
        "| the line (service over without) |",
        "|---|---|---|---|---|---|",
    ]
    return lines + access_line_rows(serving)


def startup_section(serving: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Start-up and memory",
        "",
        "Start-up: from the production command to the first answered `GET /health/live`"
        " (median, min-max). Memory: resident set of the worker process, idle after start"
        " and after all the load (in memory, the POST runs keep every created item).",
        "",
        "| framework-server | variant | app | start-up s | RSS idle MiB | RSS after load MiB "
        "| exit after SIGTERM |",
        "|---|---|---|---|---|---|---|",
    ]
    for target in serving:
        for app, rss in target["rss_mib"].items():
            lines.append(
                f"| {target['framework']}-{target['server']} | {target['variant']} | {app} "
                f"| {_spread(target['startup_s'][app])} "
                f"| {rss['idle']:.1f} | {rss['after_load']:.1f} "
                f"| {target['exit_codes_after_sigterm'][app]} |"
            )
    return lines


def servers_section(compared: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Servers head to head: the generated service in memory, interleaved rounds",
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
    return lines


def split_section(split: list[dict[str, Any]]) -> list[str]:
    """Each part of the service's cost per request, measured in one process."""
    lines = [
        "## Where the generated service's time goes: in-process split",
        "",
        "CPU µs per request with the app called directly (no server, no socket), batches of"
        " requests in interleaved rounds; each part is the median of its per-round difference"
        " between variants of the app (`benchmarks/apps/split.py`).",
        "",
        "| target | endpoint | service | plain | access line | body guard "
        "| rest of the middleware | routes and handlers | total over plain |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    notes = [""]
    for found in split:
        if "error" in found:
            notes.append(f"- {found['target']}: failed: `...{found['error'][-300:]}`")
            continue
        notes.append(
            f"- {found['target']}: {found['rounds']} rounds of {found['batch']} requests,"
            f" event loop {found['event_loop']}"
        )
        for endpoint, figures in found["endpoints"].items():
            variants, parts = figures["variants"], figures["parts"]
            cells = [f"{variants['service']:.0f}", f"{variants['plain']:.0f}"]
            cells += [
                f"{parts[part]:.1f}"
                for part in ("access_line", "body_guard", "middleware_rest", "routes_and_handlers")
            ]
            cells.append(f"{parts['total']:.1f}")
            lines.append(f"| {found['target']} | {endpoint} | {' | '.join(cells)} |")
    return lines + notes


def generation_section(generation: dict[str, Any]) -> list[str]:
    lines = [
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
    return lines


def test_suite_section(suites: dict[str, Any]) -> list[str]:
    lines = [
        "## Generated project's own test suite (`pytest` at its root, seconds)",
        "",
        "| framework-server-variant | wall time |",
        "|---|---|",
    ]
    for name, figures in suites.items():
        lines.append(f"| {name} | {'failed' if 'error' in figures else _spread(figures)} |")
    return lines


def versions_section(versions: dict[str, dict[str, str]]) -> list[str]:
    lines = ["## Versions", ""]
    for name, found in versions.items():
        packages = ", ".join(f"{key} {value}" for key, value in sorted(found.items()))
        lines.append(f"- {name}: {packages}")
    return lines


def markdown(results: dict[str, Any]) -> str:
    sections = [header(results["meta"])]
    if results["targets"]:
        sections.append(targets_section(results["targets"]))
    serving = [t for t in results.get("serving", []) if "error" not in t]
    if serving:
        sections += [serving_section(serving), variants_section(serving)]
        if access_line_rows(serving):
            sections.append(access_line_section(serving))
        sections.append(startup_section(serving))
    failures = [t for t in results.get("serving", []) if "error" in t]
    if failures:
        sections.append([f"{t['target']}: serving failed: `{t['error'][:300]}`" for t in failures])
    if results.get("servers"):
        sections.append(servers_section(results["servers"]))
    if results.get("split"):
        sections.append(split_section(results["split"]))
    if results.get("generation"):
        sections.append(generation_section(results["generation"]))
    if results.get("test_suite"):
        sections.append(test_suite_section(results["test_suite"]))
    sections.append(versions_section(results["meta"]["versions"]))
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def write(results: dict[str, Any], folder: Path, stem: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / f"{stem}.json"
    md_path = folder / f"{stem}.md"
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    md_path.write_text(markdown(results))
    return json_path, md_path
