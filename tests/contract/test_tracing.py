"""Tracing on the wire (docs/wire-format.md, Tracing): the services with tracing send the collector
one server span per request, named and described alike whatever their framework, in the trace
the caller started, with the trace id in the access line; probes and scrapes are not traced; an
unreachable collector costs a request nothing; what is left at SIGTERM is exported."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from tests.contract.conftest import Service, observed, tracing_variables
from tests.contract.test_wire import ITEMS
from tests.harness import GRACEFUL_EXIT_CODES, free_port, stop
from tests.otlp import Collector, ReceivedSpan

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("contract")]

PARENT_SPAN_ID = "00f067aa0ba902b7"
SERVER_KIND = 2  # opentelemetry.proto's SPAN_KIND_SERVER
ERROR_STATUS = 2  # opentelemetry.proto's STATUS_CODE_ERROR
# What a client sends, and the span it must give: its name, route and status.
TRACED = [
    ("GET", ITEMS, f"GET {ITEMS}", ITEMS, 200),
    ("GET", f"{ITEMS}/987654", f"GET {ITEMS}/{{item_id}}", f"{ITEMS}/{{item_id}}", 404),
    ("GET", "/nowhere/at/all", "GET", None, 404),
    ("DELETE", ITEMS, "DELETE", None, 405),
]
UNTRACED = ["/health/live", "/health/ready", "/metrics"]
# Longer than any export takes here: the services send a batch every 100 ms.
WAIT_FOR_EXPORT = 15.0


def traced_request(
    service: Service, url: str, method: str, path: str
) -> tuple[str, httpx.Response]:
    """One request in a trace of its own; returns the trace id."""
    trace_id = uuid.uuid4().hex
    headers = {
        **service.credentials,
        "traceparent": f"00-{trace_id}-{PARENT_SPAN_ID}-01",
        "x-request-id": f"trace-{trace_id}",
    }
    return trace_id, httpx.request(method, url + path, headers=headers)


def spans_of(collector: Collector, trace_id: str, count: int) -> list[ReceivedSpan]:
    """The spans of one trace, once `count` have arrived (or what arrived in time)."""
    deadline = time.monotonic() + WAIT_FOR_EXPORT
    while True:
        spans = [span for span in collector.received() if span.trace_id == trace_id]
        if len(spans) >= count or time.monotonic() > deadline:
            return spans
        time.sleep(0.05)


def test_each_request_is_one_server_span_alike_on_both_frameworks(
    services: list[Service], collector: Collector
) -> None:
    seen: dict[str, list[object]] = {}
    for service in observed(services):
        described: list[object] = []
        for method, path, name, route, status in TRACED:
            trace_id, response = traced_request(service, service.url, method, path)
            assert response.status_code == status, (service.name, method, path)

            (span,) = spans_of(collector, trace_id, 1)

            assert (span.name, span.kind) == (name, SERVER_KIND), service.name
            assert span.parent_span_id == PARENT_SPAN_ID, service.name
            assert span.attributes.get("http.route") == route, service.name
            assert span.attributes["http.response.status_code"] == status, service.name
            assert span.resource["service.name"] == "demo-service", service.name
            described.append((span.name, span.attributes, span.status_code))
        # Every service with the same database must describe the same requests the same way.
        first = seen.setdefault(service.database, described)
        assert described == first, service.name


def test_probes_and_scrapes_are_not_traced(services: list[Service], collector: Collector) -> None:
    for service in observed(services):
        untraced = [traced_request(service, service.url, "GET", path)[0] for path in UNTRACED]
        # A traced request after them: once its span has arrived, theirs would have too.
        last, _ = traced_request(service, service.url, "GET", ITEMS)
        assert spans_of(collector, last, 1), service.name
        for trace_id, path in zip(untraced, UNTRACED, strict=True):
            assert spans_of(collector, trace_id, 0) == [], (service.name, path)


def test_the_access_line_names_the_trace(services: list[Service], collector: Collector) -> None:
    for service in observed(services):
        trace_id, _ = traced_request(service, service.url, "GET", ITEMS)
        (span,) = spans_of(collector, trace_id, 1)

        lines = [json.loads(line) for line in service.log.read_text().splitlines() if line]
        (access,) = [line for line in lines if line["request_id"] == f"trace-{trace_id}"]

        assert (access["trace_id"], access["span_id"]) == (trace_id, span.span_id), service.name


def test_spans_still_held_at_sigterm_are_exported(
    services: list[Service], collector: Collector
) -> None:
    for service in observed(services):
        # A batch every minute: nothing leaves before the service stops, unless SIGTERM sends it.
        variables = tracing_variables(collector.url, schedule_delay_ms=60_000)
        with service.restarted(variables, WORKERS="2") as running:
            trace_ids = [traced_request(service, running.url, "GET", ITEMS)[0] for _ in range(6)]
            time.sleep(0.5)
            exported = {span.trace_id for span in collector.received()}
            assert exported.isdisjoint(trace_ids), f"{service.name} exported before SIGTERM"

            assert stop(running.process) in GRACEFUL_EXIT_CODES, running.log()

        for trace_id in trace_ids:
            assert len(spans_of(collector, trace_id, 1)) == 1, (service.name, running.log())


def test_an_unreachable_collector_costs_a_request_nothing(services: list[Service]) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    for service in observed(services):
        with service.restarted(tracing_variables(nowhere, schedule_delay_ms=10)) as running:
            for _ in range(30):
                started = time.monotonic()
                _, response = traced_request(service, running.url, "GET", ITEMS)
                # An export that held the request would hold it for seconds (OTLP's timeout).
                assert response.status_code == 200, service.name
                assert time.monotonic() - started < 2.0, service.name

            assert stop(running.process) in GRACEFUL_EXIT_CODES, running.log()
