"""Item persistence: the one place that queries and changes items."""

import asyncpg
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from .models import Item
from .schemas import INT4_MAX, ItemCreate, ItemPage, ItemRead, ItemUpdate

# Reads use Core on the table: rows, not tracked ORM objects, are all a read needs.
_items = Item.__table__
# Built once at import: constructing a statement per request costs more CPU than running it.
_SELECT_BY_ID = select(_items).where(_items.c.id == bindparam("item_id"))
_SELECT_PAGE = (
    select(_items).order_by(_items.c.id).limit(bindparam("limit")).offset(bindparam("offset"))
)
_COUNT = select(func.count()).select_from(_items)
# The same query as _SELECT_BY_ID in plain SQL, for the bare driver on the API's hot path.
_SQL_BY_ID = "SELECT id, name, description, created_at, updated_at FROM items WHERE id = $1"


class DuplicateNameError(Exception):
    """Another item already has this name."""


async def list_items(engine: AsyncEngine, limit: int, offset: int) -> ItemPage:
    """One page of items in id order, and how many items exist."""
    async with engine.connect() as conn:
        rows = (await conn.execute(_SELECT_PAGE, {"limit": limit, "offset": offset})).all()
        total = await conn.scalar(_COUNT)
    return ItemPage(
        items=[ItemRead.model_validate(row) for row in rows],
        total=total or 0,
        limit=limit,
        offset=offset,
    )


async def get_item(engine: AsyncEngine, item_id: int) -> ItemRead | None:
    """The item with this id, if any."""
    if not _may_exist(item_id):
        return None
    async with engine.connect() as conn:
        row = (await conn.execute(_SELECT_BY_ID, {"item_id": item_id})).first()
    return None if row is None else ItemRead.model_validate(row)


async def fetch_item(pool: "asyncpg.Pool[asyncpg.Record]", item_id: int) -> ItemRead | None:
    """The item with this id, read through the bare asyncpg pool (GET /api/items/{id})."""
    if not _may_exist(item_id):
        return None
    row = await pool.fetchrow(_SQL_BY_ID, item_id)
    return None if row is None else ItemRead.model_validate(dict(row))


async def create_item(session: AsyncSession, data: ItemCreate) -> ItemRead:
    """Insert a new item; DuplicateNameError if the name is taken."""
    item = Item(**data.model_dump())
    session.add(item)
    await _commit(session, data.name)
    return ItemRead.model_validate(item)


async def update_item(session: AsyncSession, item_id: int, data: ItemUpdate) -> ItemRead | None:
    """Apply the fields that were sent; None if there is no such item."""
    item = await _find(session, item_id)
    if item is None:
        return None
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(item, field, value)
    await _commit(session, item.name)
    return ItemRead.model_validate(item)


async def delete_item(session: AsyncSession, item_id: int) -> bool:
    """Delete the item; False if there was none."""
    item = await _find(session, item_id)
    if item is None:
        return False
    await session.delete(item)
    await session.commit()
    return True


def _may_exist(item_id: int) -> bool:
    # Ids are positive 32-bit; anything else cannot exist and would overflow the query parameter.
    return 0 < item_id <= INT4_MAX


async def _find(session: AsyncSession, item_id: int) -> Item | None:
    return await session.get(Item, item_id) if _may_exist(item_id) else None


async def _commit(session: AsyncSession, name: str) -> None:
    # The unique index decides, so two concurrent writers cannot both take a name.
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise DuplicateNameError(f"An item named {name!r} already exists") from exc
