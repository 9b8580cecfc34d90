"""The baseline with a database: the Flask app a careful user would write with SQLAlchemy.

The generated package's engine (its `Database`: the same URL, driver, pool and SQLite WAL mode),
models and repository, one session per request as the generated service opens, the same status
codes and `Location` header; no middleware, problem details, request id or access log.
"""

from typing import Any

from flask import Blueprint, Flask, Response, request
from pydantic import ValidationError

from benchmarks.apps import ITEMS_PATH, generated_module

_schemas = generated_module("items.schemas")
_repository = generated_module("items.repository")
_database = generated_module("database")
_probes = generated_module("probes")
_settings = generated_module("settings")

ItemCreate: Any = _schemas.ItemCreate
ItemRepository: Any = _repository.ItemRepository
Health: Any = _probes.Health
JSON = "application/json"


def create_app() -> Flask:
    database = _database.Database(_settings.Settings())
    app = Flask(__name__)
    health = Blueprint("health", __name__, url_prefix="/health")
    items = Blueprint("items", __name__, url_prefix=ITEMS_PATH)

    @health.get("/live")
    def live() -> Response:
        return Response(Health().model_dump_json(), mimetype=JSON)

    @items.post("")
    def create_item() -> Response:
        try:
            data = ItemCreate.model_validate(request.get_json())
        except ValidationError as error:
            return Response(error.json(include_input=False), status=422, mimetype=JSON)
        with database.sessions() as session:
            item = ItemRepository(session).add(data)
        headers = {"Location": f"{ITEMS_PATH}/{item.id}"}
        return Response(item.model_dump_json(), status=201, headers=headers, mimetype=JSON)

    @items.get("/<int:item_id>")
    def get_item(item_id: int) -> Response:
        with database.sessions() as session:
            item = ItemRepository(session).get(item_id)
        if item is None:
            return Response(f'{{"detail":"Item {item_id} not found"}}', 404, mimetype=JSON)
        return Response(item.model_dump_json(), mimetype=JSON)

    app.register_blueprint(health)
    app.register_blueprint(items)
    return app
