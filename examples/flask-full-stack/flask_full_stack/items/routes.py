"""HTTP routes for items: parse, call the service, shape the response."""

from typing import NoReturn

from flask import Blueprint, abort
from flask.typing import ResponseReturnValue

from ..validation import parse_body, parse_query
from . import service
from .models import Item
from .schemas import ItemCreate, ItemPage, ItemRead, ItemUpdate, Pagination

bp = Blueprint("items", __name__, url_prefix="/api/items")


def _not_found(item_id: int) -> NoReturn:
    abort(404, description=f"Item {item_id} not found")


def _dump(item: Item) -> dict[str, object]:
    # Python mode keeps datetimes; the orjson provider writes them as ISO 8601.
    return ItemRead.model_validate(item).model_dump()


@bp.post("")
def create_item() -> ResponseReturnValue:
    """Create an item.
    ---
    tags: [items]
    requestBody:
      required: true
      content:
        application/json:
          schema: {$ref: "#/components/schemas/ItemCreate"}
    responses:
      "201":
        description: The created item
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ItemRead"}
      "409":
        description: The name is taken
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ErrorMessage"}
      "422":
        description: Invalid body
        content:
          application/json:
            schema: {$ref: "#/components/schemas/HTTPValidationError"}
    """
    data = parse_body(ItemCreate)
    try:
        item = service.create_item(data)
    except service.DuplicateNameError as exc:
        abort(409, description=str(exc))
    return _dump(item), 201


@bp.get("")
def list_items() -> ResponseReturnValue:
    """List items, a page at a time.
    ---
    tags: [items]
    parameters:
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
      - name: offset
        in: query
        schema: {type: integer, minimum: 0, maximum: 2147483647, default: 0}
    responses:
      "200":
        description: One page of items
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ItemPage"}
      "422":
        description: Invalid query
        content:
          application/json:
            schema: {$ref: "#/components/schemas/HTTPValidationError"}
    """
    page = parse_query(Pagination)
    items, total = service.list_items(page.limit, page.offset)
    return ItemPage(
        items=[ItemRead.model_validate(item) for item in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    ).model_dump()


@bp.get("/<int:item_id>")
def read_item(item_id: int) -> ResponseReturnValue:
    """Get one item.
    ---
    tags: [items]
    parameters:
      - {name: item_id, in: path, required: true, schema: {type: integer, minimum: 0}}
    responses:
      "200":
        description: The item
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ItemRead"}
      "404":
        description: No such item
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ErrorMessage"}
    """
    item = service.get_item(item_id)
    if item is None:
        _not_found(item_id)
    # Already validated by the service; the orjson provider writes the dict like every other route.
    return item.model_dump()


@bp.patch("/<int:item_id>")
def update_item(item_id: int) -> ResponseReturnValue:
    """Change some fields of an item.
    ---
    tags: [items]
    parameters:
      - {name: item_id, in: path, required: true, schema: {type: integer, minimum: 0}}
    requestBody:
      required: true
      content:
        application/json:
          schema: {$ref: "#/components/schemas/ItemUpdate"}
    responses:
      "200":
        description: The updated item
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ItemRead"}
      "404":
        description: No such item
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ErrorMessage"}
      "409":
        description: The name is taken
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ErrorMessage"}
      "422":
        description: Invalid body
        content:
          application/json:
            schema: {$ref: "#/components/schemas/HTTPValidationError"}
    """
    data = parse_body(ItemUpdate)
    try:
        item = service.update_item(item_id, data)
    except service.DuplicateNameError as exc:
        abort(409, description=str(exc))
    if item is None:
        _not_found(item_id)
    return _dump(item)


@bp.delete("/<int:item_id>")
def delete_item(item_id: int) -> ResponseReturnValue:
    """Delete an item.
    ---
    tags: [items]
    parameters:
      - {name: item_id, in: path, required: true, schema: {type: integer, minimum: 0}}
    responses:
      "204":
        description: Deleted
      "404":
        description: No such item
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ErrorMessage"}
    """
    if not service.delete_item(item_id):
        _not_found(item_id)
    return "", 204
