"""Item persistence: the one place that queries and changes items.

Every operation is one SQL statement on an autocommit connection, so one round trip: the unique
index on name decides conflicts (409), and `RETURNING` hands back the row as it was written.
"""

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import autocommit
from .models import Item
from .schemas import INT4_MAX, ItemCreate, ItemRead, ItemUpdate

items: Table = Item.__table__  # type: ignore[assignment]
# Built once at import: constructing a statement per request costs more CPU than running it.
_BY_ID = select(items).where(items.c.id == bindparam("item_id"))
_COUNT = select(func.count()).select_from(items)
_INSERT = insert(items).returning(items)
_DELETE = delete(items).where(items.c.id == bindparam("item_id"))


class DuplicateNameError(Exception):
    """Another item already has this name."""


def list_items(limit: int, offset: int) -> tuple[list[ItemRead], int]:
    """One page of items in id order, and how many items exist."""
    page = select(items).order_by(items.c.id).limit(limit).offset(offset)
    with autocommit() as conn:
        rows = conn.execute(page).all()
        total = conn.scalar(_COUNT) or 0
    return [ItemRead.model_validate(row) for row in rows], total


def get_item(item_id: int) -> ItemRead | None:
    """The item with this id, if any."""
    # Ids are 32-bit; a larger one cannot exist and would overflow the query parameter.
    if item_id > INT4_MAX:
        return None
    with autocommit() as conn:
        row = conn.execute(_BY_ID, {"item_id": item_id}).first()
    return None if row is None else ItemRead.model_validate(row)


def create_item(data: ItemCreate) -> ItemRead:
    """Insert a new item; DuplicateNameError if the name is taken."""
    try:
        with autocommit() as conn:
            row = conn.execute(_INSERT, data.model_dump()).one()
    except IntegrityError as exc:
        raise DuplicateNameError(f"An item named {data.name!r} already exists") from exc
    return ItemRead.model_validate(row)


def update_item(item_id: int, data: ItemUpdate) -> ItemRead | None:
    """Apply the fields that were sent; None if there is no such item."""
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return get_item(item_id)
    if item_id > INT4_MAX:
        return None
    # updated_at is set by the column's onupdate.
    statement = update(items).where(items.c.id == item_id).values(changes).returning(items)
    try:
        with autocommit() as conn:
            row = conn.execute(statement).first()
    except IntegrityError as exc:
        raise DuplicateNameError(f"An item named {changes['name']!r} already exists") from exc
    return None if row is None else ItemRead.model_validate(row)


def delete_item(item_id: int) -> bool:
    """Delete the item; False if there was none."""
    if item_id > INT4_MAX:
        return False
    with autocommit() as conn:
        return conn.execute(_DELETE, {"item_id": item_id}).rowcount > 0
