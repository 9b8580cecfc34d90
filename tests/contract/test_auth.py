"""Auth on the wire (docs/wire-format.md, Authentication): the services with the same auth choice
refuse and admit the same requests with the same 401 problems and challenges, whatever their
framework; the probes and the docs stay open."""

from __future__ import annotations

import httpx
import jwt
import pytest

from tests.contract.conftest import Service
from tests.contract.test_wire import ITEMS, JSON, PROBLEM, Answer, exchange, problem
from tests.credentials import API_KEY, JWT_SECRET, token

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("contract")]

MISSING = "Missing credentials"
INVALID = "Invalid credentials"
CHALLENGES = {"api-key": "APIKey", "jwt": "Bearer"}
INVALID_CHALLENGES = {"api-key": "APIKey", "jwt": 'Bearer error="invalid_token"'}
UNAUTHORIZED = "Unauthorized"


def with_auth(services: list[Service], auth: str) -> list[Service]:
    chosen = [service for service in services if service.auth == auth]
    assert {service.framework for service in chosen} == {"fastapi", "flask"}, auth
    return chosen


@pytest.fixture(params=["api-key", "jwt"])
def auth(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def refused(status_detail: str, instance: str) -> Answer:
    return Answer(401, PROBLEM, None, None, problem(401, UNAUTHORIZED, status_detail, instance))


def challenges(
    services: list[Service], method: str, path: str, headers: dict[str, str]
) -> set[str]:
    return {
        httpx.request(method, service.url + path, headers=headers).headers["www-authenticate"]
        for service in services
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", ITEMS), ("POST", ITEMS), ("GET", f"{ITEMS}/1"), ("PUT", f"{ITEMS}/1"),
     ("DELETE", f"{ITEMS}/1")],
)  # fmt: skip
def test_every_api_operation_asks_for_credentials(
    services: list[Service], auth: str, method: str, path: str
) -> None:
    chosen = with_auth(services, auth)
    body = {"json": {"name": "Refused", "price": 1}} if method in {"POST", "PUT"} else {}

    answer = exchange(chosen, method, path, authenticate=False, **body)

    assert answer == refused(MISSING, path)
    assert challenges(chosen, method, path, {}) == {CHALLENGES[auth]}


def wrong_credentials(auth: str) -> list[dict[str, str]]:
    if auth == "api-key":
        return [
            {"x-api-key": API_KEY[:-1]},
            {"x-api-key": API_KEY + "x"},
            {"x-api-key": API_KEY.upper()},
        ]
    return [
        {"authorization": "Bearer not-a-token"},
        {"authorization": f"Bearer {token(lifetime=-3600)}"},  # expired an hour ago
        {"authorization": f"Bearer {token(nbf=4102444800)}"},  # valid from 2100 on
        # Signed with another secret.
        {"authorization": "Bearer " + jwt.encode({"exp": 4102444800}, "x" * 32, "HS256")},
    ]


def test_wrong_credentials_are_refused_alike(services: list[Service], auth: str) -> None:
    chosen = with_auth(services, auth)
    for headers in wrong_credentials(auth):
        answer = exchange(chosen, "GET", ITEMS, authenticate=False, headers=headers)

        assert answer == refused(INVALID, ITEMS), headers
        assert challenges(chosen, "GET", ITEMS, headers) == {INVALID_CHALLENGES[auth]}, headers


def test_a_token_without_expiry_is_refused(services: list[Service]) -> None:
    chosen = with_auth(services, "jwt")
    unbounded = jwt.encode({"sub": "forever"}, JWT_SECRET, "HS256")
    answer = exchange(
        chosen, "GET", ITEMS, authenticate=False, headers={"authorization": f"Bearer {unbounded}"}
    )

    assert answer == refused(INVALID, ITEMS)


def test_credentials_let_every_operation_through(services: list[Service]) -> None:
    # On every service, whatever its auth, so that their stores stay in step.
    created = exchange(services, "POST", ITEMS, json={"name": "Admitted", "price": 2})
    assert created.status == 201
    assert created.location is not None

    assert exchange(services, "GET", created.location).status == 200
    assert (
        exchange(services, "PUT", created.location, json={"name": "Again", "price": 3}).status
        == 200
    )
    assert exchange(services, "DELETE", created.location).status == 204


def test_a_body_that_cannot_be_read_is_refused_before_the_credentials(
    services: list[Service], auth: str
) -> None:
    # 413, 415 and 400 describe the request as sent, whoever sent it; 422 waits for credentials.
    chosen = with_auth(services, auth)
    headers = {"content-type": JSON}

    unreadable = exchange(chosen, "POST", ITEMS, authenticate=False, content=b"{", headers=headers)
    unchecked = exchange(chosen, "POST", ITEMS, authenticate=False, json={"name": ""})

    assert unreadable.status == 400
    assert unchecked == refused(MISSING, ITEMS)


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/openapi.json", "/docs"])
def test_the_probes_and_the_docs_need_no_credentials(
    services: list[Service], auth: str, path: str
) -> None:
    for service in with_auth(services, auth):
        response = httpx.get(service.url + path)

        assert response.status_code == 200, (service.name, path)
