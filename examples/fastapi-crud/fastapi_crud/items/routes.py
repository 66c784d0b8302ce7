"""HTTP routes for items: parse, call the service, shape the response."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel

from ..deps import DatabaseDep
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


@router.get("/{item_id}", responses=NOT_FOUND)
async def read_item(item_id: int, db: DatabaseDep) -> ItemRead:
    """Get one item."""
    item = await service.get_item(db, item_id)
    if item is None:
        raise _not_found(item_id)
    return item


@router.post("", status_code=status.HTTP_201_CREATED, responses=CONFLICT)
async def create_item(data: ItemCreate, db: DatabaseDep) -> ItemRead:
    """Create an item."""
    try:
        return await service.create_item(db, data)
    except service.DuplicateNameError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc


@router.get("")
async def list_items(
    db: DatabaseDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=INT4_MAX)] = 0,
) -> ItemPage:
    """List items, a page at a time."""
    return await service.list_items(db, limit, offset)


@router.patch("/{item_id}", responses=NOT_FOUND | CONFLICT)
async def update_item(item_id: int, data: ItemUpdate, db: DatabaseDep) -> ItemRead:
    """Change some fields of an item."""
    try:
        item = await service.update_item(db, item_id, data)
    except service.DuplicateNameError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    if item is None:
        raise _not_found(item_id)
    return item


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_item(item_id: int, db: DatabaseDep) -> None:
    """Delete an item."""
    if not await service.delete_item(db, item_id):
        raise _not_found(item_id)
