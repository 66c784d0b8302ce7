"""Item persistence: the one place that queries and changes items."""

from collections.abc import Sequence

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .models import Item
from .schemas import INT4_MAX, ItemCreate, ItemRead, ItemUpdate

_items = Item.__table__
# Built once at import: constructing a statement per request costs more CPU than running it.
_SELECT_BY_ID = select(_items).where(_items.c.id == bindparam("item_id"))


class DuplicateNameError(Exception):
    """Another item already has this name."""


def _read_only() -> None:
    """Run this request's queries in autocommit; call it before any other query."""
    # Plain reads need no transaction: autocommit saves the BEGIN and ROLLBACK round trips.
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def list_items(limit: int, offset: int) -> tuple[Sequence[Item], int]:
    """One page of items in id order, and how many items exist."""
    _read_only()
    items = db.session.scalars(select(Item).order_by(Item.id).limit(limit).offset(offset)).all()
    total = db.session.scalar(select(func.count()).select_from(Item)) or 0
    return items, total


def get_item(item_id: int) -> ItemRead | None:
    """The item with this id, if any: a Core row in autocommit, no ORM session or transaction."""
    if item_id > INT4_MAX:
        return None
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        row = conn.execute(_SELECT_BY_ID, {"item_id": item_id}).first()
    return None if row is None else ItemRead.model_validate(row)


def create_item(data: ItemCreate) -> Item:
    """Insert a new item; DuplicateNameError if the name is taken."""
    item = Item(**data.model_dump())
    db.session.add(item)
    _commit(data.name)
    return item


def update_item(item_id: int, data: ItemUpdate) -> Item | None:
    """Apply the fields that were sent; None if there is no such item."""
    item = _find(item_id)
    if item is None:
        return None
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(item, field, value)
    _commit(item.name)
    return item


def delete_item(item_id: int) -> bool:
    """Delete the item; False if there was none."""
    item = _find(item_id)
    if item is None:
        return False
    db.session.delete(item)
    db.session.commit()
    return True


def _find(item_id: int) -> Item | None:
    # Ids are 32-bit; a larger one cannot exist and would overflow the query parameter.
    if item_id > INT4_MAX:
        return None
    return db.session.get(Item, item_id)


def _commit(name: str) -> None:
    # The unique index decides, so two concurrent writers cannot both take a name.
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise DuplicateNameError(f"An item named {name!r} already exists") from exc
