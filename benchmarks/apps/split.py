"""Where the generated service's time goes: each part of the contract switched off in turn.

`python -m benchmarks.apps.split FRAMEWORK ROUNDS BATCH` builds, in one process, the generated
app as in production and the variants below, then calls each one directly (ASGI on an event
loop, or WSGI with a prepared environ: no server, no socket) with the serving benchmark's
requests, in batches of BATCH requests, in turns, ROUNDS times, and prints the CPU time per
request of every batch as JSON on stdout:

- `service`: the generated app as in production (`ENVIRONMENT=production`);
- `no_access_line`: the same with the root logger at WARNING, as `LOG_LEVEL=WARNING` sets it,
  which turns its access line off;
- `no_body_guard`: the same with the middleware's bound on reading the body switched off (the
  request is read as the framework reads it, without a size count or read timeout);
- `no_middleware`: the app without `RequestContextMiddleware` at all (no request id, access
  line, header or body bounds);
- `plain`: the plain app of `benchmarks/apps/` (same framework, models and repository).

The differences between them split the service's cost per request into its parts. Access lines
go to `os.devnull`, written as in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import io
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from benchmarks.apps import generated_module
from benchmarks.wrk import ENDPOINTS

VARIANTS = ("service", "no_access_line", "no_body_guard", "no_middleware", "plain")

# Calls an app N times with one request; returns the statuses it answered.
Batch = Callable[[int], set[int]]


def build(framework: str, variant: str) -> Any:
    """The app of `variant`, built as `create_app` builds it for production."""
    if variant == "plain":
        return importlib.import_module(f"benchmarks.apps.{framework}_plain").create_app()
    settings = generated_module("settings").Settings(_env_file=None, environment="production")
    app = generated_module("app").create_app(settings)
    if variant == "no_middleware":
        middleware_class = generated_module("middleware").RequestContextMiddleware
        if framework == "fastapi":
            app.user_middleware = [m for m in app.user_middleware if m.cls is not middleware_class]
        else:
            assert isinstance(app.wsgi_app, middleware_class)
            app.wsgi_app = app.wsgi_app.app
    return app


@contextlib.contextmanager
def switched(framework: str, variant: str) -> Iterator[None]:
    """What `variant` switches off, for the time of one batch: the apps share one process."""
    if variant == "no_access_line":
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.WARNING)
        try:
            yield
        finally:
            root.setLevel(level)
        return
    if variant != "no_body_guard":
        yield
        return
    middleware: Any = generated_module("middleware")
    if framework == "fastapi":
        cls = middleware.RequestContextMiddleware
        guarded = cls._guarded
        cls._guarded = lambda self, receive: receive
        try:
            yield
        finally:
            cls._guarded = guarded
    else:
        guarded_input = middleware.GuardedInput
        middleware.GuardedInput = lambda stream, *bounds: stream
        try:
            yield
        finally:
            middleware.GuardedInput = guarded_input


def asgi_call(
    app: Any, loop: asyncio.AbstractEventLoop, method: str, path: str, body: bytes | None
) -> Batch:
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"split")]
    if body is not None:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    request = {"type": "http.request", "body": body or b"", "more_body": False}

    statuses: set[int] = set()

    async def receive() -> dict[str, Any]:
        return request

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    async def run(times: int) -> set[int]:
        statuses.clear()
        for _ in range(times):
            await app({**scope, "state": {}}, receive, send)
        return set(statuses)

    # One run_until_complete per batch: starting the loop for each request would cost more
    # than the request itself, which a server's running loop never pays.
    return lambda times: loop.run_until_complete(run(times))


def wsgi_call(app: Any, method: str, path: str, body: bytes | None) -> Batch:
    from werkzeug.test import EnvironBuilder  # Flask projects only: FastAPI's have no Werkzeug

    builder = EnvironBuilder(
        path=path,
        method=method,
        data=body,
        content_type="application/json" if body is not None else None,
        base_url="http://127.0.0.1:8000",
    )
    template = builder.get_environ()
    builder.close()

    statuses: set[int] = set()

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        statuses.add(int(status[:3]))

    def run(times: int) -> set[int]:
        statuses.clear()
        for _ in range(times):
            response = app({**template, "wsgi.input": io.BytesIO(body or b"")}, start_response)
            try:
                for _chunk in response:
                    pass
            finally:
                if hasattr(response, "close"):
                    response.close()
        return set(statuses)

    return run


def cpu_per_request(batch: Batch, size: int) -> float:
    """CPU time per request of a batch, in µs; every answer must be a 2xx."""
    started = time.process_time()
    statuses = batch(size)
    spent = time.process_time() - started
    if not all(200 <= status < 300 for status in statuses):
        raise RuntimeError(f"answered {sorted(statuses)}")
    return spent / size * 1e6


def measure(framework: str, rounds: int, batch: int) -> dict[str, Any]:
    # The service's log handler keeps the stream it was given: access lines go to os.devnull,
    # and errors of this script still reach stderr.
    stderr, sys.stderr = sys.stderr, open(os.devnull, "w")  # noqa: SIM115
    try:
        apps = {variant: build(framework, variant) for variant in VARIANTS}
    finally:
        sys.stderr = stderr
    loop = _event_loop() if framework == "fastapi" else None
    calls: dict[str, dict[str, Batch]] = {}
    for endpoint in ENDPOINTS:
        name, method, path = endpoint.name, endpoint.method, endpoint.path
        body = None if endpoint.body is None else endpoint.body.encode()
        calls[name] = {
            variant: asgi_call(app, loop, method, path, body)
            if loop
            else wsgi_call(app, method, path, body)
            for variant, app in apps.items()
        }
        if name == "create_item":  # the item that get_item reads, in every app
            for call in calls[name].values():
                call(1)
    per_round: dict[str, dict[str, list[float]]] = {
        endpoint.name: {variant: [] for variant in VARIANTS} for endpoint in ENDPOINTS
    }
    for round_number in range(rounds):
        # A different variant goes first each round: none always runs on warm caches.
        order = VARIANTS[round_number % len(VARIANTS) :] + VARIANTS[: round_number % len(VARIANTS)]
        for name in per_round:
            for variant in order:
                with switched(framework, variant):
                    cpu = cpu_per_request(calls[name][variant], batch)
                per_round[name][variant].append(cpu)
    return {
        "event_loop": type(loop).__module__ if loop else "-",
        "rounds": rounds,
        "batch": batch,
        "cpu_us_per_request": per_round,
    }


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop, as uvicorn runs the service, when the project has it."""
    try:
        uvloop: Any = importlib.import_module("uvloop")
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def main(argv: list[str]) -> int:
    framework, rounds, batch = argv
    print(json.dumps(measure(framework, int(rounds), int(batch))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
