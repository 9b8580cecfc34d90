"""The ceiling: a raw WSGI app answering the same three routes with the standard library only."""

import json
from collections.abc import Callable, Iterable
from typing import Any

from benchmarks.apps import ITEMS_PATH

ITEM_PREFIX = ITEMS_PATH + "/"
StartResponse = Callable[..., Any]


def create_app() -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    items: dict[int, dict[str, Any]] = {}

    def respond(
        start_response: StartResponse, status: str, body: bytes, extra: list[Any] | None = None
    ) -> list[bytes]:
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response(status, [*headers, *(extra or [])])
        return [body]

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ["PATH_INFO"]
        method: str = environ["REQUEST_METHOD"]
        if method == "GET" and path == "/health/live":
            return respond(start_response, "200 OK", b'{"status":"ok"}')
        if method == "GET" and path.startswith(ITEM_PREFIX) and path[len(ITEM_PREFIX) :].isdigit():
            item = items.get(int(path[len(ITEM_PREFIX) :]))
            if item is None:
                return respond(start_response, "404 Not Found", b'{"detail":"Not Found"}')
            return respond(
                start_response, "200 OK", json.dumps(item, separators=(",", ":")).encode()
            )
        if method == "POST" and path == ITEMS_PATH:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            data = json.loads(environ["wsgi.input"].read(length))
            item = {"id": len(items) + 1, "name": data["name"], "price": data["price"]}
            item["tags"] = data.get("tags", [])
            items[item["id"]] = item
            location = ("Location", f"{ITEMS_PATH}/{item['id']}")
            encoded = json.dumps(item, separators=(",", ":")).encode()
            return respond(start_response, "201 Created", encoded, [location])
        return respond(start_response, "404 Not Found", b'{"detail":"Not Found"}')

    return app
