"""HTTP routes for items: `@api` validates and documents, the service does the work."""

from typing import NoReturn

from flask import Blueprint, abort
from flask.typing import ResponseReturnValue

from ..openapi import api
from . import service
from .schemas import ItemCreate, ItemPage, ItemRead, ItemUpdate, Pagination

bp = Blueprint("items", __name__, url_prefix="/api/items")


def _not_found(item_id: int) -> NoReturn:
    abort(404, description=f"Item {item_id} not found")


@bp.post("")
@api(body=ItemCreate, response=ItemRead, status=201, errors=(409, 422, 503))
def create_item(body: ItemCreate) -> ItemRead:
    """Create an item."""
    try:
        return service.create_item(body)
    except service.DuplicateNameError as exc:
        abort(409, description=str(exc))


@bp.get("")
@api(query=Pagination, response=ItemPage, errors=(422, 503))
def list_items(query: Pagination) -> ItemPage:
    """List items, a page at a time."""
    items, total = service.list_items(query.limit, query.offset)
    return ItemPage(items=items, total=total, limit=query.limit, offset=query.offset)


@bp.get("/<int:item_id>")
@api(response=ItemRead, errors=(404, 503))
def read_item(item_id: int) -> ItemRead:
    """Get one item."""
    item = service.get_item(item_id)
    if item is None:
        _not_found(item_id)
    return item


@bp.patch("/<int:item_id>")
@api(body=ItemUpdate, response=ItemRead, errors=(404, 409, 422, 503))
def update_item(item_id: int, body: ItemUpdate) -> ItemRead:
    """Change some fields of an item."""
    try:
        item = service.update_item(item_id, body)
    except service.DuplicateNameError as exc:
        abort(409, description=str(exc))
    if item is None:
        _not_found(item_id)
    return item


@bp.delete("/<int:item_id>")
@api(status=204, errors=(404, 503))
def delete_item(item_id: int) -> ResponseReturnValue:
    """Delete an item."""
    if not service.delete_item(item_id):
        _not_found(item_id)
    return "", 204
