"""Serve the generated service and the apps it is compared with; load them in turns."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from benchmarks.projects import REPO_ROOT
from benchmarks.targets import Target, service_environment
from benchmarks.variants import NO_ACCESS_LINE
from benchmarks.wrk import ENDPOINTS, POST_BODY, Endpoint, Load, run_wrk, write_script

START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Settings:
    duration: float
    warmup_requests: int
    rounds: int
    connections: int
    startup_runs: int
    endpoints: Sequence[str]


def apps(target: Target) -> tuple[str, ...]:
    """The generated service first, then the apps it is compared with."""
    return ("generated", *target.variant.baselines)


def command(target: Target, app: str, port: int) -> tuple[list[str], dict[str, str]]:
    """The production command of the generated service, or the launcher of a baseline app."""
    settings = {"ENVIRONMENT": "production", "HOST": "127.0.0.1", "PORT": str(port), "WORKERS": "1"}
    if app == NO_ACCESS_LINE:
        settings["LOG_LEVEL"] = "WARNING"
    target = replace(target, settings={**target.settings, **settings})
    env = service_environment(target)
    python = str(target.project.python)
    if app in ("generated", NO_ACCESS_LINE):
        return [python, "-m", target.package], env
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["APISEED_BENCH_PACKAGE"] = target.package
    if app == "plain":
        module = target.variant.plain_app(target.framework)
    else:
        module = "asgi_raw" if target.framework == "fastapi" else "wsgi_raw"
    return [python, "-m", "benchmarks.apps.launch", module], env


@dataclass
class Running:
    app: str
    process: subprocess.Popen[bytes]
    port: int
    startup_s: float
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def http_status(
    port: int,
    method: str,
    path: str,
    body: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> int | None:
    """One request on a fresh connection; None while nothing listens."""
    payload = body.encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(head.encode() + b"\r\n" + payload)
            answer = b""
            while b"\r\n" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    return None
                answer += chunk
    except OSError:
        return None
    return int(answer.split(b" ", 2)[1])


def start(target: Target, app: str, log_dir: Path) -> Running:
    """Start a server and wait for its first answered request; that wait is the start-up time."""
    port = free_port()
    args, env = command(target, app, port)
    log_path = log_dir / f"{target.name}-{app}-{port}.log"
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            args,
            cwd=target.project.folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    while True:
        if http_status(port, "GET", "/health/live") == 200:
            startup = time.perf_counter() - started
            return Running(app, process, port, startup, log_path)
        if process.poll() is not None or time.perf_counter() - started > START_TIMEOUT:
            stop(process)
            raise RuntimeError(
                f"{target.name} {app} did not start:\n{log_path.read_text(errors='replace')}"
            )
        time.sleep(0.005)


# free_port() and stop() repeat the test harness's: the benchmark does not import the tests.
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM (a graceful shutdown), then SIGKILL to the process group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


@contextmanager
def serving(target: Target, app: str, log_dir: Path) -> Iterator[Running]:
    running = start(target, app, log_dir)
    try:
        yield running
    finally:
        stop(running.process)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children(current))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by the server's whole process tree."""
    ticks = 0
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_rss_mib(pid: int) -> float:
    """Resident memory of the process that serves requests: the largest leaf of the tree."""
    leaves: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        below = children(current)
        if below:
            pending.extend(below)
        else:
            leaves.append(current)
    return max(rss_mib(leaf) for leaf in leaves)


def rotated(items: Sequence[str], by: int) -> list[str]:
    """The run order of one round: each server goes first in turn."""
    by %= len(items)
    return [*items[by:], *items[:by]]


