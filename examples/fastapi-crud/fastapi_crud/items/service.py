"""Item persistence: the one place that queries and changes items.

Each operation is one statement in autocommit (db.py): one round trip, and the unique index on
name decides a 409, so two concurrent writers cannot both take a name.
"""

import asyncpg

from ..db import Database
from .schemas import INT4_MAX, ItemCreate, ItemPage, ItemRead, ItemUpdate

SELECT_ONE = "SELECT id, name, description, created_at, updated_at FROM items WHERE id = $1"
SELECT_PAGE = (
    "SELECT id, name, description, created_at, updated_at FROM items ORDER BY id LIMIT $1 OFFSET $2"
)
COUNT = "SELECT count(*) FROM items"
INSERT = (
    "INSERT INTO items (name, description) VALUES ($1, $2)"
    " RETURNING id, name, description, created_at, updated_at"
)
# Only the fields sent change: a name that was not sent is NULL here, and $3 says whether a
# description (which may be null) was sent.
UPDATE = (
    "UPDATE items SET name = coalesce($2, name),"
    " description = CASE WHEN $3 THEN $4 ELSE description END, updated_at = now()"
    " WHERE id = $1 RETURNING id, name, description, created_at, updated_at"
)
DELETE = "DELETE FROM items WHERE id = $1 RETURNING id"


class DuplicateNameError(Exception):
    """Another item already has this name."""


async def list_items(db: Database, limit: int, offset: int) -> ItemPage:
    """One page of items in id order, and how many items exist."""
    async with db.connection() as conn:
        rows = await conn.fetch(SELECT_PAGE, limit, offset)
        total = await conn.fetchval(COUNT)
    items = [ItemRead.model_validate(dict(row)) for row in rows]
    return ItemPage(items=items, total=total or 0, limit=limit, offset=offset)


async def get_item(db: Database, item_id: int) -> ItemRead | None:
    """The item with this id, if any."""
    if not _may_exist(item_id):
        return None
    async with db.connection() as conn:
        row = await conn.fetchrow(SELECT_ONE, item_id)
    return None if row is None else ItemRead.model_validate(dict(row))


async def create_item(db: Database, data: ItemCreate) -> ItemRead:
    """Insert a new item; DuplicateNameError if the name is taken."""
    try:
        async with db.connection() as conn:
            [row] = await conn.fetch(INSERT, data.name, data.description)  # RETURNING: one row
    except asyncpg.UniqueViolationError as exc:
        raise DuplicateNameError(f"An item named {data.name!r} already exists") from exc
    return ItemRead.model_validate(dict(row))


async def update_item(db: Database, item_id: int, data: ItemUpdate) -> ItemRead | None:
    """Apply the fields that were sent; None if there is no such item."""
    if not data.model_fields_set:
        return await get_item(db, item_id)
    if not _may_exist(item_id):
        return None
    try:
        async with db.connection() as conn:
            described = "description" in data.model_fields_set
            row = await conn.fetchrow(UPDATE, item_id, data.name, described, data.description)
    except asyncpg.UniqueViolationError as exc:
        raise DuplicateNameError(f"An item named {data.name!r} already exists") from exc
    return None if row is None else ItemRead.model_validate(dict(row))


async def delete_item(db: Database, item_id: int) -> bool:
    """Delete the item; False if there was none."""
    if not _may_exist(item_id):
        return False
    async with db.connection() as conn:
        deleted = await conn.fetchval(DELETE, item_id)
    return deleted is not None


def _may_exist(item_id: int) -> bool:
    # Ids are positive 32-bit; anything else cannot exist and would overflow the query parameter.
    return 0 < item_id <= INT4_MAX
