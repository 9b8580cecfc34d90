"""Metrics on the wire (docs/wire-format.md, Metrics): the services with metrics expose the same
series, with the same labels, whatever their framework, and count every request exactly once
under its route template, with one worker process or several."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from tests.contract.conftest import Service, observed
from tests.contract.test_wire import ITEMS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("contract")]

REQUESTS = "http_server_request_duration_seconds"
UNMATCHED = "<unmatched>"

Counts = dict[tuple[str, str, str], float]

# What a client sends, how many times, and the series each request must land in.
TRAFFIC = [
    ("GET", ITEMS, 30, ("GET", ITEMS, "200")),
    ("GET", f"{ITEMS}/987654", 10, ("GET", f"{ITEMS}/{{item_id}}", "404")),
    ("GET", f"{ITEMS}/not-a-number", 4, ("GET", f"{ITEMS}/{{item_id}}", "422")),
    ("GET", "/nowhere/at/all", 7, ("GET", UNMATCHED, "404")),
    ("DELETE", "/health/live", 3, ("DELETE", UNMATCHED, "405")),
]


def families(url: str) -> dict[str, Metric]:
    response = httpx.get(f"{url}/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {family.name: family for family in text_string_to_metric_families(response.text)}


def request_counts(url: str) -> Counts:
    family = families(url)[REQUESTS]
    return {
        (sample.labels["method"], sample.labels["route"], sample.labels["status"]): sample.value
        for sample in family.samples
        if sample.name == f"{REQUESTS}_count"
    }


def shape(url: str) -> set[tuple[str, str, str, frozenset[str]]]:
    """Each sample's family, type, name and label names: what a dashboard depends on."""
    return {
        (name, family.type, sample.name, frozenset(sample.labels))
        for name, family in families(url).items()
        for sample in family.samples
    }


def send_traffic(service: Service, url: str) -> Counts:
    """The TRAFFIC, and the counts it must add."""
    expected: Counts = {}
    with httpx.Client(base_url=url, headers=service.credentials) as client:
        for method, path, times, series in TRAFFIC:
            for _ in range(times):
                client.request(method, path)
            expected[series] = expected.get(series, 0) + times
    return expected


def added(before: Counts, after: Counts) -> Counts:
    """What the traffic added, leaving out the scrapes themselves."""
    return {
        labels: count - before.get(labels, 0)
        for labels, count in after.items()
        if labels[1] != "/metrics" and count != before.get(labels, 0)
    }


def test_both_frameworks_expose_the_same_series(services: list[Service]) -> None:
    chosen = observed(services)
    for service in chosen:
        send_traffic(service, service.url)
    first, *others = chosen
    expected = shape(first.url)
    assert {name for name, *_ in expected} >= {REQUESTS, "process_resident_memory_bytes"}
    for service in others:
        assert shape(service.url) == expected, (service.name, first.name)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_every_request_is_counted_once_under_its_route(
    services: list[Service], workers: str
) -> None:
    for service in observed(services):
        with service.restarted(WORKERS=workers) as running:
            before = request_counts(running.url)
            expected = send_traffic(service, running.url)
            # With two workers each scrape may reach either: every one must add up both.
            for _ in range(4):
                assert added(before, request_counts(running.url)) == expected, service.name


def test_metrics_need_no_credentials(services: list[Service]) -> None:
    for service in observed(services):
        assert httpx.get(f"{service.url}/metrics").status_code == 200, service.name
