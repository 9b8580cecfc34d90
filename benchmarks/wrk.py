"""Run wrk (a real HTTP load generator) for a bounded time and read its figures."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

RESULT_MARK = "APISEED_RESULT "
POST_BODY = '{"name": "Widget", "price": 9.5, "tags": ["a", "b"]}'

# Every thread counts the answers outside 2xx in its own Lua state; done() sums them and prints
# one JSON line, so nothing depends on the layout of wrk's text report.
SCRIPT = """
non2xx = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '%s{"requests": %d, "duration_us": %d, "non2xx": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\\n',
    "__MARK__", summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    body: str | None = None


ENDPOINTS = (
    Endpoint("live", "GET", "/health/live"),
    Endpoint("get_item", "GET", "/api/v1/items/1"),
    Endpoint("create_item", "POST", "/api/v1/items", POST_BODY),
)


@dataclass(frozen=True)
class Load:
    """One bounded wrk run's figures."""

    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int
    # Filled in by the caller: the server's CPU time over the run divided by the requests.
    cpu_us_per_request: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def wrk_binary() -> str:
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError(
            "wrk is not installed: the benchmark needs it as its load generator. "
            "Install it with `apt-get install -y wrk` (Debian/Ubuntu)."
        )
    return binary


def write_script(folder: Path, endpoint: Endpoint, headers: Mapping[str, str]) -> Path:
    lines = [SCRIPT.replace("__MARK__", RESULT_MARK)]
    lines.append(f'wrk.method = "{endpoint.method}"')
    for name, value in headers.items():
        lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    if endpoint.body is not None:
        lines.append(f"wrk.body = {json.dumps(endpoint.body)}")
        lines.append('wrk.headers["Content-Type"] = "application/json"')
    script = folder / f"{endpoint.name}.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


def run_wrk(
    base_url: str,
    endpoint: Endpoint,
    script: Path,
    duration: float,
    connections: int,
    threads: int = 1,
    timeout: float = 5.0,
) -> Load:
    args = [
        wrk_binary(),
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(duration))}s",
        f"--timeout={timeout:g}s",
        "--latency",
        f"--script={script}",
        base_url + endpoint.path,
    ]
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if result.returncode != 0 or not lines:
        raise RuntimeError(
            f"wrk failed ({result.returncode}): {' '.join(args)}\n{result.stdout}\n{result.stderr}"
        )
    figures = json.loads(lines[-1].removeprefix(RESULT_MARK))
    seconds = figures["duration_us"] / 1e6
    return Load(
        requests=figures["requests"],
        rps=figures["requests"] / seconds if seconds else 0.0,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        non2xx=figures["non2xx"],
        socket_errors=sum(figures[key] for key in ("connect", "read", "write", "timeout")),
    )
