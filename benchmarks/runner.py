"""`python -m benchmarks`: the whole benchmark, or its quick mode, in one command."""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.generation import measure_generation, preset_answers
from benchmarks.projects import REPO_ROOT
from benchmarks.serving import Settings, compare_servers, measure_target, target_endpoints
from benchmarks.split import measure_split
from benchmarks.suite import time_test_suite
from benchmarks.targets import Databases, Target, build_target, versions
from benchmarks.variants import VARIANTS, Variant, one_per_project, variant_named
from benchmarks.wrk import ENDPOINTS, wrk_binary

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
PARTS = ("generation", "serving", "split", "tests")
SERVERS = {"fastapi": ("uvicorn", "granian"), "flask": ("gunicorn", "granian")}


def frameworks() -> list[str]:
    """FastAPI always; Flask once its template exists in this working tree."""
    found = ["fastapi"]
    if (REPO_ROOT / "template_flask" / "pyproject.toml.jinja").exists():
        found.append("flask")
    return found


@dataclass
class Config:
    mode: str
    servers: list[tuple[str, str]]
    variants: list[Variant]
    presets: list[str]
    update_presets: list[str]
    settings: Settings
    generation_runs: int
    update_runs: int
    test_runs: int
    # The variants whose generated test suite is timed (a database project's takes longer).
    test_variants: list[str]
    # The in-process split: interleaved rounds of batches of requests, per variant of the app.
    split_rounds: int
    split_batch: int
    parts: list[str] = field(default_factory=lambda: list(PARTS))
    output_dir: Path = RESULTS_DIR


def quick_config(available: list[str]) -> Config:
    """The default server of each framework (its preset's), short runs, few repeats."""
    servers = [(fw, str(preset_answers(fw)["server"])) for fw in available]
    settings = Settings(
        duration=1,
        warmup_requests=200,
        rounds=2,
        connections=8,
        startup_runs=1,
        endpoints=[e.name for e in ENDPOINTS],
    )
    # One update, of the first framework: an update run is a new project plus the update.
    # One database variant, the production one: SQLite runs the same code (and the smoke test).
    return Config(
        "quick",
        servers,
        [variant_named("memory"), variant_named("postgresql")],
        list(available),
        available[:1],
        settings,
        generation_runs=2,
        update_runs=1,
        test_runs=1,
        test_variants=["memory"],
        split_rounds=10,
        split_batch=100,
    )


def full_config(available: list[str]) -> Config:
    """Every framework x server x variant, every preset."""
    servers = [(fw, server) for fw in available for server in SERVERS[fw]]
    settings = Settings(
        duration=2,
        warmup_requests=200,
        rounds=4,
        connections=8,
        startup_runs=3,
        endpoints=[e.name for e in ENDPOINTS],
    )
    presets = [p for fw in available for p in (fw, f"{fw}-minimal")]
    return Config(
        "full",
        servers,
        list(VARIANTS),
        presets,
        list(available),
        settings,
        generation_runs=4,
        update_runs=3,
        test_runs=1,
        test_variants=[variant.name for variant in one_per_project(VARIANTS)],
        split_rounds=100,
        split_batch=150,
    )


