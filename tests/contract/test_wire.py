"""The service contract, black-box: every row of its endpoint and error tables, sent over real
HTTP to a rendered FastAPI and a rendered Flask service under their production servers.

Each request goes to every service in turn, so their states stay in step. The answers must be
equal across services (status, Content-Type, Allow, Location, and the body byte for byte once the
request id is taken out) and equal to the values docs/wire-format.md pins down. Reason phrases are
not compared: granian writes its own.
"""

from __future__ import annotations

import contextlib
import json
import socket
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.contract.conftest import Service

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("contract")]

PROBLEM = "application/problem+json"
JSON = "application/json"
ITEMS = "/api/v1/items"
LIMIT = 1_048_576
MISSING_ID = 424242


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str | None
    allow: str | None
    location: str | None
    body: bytes

    def comparable(self) -> tuple[int, str | None, str | None, str | None, bytes]:
        return (self.status, self.content_type, self.allow, self.location, self.body)


def answer_from(status: int, headers: httpx.Headers, body: bytes) -> Answer:
    request_id = headers.get("x-request-id")
    assert request_id, "every answer carries X-Request-ID"
    if headers.get("content-type") == PROBLEM:
        problem = json.loads(body)
        assert problem["request_id"] == request_id
        # Byte for byte apart from the id: the key order and the separators are compared too.
        body = body.replace(json.dumps(request_id).encode(), b'"<request id>"')
    return Answer(
        status, headers.get("content-type"), headers.get("allow"), headers.get("location"), body
    )


def exchange(
    services: list[Service], method: str, path: str, *, authenticate: bool = True, **options: Any
) -> Answer:
    """Send one request to every service, with the credentials its auth asks for unless told
    not to; they must all answer alike. Returns the answer."""
    answers = {}
    headers = options.pop("headers", {})
    for service in services:
        credentials = service.credentials if authenticate else {}
        response = httpx.request(
            method, service.url + path, timeout=10, headers={**credentials, **headers}, **options
        )
        answers[service.name] = answer_from(
            response.status_code, response.headers, response.content
        )
    return same_everywhere(answers)


def same_everywhere(answers: dict[str, Answer]) -> Answer:
    (reference_name, reference), *others = answers.items()
    for name, answer in others:
        assert answer.comparable() == reference.comparable(), (
            f"{name} differs from {reference_name}:\n  {answer}\n  {reference}"
        )
    return reference


