"""Item persistence: the one place that queries and changes items."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .models import Item
from .schemas import INT4_MAX, ItemCreate, ItemUpdate


class DuplicateNameError(Exception):
    """Another item already has this name."""


def list_items(limit: int, offset: int) -> tuple[Sequence[Item], int]:
    """One page of items in id order, and how many items exist."""
    items = db.session.scalars(select(Item).order_by(Item.id).limit(limit).offset(offset)).all()
    total = db.session.scalar(select(func.count()).select_from(Item)) or 0
    return items, total


def get_item(item_id: int) -> Item | None:
    """The item with this id, if any."""
    # Ids are 32-bit; a larger one cannot exist and would overflow the query parameter.
    if item_id > INT4_MAX:
        return None
    return db.session.get(Item, item_id)


def create_item(data: ItemCreate) -> Item:
    """Insert a new item; DuplicateNameError if the name is taken."""
    item = Item(**data.model_dump())
    db.session.add(item)
    _commit(data.name)
    return item


def update_item(item: Item, data: ItemUpdate) -> Item:
    """Apply the fields that were sent; DuplicateNameError if the new name is taken."""
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(item, field, value)
    _commit(item.name)
    return item


def delete_item(item: Item) -> None:
    """Delete the item."""
    db.session.delete(item)
    db.session.commit()


def _commit(name: str) -> None:
    # The unique index decides, so two concurrent creates cannot both win.
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise DuplicateNameError(f"An item named {name!r} already exists") from exc