def build_config(args: argparse.Namespace) -> Config:
    available = frameworks()
    config = quick_config(available) if args.quick else full_config(available)
    if args.only:
        wanted = [tuple(item.split("-", 1)) for item in args.only]
        unknown = [w for w in wanted if len(w) != 2 or w[1] not in SERVERS.get(w[0], ())]
        if unknown:
            raise SystemExit(f"--only: unknown framework-server {unknown}; e.g. fastapi-uvicorn")
        config.servers = [(fw, server) for fw, server in wanted]
        chosen = {w[0] for w in wanted}
        config.presets = [p for p in config.presets if p.split("-")[0] in chosen]
        config.update_presets = [p for p in config.update_presets if p in chosen]
    if args.variant:
        config.variants = [variant_named(name) for name in args.variant]
    if args.endpoint:
        config.settings.endpoints = args.endpoint
    if args.duration is not None:
        config.settings.duration = args.duration
    if args.rounds is not None:
        config.settings.rounds = args.rounds
    if args.runs is not None:
        config.generation_runs = config.update_runs = config.test_runs = args.runs
        config.settings.startup_runs = args.runs
    if args.parts:
        config.parts = args.parts
    if args.output_dir:
        config.output_dir = args.output_dir
    return config


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure apiseed: generation, serving (against a plain and a raw app), "
        "start-up, memory and the generated test suite. Writes benchmarks/results/<time>.json "
        "and .md.",
    )
    parser.add_argument("--quick", action="store_true", help="short runs (under 2 minutes)")
    parser.add_argument(
        "--only",
        action="append",
        metavar="FRAMEWORK-SERVER",
        help="serve only this target, e.g. fastapi-uvicorn (repeatable)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        choices=[v.name for v in VARIANTS],
        help="measure only this variant of the generated service (repeatable)",
    )
    parser.add_argument(
        "--endpoint",
        action="append",
        choices=[e.name for e in ENDPOINTS],
        help="load only this endpoint (repeatable)",
    )
    parser.add_argument("--duration", type=float, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per endpoint")
    parser.add_argument("--runs", type=int, help="repeats of every timed command")
    parser.add_argument(
        "--parts", nargs="+", choices=PARTS, help="what to measure (default: everything)"
    )
    parser.add_argument("--output-dir", type=Path, help=f"default: {RESULTS_DIR}")
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects")
    return parser.parse_args(argv)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_kib / 1024 / 1024,
        "system": f"{platform.system()} {platform.release()}",
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = " with uncommitted changes" if git("status", "--porcelain") else ""
    return git("rev-parse", "--short", "HEAD") + dirty


def wrk_version() -> str:
    result = subprocess.run([wrk_binary(), "--version"], capture_output=True, text=True)
    words = (result.stdout + result.stderr).split()
    return words[1] if len(words) > 1 else "unknown"


def run(config: Config, command: str, keep: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    if "serving" in config.parts:
        wrk_binary()  # fail now, not after ten minutes
    results: dict[str, Any] = {"meta": describe_run(config, command)}
    workdir = Path(tempfile.mkdtemp(prefix="apiseed-bench-"))
    try:
        if "generation" in config.parts:
            log(f"generation: presets {', '.join(config.presets)}")
            results["generation"] = measure_generation(
                workdir / "generation",
                config.presets,
                config.generation_runs,
                config.update_presets,
                config.update_runs,
                from_checkout=config.mode == "full",
            )
        if {"serving", "split", "tests"} & set(config.parts):
            measure_services(config, workdir, results)
    finally:
        if keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    results["meta"]["wall_time_s"] = time.perf_counter() - started
    results["meta"]["machine"]["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results["targets"] = report.targets(results)
    return results


def describe_run(config: Config, command: str) -> dict[str, Any]:
    return {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": config.mode,
        "command": command,
        "commit": git_commit(),
        "machine": machine(),
        "wrk": wrk_version() if "serving" in config.parts else "-",
        "settings": vars(config.settings) | {"endpoints": list(config.settings.endpoints)},
        "variants": {
            v.name: {"answers": dict(v.answers), "settings": dict(v.settings)}
            for v in config.variants
        },
        "versions": {"apiseed (this checkout)": {"python": platform.python_version()}},
    }


def measure_services(config: Config, workdir: Path, results: dict[str, Any]) -> None:
    """Build each target in turn, measure it, then compare each framework's servers."""
    results["serving"], results["test_suite"], results["split"] = [], {}, []
    databases = Databases(workdir / "databases")
    built: dict[str, list[Target]] = {}
    try:
        for framework, server in config.servers:
            for variant in config.variants:
                name = f"{framework}-{server}-{variant.name}"
                if not measured_here(config, framework, variant, results):
                    continue
                log(f"{name}: render, install, migrate")
                try:
                    target = build_target(
                        workdir / "projects", framework, server, variant, databases
                    )
                except RuntimeError as error:  # e.g. no PostgreSQL here: the others still run
                    results["serving"].append({"target": name, "error": str(error)})
                    continue
                results["meta"]["versions"][target.name] = versions(target)
                measure_one(target, config, workdir, results)
                if variant.with_ceiling:
                    built.setdefault(framework, []).append(target)
        if "serving" in config.parts:
            results["servers"] = compare_all(built, config, workdir)
    finally:
        databases.remove()
    if "serving" not in config.parts:
        del results["serving"]
    if "tests" not in config.parts:
        del results["test_suite"]
    if "split" not in config.parts:
        del results["split"]


def measured_here(
    config: Config, framework: str, variant: Variant, results: dict[str, Any]
) -> bool:
    """Whether some part measures this framework x variant (the split: once per framework)."""
    return (
        "serving" in config.parts
        or ("tests" in config.parts and variant.name in config.test_variants)
        or ("split" in config.parts and needs_split(framework, variant, results))
    )


def needs_split(framework: str, variant: Variant, results: dict[str, Any]) -> bool:
    """The split measures the framework's in-memory service, on its first server."""
    done = {row["target"].split("-")[0] for row in results["split"]}
    return variant.name == "memory" and framework not in done


def measure_one(target: Target, config: Config, workdir: Path, results: dict[str, Any]) -> None:
    """One target's serving and test-suite figures; a failure is recorded, not fatal."""
    if "serving" in config.parts:
        endpoints = target_endpoints(target, config.settings)
        log(f"{target.name}: serving {', '.join(e.name for e in endpoints)}")
        try:
            results["serving"].append(
                measure_target(target, config.settings, workdir / "serving" / target.name)
            )
        except RuntimeError as error:
            results["serving"].append({"target": target.name, "error": str(error)})
    if "split" in config.parts and needs_split(target.framework, target.variant, results):
        log(f"{target.name}: in-process split, {config.split_rounds} rounds")
        try:
            results["split"].append(measure_split(target, config.split_rounds, config.split_batch))
        except RuntimeError as error:
            results["split"].append({"target": target.name, "error": str(error)})
    if "tests" in config.parts and target.variant.name in config.test_variants:
        log(f"{target.name}: generated test suite")
        try:
            results["test_suite"][target.name] = time_test_suite(target, config.test_runs)
        except RuntimeError as error:
            results["test_suite"][target.name] = {"error": str(error)}


def compare_all(
    built: dict[str, list[Target]], config: Config, workdir: Path
) -> list[dict[str, Any]]:
    """Each framework's generated service on its servers, head to head: picks the default."""
    compared = []
    for framework, targets in built.items():
        if len(targets) < 2:
            continue
        log(f"{framework}: {' vs '.join(t.server for t in targets)}, interleaved")
        try:
            compared.append(
                compare_servers(targets, config.settings, workdir / "servers" / framework)
            )
        except RuntimeError as error:
            compared.append({"framework": framework, "error": str(error)})
    return compared


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def has_errors(results: dict[str, Any]) -> bool:
    """Failed parts, non-2xx answers or socket errors: the figures cannot be trusted."""
    return any("error" in row for row in results.get("split", [])) or any(
        not row["holds"] and ("errors" in row["target"] or row["measured"] == "failed")
        for row in results["targets"]
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = build_config(args)
    shown = sys.argv[1:] if argv is None else list(argv)
    command = shlex.join([".venv/bin/python", "-m", "benchmarks", *shown])
    results = run(config, command, keep=args.keep)
    stem = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path, md_path = report.write(results, config.output_dir, stem)
    print(md_path.read_text())
    log(f"wrote {json_path} and {md_path}")
    return 1 if has_errors(results) else 0