def problem(
    status: int, title: str, detail: str, instance: str, errors: Any = None, checks: Any = None
) -> bytes:
    """The expected problem body, serialised as docs/wire-format.md says (compact, in order)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": "<request id>",
    }
    if errors is not None:
        body["errors"] = errors
    if checks is not None:
        body["checks"] = checks
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def compact(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def issue(loc: list[str | int], msg: str, error_type: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": error_type}


# The characters Python's str.strip() removes: a name must hold something else.
WHITESPACE = "".join(char for char in map(chr, range(0x10000)) if char.isspace())
# Not whitespace only, and no NUL (which a database's text column cannot store).
NAME_PATTERN = rf"^[^\x00]*[^\x00{WHITESPACE}][^\x00]*$"
INT_PARSING = "Input should be a valid integer, unable to parse string as an integer"
FIELD_REQUIRED = "Field required"


# --- endpoints ---------------------------------------------------------------------------------


def test_liveness(services: list[Service]) -> None:
    answer = exchange(services, "GET", "/health/live")

    assert answer == Answer(200, JSON, None, None, b'{"status":"ok"}')


def test_readiness(services: list[Service]) -> None:
    in_memory = [service for service in services if service.database == "none"]
    with_database = [service for service in services if service.database != "none"]

    assert exchange(in_memory, "GET", "/health/ready") == Answer(
        200, JSON, None, None, b'{"status":"ok","checks":{}}'
    )
    assert exchange(with_database, "GET", "/health/ready") == Answer(
        200, JSON, None, None, b'{"status":"ok","checks":{"database":"ok"}}'
    )


def test_the_item_lifecycle(services: list[Service]) -> None:
    empty = exchange(services, "GET", ITEMS)
    created = exchange(services, "POST", ITEMS, json={"name": "  Lamp  ", "price": 12.5})
    item = json.loads(created.body)
    location = f"{ITEMS}/{item['id']}"
    read = exchange(services, "GET", location)
    page = exchange(services, "GET", ITEMS, params={"limit": 1, "offset": 0})
    replaced = exchange(
        services, "PUT", location, json={"name": "Désk ✓", "price": 3, "tags": ["a", "b"]}
    )
    deleted = exchange(services, "DELETE", location)
    gone = exchange(services, "GET", location)

    assert empty == Answer(200, JSON, None, None, b'{"items":[],"total":0,"limit":20,"offset":0}')
    assert created == Answer(201, JSON, None, location, created.body)
    assert item == {"id": item["id"], "name": "Lamp", "price": 12.5, "tags": []}
    assert read == Answer(200, JSON, None, None, created.body)
    assert json.loads(page.body)["items"] == [item]
    expected = {"id": item["id"], "name": "Désk ✓", "price": 3.0, "tags": ["a", "b"]}
    assert replaced == Answer(200, JSON, None, None, compact(expected))
    assert deleted == Answer(204, None, None, None, b"")
    assert gone.status == 404


def test_head_answers_like_get_without_a_body(services: list[Service]) -> None:
    answer = exchange(services, "HEAD", "/health/live")

    assert answer == Answer(200, JSON, None, None, b"")


def test_a_client_request_id_is_echoed(services: list[Service]) -> None:
    for service in services:
        response = httpx.get(f"{service.url}/nowhere", headers={"x-request-id": "contract-1"})

        assert response.headers["x-request-id"] == "contract-1", service.name
        assert response.json()["request_id"] == "contract-1", service.name


@pytest.mark.parametrize(
    "headers",
    [
        [("x-request-id", "x" * 129)],
        [("x-request-id", "one,two")],
        [("x-request-id", "one"), ("x-request-id", "two")],
    ],
    ids=["too-long", "comma", "repeated"],
)
def test_an_unusable_request_id_is_replaced(
    services: list[Service], headers: list[tuple[str, str]]
) -> None:
    for service in services:
        response = httpx.get(f"{service.url}/health/live", headers=headers)

        made = response.headers["x-request-id"]
        assert len(made) == 32, service.name
        assert made not in {"one", "two", "one,two"}, service.name


# --- the error table -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/nowhere", f"{ITEMS}/", "/api/v1", "/api//v1/items"])
def test_unknown_path_is_404(services: list[Service], path: str) -> None:
    answer = exchange(services, "GET", path)

    assert answer == Answer(
        404, PROBLEM, None, None, problem(404, "Not Found", "No route matches this path", path)
    )


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", ITEMS, "GET, HEAD, POST"),
        ("PATCH", ITEMS, "GET, HEAD, POST"),
        ("POST", f"{ITEMS}/1", "DELETE, GET, HEAD, PUT"),
        ("POST", "/health/live", "GET, HEAD"),
        ("OPTIONS", ITEMS, "GET, HEAD, POST"),
    ],
)
def test_wrong_method_is_405_with_allow(
    services: list[Service], method: str, path: str, allow: str
) -> None:
    answer = exchange(services, method, path)

    detail = f"Method {method} is not allowed here"
    assert answer == Answer(
        405, PROBLEM, allow, None, problem(405, "Method Not Allowed", detail, path)
    )


MALFORMED = {
    "truncated": b'{"name": ',
    "nested-too-deep": b"[" * 100_000 + b"]" * 100_000,
    "not-utf-8": b'{"name": "\xff", "price": 1}',
    "utf-16": '{"name": "x", "price": 1}'.encode("utf-16"),
    "lone-surrogate": b'{"name": "x", "price": 1, "tags": ["\\udc00"]}',
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize(("method", "path"), [("POST", ITEMS), ("PUT", f"{ITEMS}/1")])
def test_malformed_json_is_400(
    services: list[Service], method: str, path: str, body: bytes
) -> None:
    answer = exchange(services, method, path, content=body, headers={"content-type": JSON})

    detail = "Request body is not valid JSON"
    assert answer == Answer(400, PROBLEM, None, None, problem(400, "Bad Request", detail, path))


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_another_content_type_is_415(services: list[Service], content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    body = b'{"name": "x", "price": 1}'
    answer = exchange(services, "POST", ITEMS, content=body, headers=headers)

    detail = "Content-Type must be application/json"
    assert answer == Answer(
        415, PROBLEM, None, None, problem(415, "Unsupported Media Type", detail, ITEMS)
    )


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/x+json"])
def test_json_media_types_are_accepted(services: list[Service], content_type: str) -> None:
    body = b'{"name": "x", "price": 1}'
    answer = exchange(services, "POST", ITEMS, content=body, headers={"content-type": content_type})

    assert answer.status == 201


def raw_exchange(services: list[Service], request: bytes) -> Answer:
    """Send bytes over a socket: bodies httpx would not send, or not send that way. The
    service's credentials are added after the request line."""
    answers = {}
    request_line, rest = request.split(b"\r\n", 1)
    for service in services:
        host, port = service.url.removeprefix("http://").split(":")
        credentials = b"".join(
            f"{name}: {value}\r\n".encode() for name, value in service.credentials.items()
        )
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            # The server may answer and close before the whole body is sent.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.sendall(request_line + b"\r\n" + credentials + rest)
            status, headers, body = read_http_answer(connection)
        answers[service.name] = answer_from(status, headers, body)
    return same_everywhere(answers)


