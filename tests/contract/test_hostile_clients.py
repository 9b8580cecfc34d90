"""Hostile and broken clients, over raw sockets, against every server choice as production runs
it: idle and slow clients never hold up the others, stalled bodies are given up, oversized
headers are refused, SIGTERM answers what was received and exits 0, and every line logged is JSON.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.contract.conftest import Service

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("contract")]

ITEMS = "/api/v1/items"
# The contract services' KEEPALIVE_TIMEOUT and READ_TIMEOUT (conftest.SETTINGS), and a margin.
KEEPALIVE = 2
READ_TIMEOUT = 2
MARGIN = 3
# A normal request next to the hostile ones must be answered as promptly as on an idle server.
PROMPTLY = 1.0


def address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


@contextlib.contextmanager
def connections(service: Service, count: int, first_bytes: bytes) -> Iterator[list[socket.socket]]:
    """`count` connections that each sent `first_bytes` and then nothing more."""
    opened: list[socket.socket] = []
    try:
        for _ in range(count):
            connection = socket.create_connection(address(service.url), timeout=10)
            if first_bytes:
                connection.sendall(first_bytes)
            opened.append(connection)
        yield opened
    finally:
        for connection in opened:
            connection.close()


def answered_promptly(service: Service) -> float:
    started = time.monotonic()
    response = httpx.get(f"{service.url}/health/live", timeout=30)
    assert response.status_code == 200, service.name
    return time.monotonic() - started


def one_per_server(services: list[Service]) -> list[Service]:
    """The in-memory service of each framework and server: the database does not matter here."""
    return [service for service in services if service.database == "none"]


def test_an_idle_connection_holds_up_no_one(services: list[Service]) -> None:
    for service in services:
        with connections(service, 1, b""):
            assert answered_promptly(service) < PROMPTLY, service.name


def test_a_few_hundred_half_sent_requests_hold_up_no_one(services: list[Service]) -> None:
    slowloris = b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    for service in one_per_server(services):
        with connections(service, 200, slowloris):
            assert answered_promptly(service) < PROMPTLY, service.name


def stalled_body_request(declared: int = 100) -> bytes:
    return (
        f"POST {ITEMS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode() + b'{"name": "'


def read_answer(connection: socket.socket) -> bytes:
    received = b""
    with contextlib.suppress(TimeoutError, ConnectionResetError):
        while chunk := connection.recv(65536):
            received += chunk
    return received


def test_a_body_that_stalls_is_given_up_after_the_read_timeout(services: list[Service]) -> None:
    for service in one_per_server(services):
        if (service.framework, service.server) == ("flask", "granian"):
            continue  # granian has no body read timeout for WSGI: see the next test
        with connections(service, 1, stalled_body_request()) as (connection,):
            connection.settimeout(READ_TIMEOUT + MARGIN)
            started = time.monotonic()
            answer = read_answer(connection)

        assert answer.startswith(b"HTTP/1.1 408"), (service.name, answer)
        assert time.monotonic() - started < READ_TIMEOUT + MARGIN, service.name
        body = answer.split(b"\r\n\r\n", 1)[1]
        assert (
            json.loads(body)["detail"]
            == f"Request body did not arrive within {READ_TIMEOUT} seconds"
        )


def test_hundreds_of_stalled_bodies_starve_no_one(services: list[Service]) -> None:
    for service in one_per_server(services):
        with connections(service, 600, stalled_body_request()):
            assert answered_promptly(service) < PROMPTLY, service.name


def raw_answer(service: Service, request: bytes) -> bytes:
    with socket.create_connection(address(service.url), timeout=30) as connection:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(request)
        return read_answer(connection)


@pytest.mark.parametrize(
    "headers",
    [
        b"X-Large: " + b"x" * 10_000_000 + b"\r\n",
        b"".join(b"X-%d: 1\r\n" % n for n in range(10_000)),
    ],
    ids=["10-MB-header", "10000-headers"],
)
def test_oversized_headers_are_refused(services: list[Service], headers: bytes) -> None:
    request = b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n"
    for service in one_per_server(services):
        answer = raw_answer(service, request)

        status = answer.split(b" ", 2)[1] if answer else b"(connection closed)"
        assert status in {b"431", b"400"}, (service.name, answer[:200])


def trickled_posts(url: str, count: int) -> list[socket.socket]:
    body = b'{"name": "In flight", "price": 1}'
    started = []
    for _ in range(count):
        connection = socket.create_connection(address(url), timeout=30)
        connection.sendall(
            f"POST {ITEMS} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        started.append(connection)
    return started


def test_sigterm_answers_every_request_already_received_then_exits_0(
    services: list[Service],
) -> None:
    for service in one_per_server(services):
        with service.restarted() as server:
            in_flight = trickled_posts(server.url, 20)
            time.sleep(0.5)  # every request is in the server's hands
            server.process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            answers = []
            for connection in in_flight:
                with connection:
                    connection.sendall(b'{"name": "In flight", "price": 1}'[10:])
                    answers.append(read_answer(connection))
            exit_status = server.process.wait(timeout=30)

        statuses = [answer[:12] for answer in answers]
        assert statuses == [b"HTTP/1.1 201"] * 20, (service.name, statuses, server.log())
        assert exit_status == 0, (service.name, server.log())
        assert not_json(server.log()) == [], service.name


def not_json(log: str) -> list[str]:
    """The lines of `log` that are not one JSON log record each."""
    found = []
    for line in log.splitlines():
        try:
            record: Any = json.loads(line)
        except ValueError:
            found.append(line)
            continue
        if not isinstance(record, dict) or not {"time", "level", "logger", "message"} <= set(
            record
        ):
            found.append(line)
    return found


def test_every_line_the_services_write_is_json(services: list[Service]) -> None:
    # After the other tests of this module: stalled bodies, refused headers and all.
    for service in services:
        log = service.log.read_text(errors="replace")

        assert log.strip(), service.name
        assert not_json(log) == [], service.name
