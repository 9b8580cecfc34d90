"""The baseline with a database: the FastAPI app a careful user would write with SQLAlchemy.

The generated package's engine (its `Database`: the same URL, driver, pool and SQLite WAL mode),
models and repository, one session per request as the generated service opens, the same status
codes and `Location` header; no middleware, problem details, request id, access log or dependency
injection.
"""

from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Response, status

from benchmarks.apps import ITEMS_PATH, generated_module

_schemas = generated_module("items.schemas")
_repository = generated_module("items.repository")
_database = generated_module("database")
_probes = generated_module("probes")
_settings = generated_module("settings")

Item: Any = _schemas.Item
ItemCreate: Any = _schemas.ItemCreate
ItemRepository: Any = _repository.ItemRepository
Health: Any = _probes.Health


def create_app() -> FastAPI:
    database = _database.Database(_settings.Settings())
    app = FastAPI(redirect_slashes=False)
    health = APIRouter(prefix="/health")
    items = APIRouter(prefix=ITEMS_PATH)

    @health.get("/live", response_model=Health)
    async def live() -> Any:
        return Health()

    @items.post("", status_code=status.HTTP_201_CREATED, response_model=Item)
    async def create_item(data: ItemCreate, response: Response) -> Any:
        async with database.sessions() as session:
            item = await ItemRepository(session).add(data)
        response.headers["Location"] = f"{ITEMS_PATH}/{item.id}"
        return item

    @items.get("/{item_id}", response_model=Item)
    async def get_item(item_id: int) -> Any:
        async with database.sessions() as session:
            item = await ItemRepository(session).get(item_id)
        if item is None:
            raise HTTPException(status_code=404, detail=f"Item {item_id} not found")
        return item

    app.include_router(health)
    app.include_router(items)
    return app
