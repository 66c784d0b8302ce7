"""HTTP routes for items: parse, call the service, shape the response."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel

from ..deps import ReadEngine, SessionDep
from ..validation import StrictJSONRoute
from . import service
from .schemas import INT4_MAX, ItemCreate, ItemPage, ItemRead, ItemUpdate


class ErrorMessage(BaseModel):
    """Body of 404 and 409 responses: {"detail": "..."}."""

    detail: str


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorMessage}}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": ErrorMessage}}
# JSON bodies are parsed strictly: NaN, Infinity or a lone surrogate is a 422, not a 500.
router = APIRouter(prefix="/api/items", tags=["items"], route_class=StrictJSONRoute)


def _not_found(item_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Item {item_id} not found")


@router.get("/{item_id}", response_model=ItemRead, responses=NOT_FOUND)
async def read_item(item_id: int, request: Request) -> Response:
    """Get one item."""
    # The hottest route, so first in the router (routes are tried in order); the pool straight
    # from app.state (no dependency to solve) and JSON straight from pydantic (FastAPI skips its
    # own validation and encoding of a Response).
    item = await service.fetch_item(request.app.state.read_pool, item_id)
    if item is None:
        raise _not_found(item_id)
    return Response(item.model_dump_json(), media_type="application/json")


@router.post("", status_code=status.HTTP_201_CREATED, responses=CONFLICT)
async def create_item(data: ItemCreate, session: SessionDep) -> ItemRead:
    """Create an item."""
    try:
        return await service.create_item(session, data)
    except service.DuplicateNameError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc


@router.get("")
async def list_items(
    engine: ReadEngine,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=INT4_MAX)] = 0,
) -> ItemPage:
    """List items, a page at a time."""
    return await service.list_items(engine, limit, offset)


@router.patch("/{item_id}", responses=NOT_FOUND | CONFLICT)
async def update_item(item_id: int, data: ItemUpdate, session: SessionDep) -> ItemRead:
    """Change some fields of an item."""
    try:
        item = await service.update_item(session, item_id, data)
    except service.DuplicateNameError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    if item is None:
        raise _not_found(item_id)
    return item


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_item(item_id: int, session: SessionDep) -> None:
    """Delete an item."""
    if not await service.delete_item(session, item_id):
        raise _not_found(item_id)
