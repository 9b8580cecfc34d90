"""Each rendered project passes its own linters, type checks and tests, and its server runs.

One xdist group per case: its environment is built once, on one worker, and shared by the tests.
"""

import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.cases import CASES, Case
from tests.harness import (
    GRACEFUL_EXIT_CODES,
    ProjectEnvironment,
    production_server,
    recorded_answers,
    run,
    stop,
)

pytestmark = pytest.mark.slow

CASE_PARAMS = [
    pytest.param(case, id=case.id, marks=pytest.mark.xdist_group(case.id)) for case in CASES
]


@pytest.fixture(params=CASE_PARAMS)
def project(
    request: pytest.FixtureRequest, built_project: Callable[[Case], ProjectEnvironment]
) -> ProjectEnvironment:
    return built_project(request.param)


def test_ruff_check_passes_as_rendered(project: ProjectEnvironment) -> None:
    run([project.tool("ruff"), "check", "--no-cache", "."], project.project, project.env)


def test_ruff_format_has_nothing_to_change(project: ProjectEnvironment) -> None:
    run(
        [project.tool("ruff"), "format", "--check", "--no-cache", "."], project.project, project.env
    )


def test_mypy_strict_passes(project: ProjectEnvironment) -> None:
    output = run([project.tool("mypy")], project.project, project.env)

    assert "Success" in output


def test_the_projects_own_tests_pass(project: ProjectEnvironment) -> None:
    output = run(
        [str(project.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        project.project,
        project.env,
    )

    assert " passed" in output
    assert " failed" not in output


def test_the_production_server_answers_and_stops_on_sigterm(project: ProjectEnvironment) -> None:
    with production_server(project) as server:
        live = httpx.get(f"{server.url}/health/live")
        missing = httpx.get(f"{server.url}/no/such/path")
        process = server.process

        assert live.status_code == 200
        assert live.json() == {"status": "ok"}
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["request_id"] == missing.headers["x-request-id"]

        assert stop(process) in GRACEFUL_EXIT_CODES, server.log()


def test_an_in_flight_request_finishes_after_sigterm(project: ProjectEnvironment) -> None:
    body = b'{"name": "Slow upload", "price": 1.5}'
    with production_server(project, {"GRACEFUL_TIMEOUT": "10"}) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
            # Headers and half the body, then SIGTERM, then the rest: the request is in flight.
            credentials = "".join(
                f"{name}: {value}\r\n" for name, value in server.credentials.items()
            )
            connection.sendall(
                b"POST /api/v1/items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\n"
                + f"{credentials}Content-Length: {len(body)}\r\n\r\n".encode()
                + body[:10]
            )
            time.sleep(0.5)
            server.process.terminate()
            time.sleep(0.5)
            connection.sendall(body[10:])
            answer = receive_all(connection)

        assert answer.startswith(b"HTTP/1.1 201"), (answer, server.log())
        assert server.process.wait(timeout=20) in GRACEFUL_EXIT_CODES, server.log()


def receive_all(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_the_environment_comes_from_the_projects_own_pyproject(project: ProjectEnvironment) -> None:
    package = recorded_answers(project.project)["package_name"]

    run([str(project.python), "-c", f"import {package}.app"], project.project, project.env)
    assert Path(project.env["VIRTUAL_ENV"]).is_relative_to(project.project)
