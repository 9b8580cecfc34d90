"""The PostgreSQL services when their database stops, comes back, and hangs: the same problems
from both frameworks, liveness unaffected, recovery without a restart, readiness bounded."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.contract.conftest import Service
from tests.contract.test_wire import PROBLEM, Answer, exchange, problem
from tests.postgres import PostgresServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("contract")]

ITEMS = "/api/v1/items"
# The services' DATABASE_READY_TIMEOUT default.
READY_TIMEOUT = 2.0
UNAVAILABLE = "Database is unavailable"


@pytest.fixture
def on_postgresql(services: list[Service]) -> list[Service]:
    chosen = [service for service in services if service.database == "postgresql"]
    assert {service.framework for service in chosen} == {"fastapi", "flask"}
    return chosen


@pytest.fixture
def stopped(contract_postgres: PostgresServer) -> Iterator[PostgresServer]:
    contract_postgres.stop()
    try:
        yield contract_postgres
    finally:
        contract_postgres.start()


def eventually(services: list[Service], path: str, status: int, seconds: float = 15) -> None:
    """Until every service answers `status` at `path` (the pool notices a restart by itself)."""
    deadline = time.monotonic() + seconds
    for service in services:
        while (
            httpx.get(service.url + path, headers=service.credentials, timeout=10).status_code
            != status
        ):
            assert time.monotonic() < deadline, f"{service.name}: {path} never answered {status}"
            time.sleep(0.2)


def test_a_stopped_database_gives_503_problems_and_the_service_recovers(
    services: list[Service], on_postgresql: list[Service], contract_postgres: PostgresServer
) -> None:
    # On every service, so that they all stay in step for the other tests; deleted at the end.
    created = exchange(services, "POST", ITEMS, json={"name": "Kept", "price": 1})
    location = created.location
    assert location is not None

    contract_postgres.stop()
    try:
        live = exchange(on_postgresql, "GET", "/health/live")
        ready = exchange(on_postgresql, "GET", "/health/ready")
        listed = exchange(on_postgresql, "GET", ITEMS)
        read = exchange(on_postgresql, "GET", location)
        created_while_down = exchange(on_postgresql, "POST", ITEMS, json={"name": "X", "price": 1})
    finally:
        contract_postgres.start()

    assert live == Answer(200, "application/json", None, None, b'{"status":"ok"}')
    not_ready = problem(503, "Service Unavailable", "Service is not ready", "/health/ready",
                        checks={"database": "failing"})  # fmt: skip
    assert ready == Answer(503, PROBLEM, None, None, not_ready)
    for answer, path in ((listed, ITEMS), (read, location), (created_while_down, ITEMS)):
        assert answer == Answer(503, PROBLEM, None, None, problem(503, "Service Unavailable",
                                                                   UNAVAILABLE, path))  # fmt: skip
    for service in on_postgresql:
        response = httpx.get(service.url + ITEMS, headers=service.credentials)
        assert response.headers.get("retry-after") == "5" or response.status_code == 200

    eventually(on_postgresql, "/health/ready", 200)
    eventually(on_postgresql, location, 200)
    assert exchange(on_postgresql, "GET", location) == Answer(200, "application/json", None, None,
                                                              created.body)  # fmt: skip
    assert exchange(services, "DELETE", location).status == 204


def test_the_api_says_nothing_of_the_driver_the_host_or_the_sql(
    on_postgresql: list[Service], stopped: PostgresServer
) -> None:
    for service in on_postgresql:
        headers = {**service.credentials, "x-request-id": "down-1"}
        response = httpx.get(f"{service.url}{ITEMS}", headers=headers)

        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        body = response.text.lower()
        for leak in ("psycopg", "sqlalchemy", "127.0.0.1", str(stopped.port), "select", "refused"):
            assert leak not in body, (service.name, leak)


def test_readiness_answers_within_its_timeout_while_the_database_hangs(
    on_postgresql: list[Service], contract_postgres: PostgresServer
) -> None:
    contract_postgres.freeze()
    try:
        for service in on_postgresql:
            started = time.monotonic()
            response = httpx.get(f"{service.url}/health/ready", timeout=30)
            waited = time.monotonic() - started

            assert response.status_code == 503, service.name
            assert waited < READY_TIMEOUT + 1, (service.name, waited)
        live = exchange(on_postgresql, "GET", "/health/live")
    finally:
        contract_postgres.thaw()

    assert live.status == 200
    eventually(on_postgresql, "/health/ready", 200, seconds=60)
