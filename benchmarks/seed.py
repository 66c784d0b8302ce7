"""Database chores run in the harness's venv: seed items, report the server's version."""

import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg

ROWS_SQL = """
INSERT INTO items (name, description, created_at, updated_at)
SELECT 'item-' || n, 'seeded row ' || n, now(), now() FROM generate_series(1, $1) AS n
"""


async def seed(url: str, rows: str) -> None:
    """Empty the items table, fill it with `rows` rows, then ANALYZE so plans are realistic."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("TRUNCATE items RESTART IDENTITY")
        await conn.execute(ROWS_SQL, int(rows))
        await conn.execute("VACUUM ANALYZE items")
    finally:
        await conn.close()


async def version(url: str) -> None:
    """Print the server's version string."""
    conn = await asyncpg.connect(url)
    try:
        print(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


COMMANDS: dict[str, Callable[..., Coroutine[Any, Any, None]]] = {
    "seed": seed,
    "version": version,
}

if __name__ == "__main__":
    command, *args = sys.argv[1:]
    asyncio.run(COMMANDS[command](*args))
