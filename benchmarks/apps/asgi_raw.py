"""The ceiling: a raw ASGI app answering the same three routes with the standard library only."""

import json
from typing import Any

from benchmarks.apps import ITEMS_PATH

Scope = dict[str, Any]
Message = dict[str, Any]
JSON_HEADERS = [(b"content-type", b"application/json")]
ITEM_PREFIX = ITEMS_PATH + "/"


def create_app() -> Any:
    items: dict[int, dict[str, Any]] = {}

    async def respond(send: Any, status: int, body: bytes, extra: list[Any] | None = None) -> None:
        headers = [*JSON_HEADERS, (b"content-length", str(len(body)).encode()), *(extra or [])]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message: Message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path: str = scope["path"]
        method: str = scope["method"]
        if method == "GET" and path == "/health/live":
            await respond(send, 200, b'{"status":"ok"}')
        elif (
            method == "GET" and path.startswith(ITEM_PREFIX) and path[len(ITEM_PREFIX) :].isdigit()
        ):
            item = items.get(int(path[len(ITEM_PREFIX) :]))
            if item is None:
                await respond(send, 404, b'{"detail":"Not Found"}')
            else:
                await respond(send, 200, json.dumps(item, separators=(",", ":")).encode())
        elif method == "POST" and path == ITEMS_PATH:
            body = b""
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            data = json.loads(body)
            item = {"id": len(items) + 1, "name": data["name"], "price": data["price"]}
            item["tags"] = data.get("tags", [])
            items[item["id"]] = item
            location = (b"location", f"{ITEMS_PATH}/{item['id']}".encode())
            encoded = json.dumps(item, separators=(",", ":")).encode()
            await respond(send, 201, encoded, [location])
        else:
            await respond(send, 404, b'{"detail":"Not Found"}')

    return app
