"""The database: one connection pool per process, and the tables' base class (for migrations).

Every query goes through `Database.connection()`, the same way everywhere:
- a single statement (a read, or a write such as `INSERT ... RETURNING`) runs alone in
  autocommit: one round trip, no BEGIN/COMMIT;
- a change made of several statements runs in one explicit transaction
  (`async with conn.transaction():`).
A request that cannot get a connection in time, or whose database stops answering, raises
DatabaseUnavailableError, which errors.py answers with 503 and Retry-After.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .config import Settings

logger = logging.getLogger(__name__)

# What the data layer works with: a connection borrowed from the pool for one `async with`.
# (A string: the proxy class is generic only to type checkers.)
Connection: TypeAlias = "PoolConnectionProxy[asyncpg.Record]"
# The driver's answers for "no connection in time" and "the database did not answer": the pool or
# a query timed out, the connection was refused or lost, the server cancelled the statement or is
# shutting down (57xxx), or it is out of connections or other resources (53xxx).
UNAVAILABLE = (
    TimeoutError,
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
)
# The server cancels a query at DB_STATEMENT_TIMEOUT_SECONDS; the client gives up a little later,
# for a server that does not answer at all.
CLIENT_GRACE_SECONDS = 1.0


class Base(DeclarativeBase):
    """Declarative base."""

    # Fixed constraint names: migrations can refer to them, and autogenerate stays stable.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class DatabaseUnavailableError(Exception):
    """No connection within the pool timeout, or the database did not answer: retry later."""


class Database:
    """The process's one connection pool, opened in the app's lifespan."""

    def __init__(self, pool: "asyncpg.Pool[asyncpg.Record]", acquire_timeout: float) -> None:
        self.pool = pool
        self.acquire_timeout = acquire_timeout

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """A connection for the block, returned to the pool after it."""
        try:
            async with self.pool.acquire(timeout=self.acquire_timeout) as conn:
                yield conn
        except UNAVAILABLE as exc:
            # One line, no traceback: the cause is the database's state, not this code.
            logger.warning("database unavailable: %s", type(exc).__name__)
            raise DatabaseUnavailableError(type(exc).__name__) from exc

    async def ping(self) -> None:
        """One `SELECT 1`; DatabaseUnavailableError if the database does not answer."""
        async with self.connection() as conn:
            await conn.execute("SELECT 1")

    async def close(self) -> None:
        """Close every connection (at shutdown)."""
        await self.pool.close()


async def open_database(settings: Settings) -> Database:
    """The pool, sized and timed by the DB_POOL_* and DB_*_TIMEOUT_SECONDS settings."""
    pool = _create_pool(settings, settings.db_pool_min_size)
    try:
        await pool
    except UNAVAILABLE as exc:
        # Start anyway: /ready reports the database as unavailable until it answers, and
        # connections open on demand from then on.
        logger.warning("database unreachable at startup: %s", type(exc).__name__)
        pool = _create_pool(settings, 0)
        await pool
    return Database(pool, settings.db_pool_timeout_seconds)


def _create_pool(settings: Settings, min_size: int) -> "asyncpg.Pool[asyncpg.Record]":
    return asyncpg.create_pool(
        # asyncpg takes the plain URL; settings name the driver for alembic's SQLAlchemy engine.
        settings.database_url.replace("postgresql+asyncpg://", "postgresql://", 1),
        min_size=min_size,
        max_size=settings.db_pool_max_size,
        timeout=settings.db_connect_timeout_seconds,
        command_timeout=settings.db_statement_timeout_seconds + CLIENT_GRACE_SECONDS,
        server_settings={
            "statement_timeout": str(round(settings.db_statement_timeout_seconds * 1000)),
            "application_name": "fastapi_ml_serving",
        },
        # No code here changes session state (SET, LISTEN, advisory locks), so a released
        # connection needs no RESET ALL round trip; asyncpg still rolls back an open transaction.
        reset=_keep_session,
    )


async def _keep_session(_conn: "asyncpg.Connection[asyncpg.Record]") -> None:
    return None