def read_http_answer(connection: socket.socket) -> tuple[int, httpx.Headers, bytes]:
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        assert chunk, f"connection closed before the headers: {received!r}"
        received += chunk
    head, body = received.split(b"\r\n\r\n", 1)
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = httpx.Headers([line.partition(": ")[::2] for line in header_lines])
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(status_line.split(" ")[1]), headers, body[:length]


def test_a_declared_body_over_the_limit_is_413_before_it_is_sent(services: list[Service]) -> None:
    # Only the headers are sent: the answer must come without waiting for the body.
    request = (
        f"POST {ITEMS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {10 * LIMIT}\r\nConnection: close\r\n\r\n"
    ).encode()
    answer = raw_exchange(services, request)

    detail = f"Request body exceeds the limit of {LIMIT} bytes"
    assert answer == Answer(
        413, PROBLEM, None, None, problem(413, "Content Too Large", detail, ITEMS)
    )


def test_a_routing_error_comes_before_the_body_limit(services: list[Service]) -> None:
    request = (
        f"DELETE {ITEMS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {10 * LIMIT}\r\nConnection: close\r\n\r\n"
    ).encode()
    answer = raw_exchange(services, request)

    detail = "Method DELETE is not allowed here"
    assert answer == Answer(
        405, PROBLEM, "GET, HEAD, POST", None, problem(405, "Method Not Allowed", detail, ITEMS)
    )