def summarise(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def target_endpoints(target: Target, settings: Settings) -> list[Endpoint]:
    """The endpoints asked for that the target's variant measures."""
    wanted = set(settings.endpoints) & set(target.variant.endpoints)
    return [endpoint for endpoint in ENDPOINTS if endpoint.name in wanted]


def measure_startup(target: Target, runs: int, log_dir: Path) -> dict[str, list[float]]:
    """Start and stop each app `runs` times, in turns; the start-up times."""
    names = apps(target)
    times: dict[str, list[float]] = {app: [] for app in names}
    for run in range(runs):
        for app in rotated(names, run + 1):
            running = start(target, app, log_dir)
            times[app].append(running.startup_s)
            stop(running.process)
    return times


def measure_target(target: Target, settings: Settings, workdir: Path) -> dict[str, Any]:
    """Start-up, then interleaved load rounds per endpoint, then memory and shutdown."""
    log_dir = workdir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    # The servers started for the load below are the last start-up run.
    startup = measure_startup(target, settings.startup_runs - 1, log_dir)
    endpoints = target_endpoints(target, settings)
    results: dict[str, Any] = {}
    with ExitStack() as stack:
        servers = {app: stack.enter_context(serving(target, app, log_dir)) for app in apps(target)}
        for app, server in servers.items():
            startup[app].append(server.startup_s)
        idle_rss = {app: worker_rss_mib(server.process.pid) for app, server in servers.items()}
        headers = target.variant.headers
        seed(servers, headers)
        for endpoint in endpoints:
            results[endpoint.name] = measure_endpoint(servers, endpoint, settings, workdir, headers)
        loaded_rss = {app: worker_rss_mib(server.process.pid) for app, server in servers.items()}
        exit_codes = {app: stop(server.process) for app, server in servers.items()}
    return {
        "target": target.name,
        "framework": target.framework,
        "server": target.server,
        "variant": target.variant.name,
        "endpoints": results,
        "startup_s": {app: {"runs": runs, **summarise(runs)} for app, runs in startup.items()},
        "rss_mib": {app: {"idle": idle_rss[app], "after_load": loaded_rss[app]} for app in servers},
        "exit_codes_after_sigterm": exit_codes,
    }


def seed(servers: dict[str, Running], headers: Mapping[str, str]) -> None:
    """Create item 1 before anything is measured."""
    for name, server in servers.items():
        status = http_status(server.port, "POST", "/api/v1/items", POST_BODY, headers)
        if status != 201:
            raise RuntimeError(f"{name}: creating item 1 answered {status}")


def interleaved(
    servers: dict[str, Running],
    endpoint: Endpoint,
    settings: Settings,
    workdir: Path,
    headers: Mapping[str, str],
) -> list[dict[str, Load]]:
    """Warm every server up, then load them in turns, each going first in turn: the rounds."""
    script = write_script(workdir, endpoint, headers)
    for name, server in servers.items():  # the first requests of a code path cost more
        for _ in range(settings.warmup_requests):
            status = http_status(
                server.port, endpoint.method, endpoint.path, endpoint.body, headers
            )
            if status is None or not 200 <= status < 300:
                raise RuntimeError(f"{name}: warm-up {endpoint.path} answered {status}")
    rounds: list[dict[str, Load]] = []
    for number in range(settings.rounds):
        loads = {}
        for name in rotated(list(servers), number):
            server = servers[name]
            cpu_before = cpu_seconds(server.process.pid)
            load = run_wrk(server.url, endpoint, script, settings.duration, settings.connections)
            cpu = cpu_seconds(server.process.pid) - cpu_before
            loads[name] = replace(load, cpu_us_per_request=cpu / max(load.requests, 1) * 1e6)
        rounds.append(loads)
    return rounds


def figures(rounds: list[dict[str, Load]], name: str) -> dict[str, float | int]:
    """One server's medians over the rounds, and its total count of errors."""
    runs = [r[name] for r in rounds]
    return {
        "rps": statistics.median(load.rps for load in runs),
        "p50_ms": statistics.median(load.p50_ms for load in runs),
        "p99_ms": statistics.median(load.p99_ms for load in runs),
        "cpu_us_per_request": statistics.median(load.cpu_us_per_request for load in runs),
        "requests": sum(load.requests for load in runs),
        "non2xx": sum(load.non2xx for load in runs),
        "socket_errors": sum(load.socket_errors for load in runs),
    }


def ratio(rounds: list[dict[str, Load]], top: str, bottom: str) -> dict[str, float]:
    """Requests per second of `top` over `bottom`, per round: median, min, max."""
    return summarise([r[top].rps / r[bottom].rps for r in rounds])


def cpu_ratio(rounds: list[dict[str, Load]], top: str, bottom: str) -> dict[str, float]:
    """The same from CPU time per request (bottom's over top's): what other jobs on the
    machine do moves it much less than it moves requests per second."""
    return summarise([r[bottom].cpu_us_per_request / r[top].cpu_us_per_request for r in rounds])


def cpu_over(rounds: list[dict[str, Load]], top: str, bottom: str) -> dict[str, float]:
    """CPU time per request `top` spends over `bottom`, in µs, per round: median, min, max."""
    return summarise([r[top].cpu_us_per_request - r[bottom].cpu_us_per_request for r in rounds])


def measure_endpoint(
    servers: dict[str, Running],
    endpoint: Endpoint,
    settings: Settings,
    workdir: Path,
    headers: Mapping[str, str],
) -> dict[str, Any]:
    rounds = interleaved(servers, endpoint, settings, workdir, headers)
    ratios = {
        "generated_vs_plain": ratio(rounds, "generated", "plain"),
        "cpu_generated_vs_plain": cpu_ratio(rounds, "generated", "plain"),
    }
    if "raw" in servers:
        ratios["plain_vs_raw"] = ratio(rounds, "plain", "raw")
    services = [app for app in servers if app in ("generated", NO_ACCESS_LINE)]
    extra: dict[str, Any] = {}
    if NO_ACCESS_LINE in servers:
        ratios["no_access_line_vs_plain"] = ratio(rounds, NO_ACCESS_LINE, "plain")
        ratios["cpu_no_access_line_vs_plain"] = cpu_ratio(rounds, NO_ACCESS_LINE, "plain")
        extra["access_line_cpu_us"] = cpu_over(rounds, "generated", NO_ACCESS_LINE)
    return {
        "method": endpoint.method,
        "path": endpoint.path,
        "apps": {app: figures(rounds, app) for app in servers},
        "ratios": ratios,
        # CPU µs per request each service spends over the plain app, per round.
        "cpu_us_over_plain": {app: cpu_over(rounds, app, "plain") for app in services},
        **extra,
        "rounds": [{app: load.as_dict() for app, load in r.items()} for r in rounds],
    }


def compare_servers(targets: Sequence[Target], settings: Settings, workdir: Path) -> dict[str, Any]:
    """The generated service of one framework on each of its servers, loaded in turns."""
    log_dir = workdir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    names = [target.server for target in targets]
    endpoints = [endpoint for endpoint in ENDPOINTS if endpoint.name in settings.endpoints]
    results: dict[str, Any] = {}
    with ExitStack() as stack:
        servers = {t.server: stack.enter_context(serving(t, "generated", log_dir)) for t in targets}
        headers = targets[0].variant.headers
        seed(servers, headers)
        for endpoint in endpoints:
            rounds = interleaved(servers, endpoint, settings, workdir, headers)
            results[endpoint.name] = {
                "method": endpoint.method,
                "path": endpoint.path,
                "servers": {name: figures(rounds, name) for name in names},
                "ratio": ratio(rounds, names[1], names[0]),
                "cpu_ratio": cpu_ratio(rounds, names[1], names[0]),
                "rounds": [{n: load.as_dict() for n, load in r.items()} for r in rounds],
            }
    return {"framework": targets[0].framework, "servers": names, "endpoints": results}
