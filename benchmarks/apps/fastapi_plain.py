"""The baseline: the FastAPI app a careful user would write by hand for the same three routes.

Same pydantic models and the same in-memory repository as the generated service, the same
status codes and `Location` header, and the layout the service contract asks for (one router per
resource); no middleware, problem details, request id, access log or dependency injection.
"""

from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Response, status

from benchmarks.apps import ITEMS_PATH, generated_module

_schemas = generated_module("items.schemas")
_repository = generated_module("items.repository")
_probes = generated_module("probes")

Item: Any = _schemas.Item
ItemCreate: Any = _schemas.ItemCreate
Health: Any = _probes.Health


def create_app() -> FastAPI:
    app = FastAPI(redirect_slashes=False)
    repository = _repository.ItemRepository()
    health = APIRouter(prefix="/health")
    items = APIRouter(prefix=ITEMS_PATH)

    @health.get("/live", response_model=Health)
    async def live() -> Any:
        return Health()

    @items.post("", status_code=status.HTTP_201_CREATED, response_model=Item)
    async def create_item(data: ItemCreate, response: Response) -> Any:
        item = await repository.add(data)
        response.headers["Location"] = f"{ITEMS_PATH}/{item.id}"
        return item

    @items.get("/{item_id}", response_model=Item)
    async def get_item(item_id: int) -> Any:
        item = await repository.get(item_id)
        if item is None:
            raise HTTPException(status_code=404, detail=f"Item {item_id} not found")
        return item

    app.include_router(health)
    app.include_router(items)
    return app