def test_a_chunked_body_over_the_limit_is_413(services: list[Service]) -> None:
    chunk = b"x" * 65536
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(LIMIT // len(chunk) + 2))
    request = (
        (
            f"POST {ITEMS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        ).encode()
        + chunks
        + b"0\r\n\r\n"
    )
    answer = raw_exchange(services, request)

    detail = f"Request body exceeds the limit of {LIMIT} bytes"
    assert answer == Answer(
        413, PROBLEM, None, None, problem(413, "Content Too Large", detail, ITEMS)
    )


VALIDATION_CASES = [
    pytest.param(
        "POST",
        ITEMS,
        {"json": {"name": "", "price": -1, "tags": ["t"] * 11}},
        [
            issue(["body", "name"], "String should have at least 1 character", "string_too_short"),
            issue(["body", "price"], "Input should be greater than 0", "greater_than"),
            issue(
                ["body", "tags"],
                "List should have at most 10 items after validation, not 11",
                "too_long",
            ),
        ],
        id="body-fields",
    ),
    pytest.param(
        "POST",
        ITEMS,
        {"json": {"price": "cheap", "tags": "x"}},
        [
            issue(["body", "name"], FIELD_REQUIRED, "missing"),
            issue(
                ["body", "price"],
                "Input should be a valid number, unable to parse string as a number",
                "float_parsing",
            ),
            issue(["body", "tags"], "Input should be a valid list", "list_type"),
        ],
        id="body-types",
    ),
    pytest.param(
        "POST",
        ITEMS,
        {"json": {"name": "\u00a0\u3000 ", "price": 1}},
        [
            issue(
                ["body", "name"],
                f"String should match pattern '{NAME_PATTERN}'",
                "string_pattern_mismatch",
            )
        ],
        id="name-of-whitespace",
    ),
    pytest.param(
        "POST",
        ITEMS,
        {"json": {"name": "Lamp\u0000", "price": 1}},
        [
            issue(
                ["body", "name"],
                f"String should match pattern '{NAME_PATTERN}'",
                "string_pattern_mismatch",
            )
        ],
        id="name-with-nul",
    ),
    pytest.param(
        "GET",
        f"{ITEMS}?offset={2**31}",
        {},
        [
            issue(
                ["query", "offset"],
                "Input should be less than or equal to 2147483647",
                "less_than_equal",
            )
        ],
        id="offset-too-large-to-store",
    ),
    pytest.param(
        "POST",
        ITEMS,
        {"json": {"name": f" {'x' * 100} ", "price": 1}},
        [issue(["body", "name"], "String should have at most 100 characters", "string_too_long")],
        id="name-too-long-as-sent",
    ),
    *[
        pytest.param(
            "POST",
            ITEMS,
            {
                "content": b'{"name": "x", "price": ' + number + b"}",
                "headers": {"content-type": JSON},
            },
            [issue(["body", "price"], "Input should be a finite number", "finite_number")],
            id=f"price-{number.decode()}",
        )
        for number in (b"1e999", b"-1e999", b"NaN", b"Infinity")
    ],
    pytest.param(
        "POST",
        ITEMS,
        {"headers": {"content-type": JSON}},
        [issue(["body"], FIELD_REQUIRED, "missing")],
        id="empty-body",
    ),
    pytest.param(
        "POST",
        ITEMS,
        {"json": [1, 2]},
        [
            issue(
                ["body"],
                "Input should be a valid dictionary or object to extract fields from",
                "model_attributes_type",
            )
        ],
        id="json-array",
    ),
    pytest.param(
        "POST",
        ITEMS,
        {"content": b"null", "headers": {"content-type": JSON}},
        [
            issue(
                ["body"],
                "Input should be a valid dictionary or object to extract fields from",
                "model_attributes_type",
            )
        ],
        id="json-null",
    ),
    pytest.param(
        "GET",
        f"{ITEMS}?limit=0",
        {},
        [
            issue(
                ["query", "limit"],
                "Input should be greater than or equal to 1",
                "greater_than_equal",
            )
        ],
        id="limit-0",
    ),
    pytest.param(
        "GET",
        f"{ITEMS}?limit=101",
        {},
        [issue(["query", "limit"], "Input should be less than or equal to 100", "less_than_equal")],
        id="limit-101",
    ),
    pytest.param(
        "GET",
        f"{ITEMS}?limit=abc&offset=-1",
        {},
        [
            issue(["query", "limit"], INT_PARSING, "int_parsing"),
            issue(
                ["query", "offset"],
                "Input should be greater than or equal to 0",
                "greater_than_equal",
            ),
        ],
        id="limit-and-offset",
    ),
    pytest.param(
        "GET",
        f"{ITEMS}?limit=5&limit=1.5",
        {},
        [
            issue(
                ["query", "limit"],
                "Input should be a valid integer, unable to parse string as an integer",
                "int_parsing",
            )
        ],
        id="repeated-limit-last-wins",
    ),
    pytest.param(
        "GET",
        f"{ITEMS}/abc",
        {},
        [issue(["path", "item_id"], INT_PARSING, "int_parsing")],
        id="path",
    ),
    pytest.param(
        "GET",
        f"{ITEMS}/0",
        {},
        [
            issue(
                ["path", "item_id"],
                "Input should be greater than or equal to 1",
                "greater_than_equal",
            )
        ],
        id="path-id-0",
    ),
    pytest.param(
        "GET",
        f"{ITEMS}/{2**31}",
        {},
        [
            issue(
                ["path", "item_id"],
                "Input should be less than or equal to 2147483647",
                "less_than_equal",
            )
        ],
        id="path-id-too-large-to-store",
    ),
    pytest.param(
        "DELETE",
        f"{ITEMS}/1.5",
        {},
        [issue(["path", "item_id"], INT_PARSING, "int_parsing")],
        id="path-delete",
    ),
    pytest.param(
        "PUT",
        f"{ITEMS}/abc",
        {"json": {"price": 0}},
        [
            issue(["path", "item_id"], INT_PARSING, "int_parsing"),
            issue(["body", "name"], FIELD_REQUIRED, "missing"),
            issue(["body", "price"], "Input should be greater than 0", "greater_than"),
        ],
        id="path-and-body",
    ),
]


@pytest.mark.parametrize(("method", "target", "options", "errors"), VALIDATION_CASES)
def test_validation_failures_are_422_with_every_error(
    services: list[Service], method: str, target: str, options: dict[str, Any], errors: Any
) -> None:
    answer = exchange(services, method, target, **options)

    path = target.split("?", 1)[0]
    body = problem(422, "Unprocessable Content", "Request validation failed", path, errors)
    assert answer == Answer(422, PROBLEM, None, None, body)


@pytest.mark.parametrize(
    ("method", "options"),
    [("GET", {}), ("PUT", {"json": {"name": "x", "price": 1}}), ("DELETE", {})],
)
def test_a_missing_item_is_404(
    services: list[Service], method: str, options: dict[str, Any]
) -> None:
    path = f"{ITEMS}/{MISSING_ID}"
    answer = exchange(services, method, path, **options)

    detail = f"Item {MISSING_ID} not found"
    assert answer == Answer(404, PROBLEM, None, None, problem(404, "Not Found", detail, path))
