"""The database engine, its pool and the ORM base class."""

import asyncio
import logging

import asyncpg
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

logger = logging.getLogger(__name__)

# Per worker process; WEB_CONCURRENCY x (POOL_SIZE + READ_POOL_SIZE) must fit max_connections.
POOL_SIZE = 20
# The bare asyncpg pool behind GET /api/items/{id}: a one-row read holds a connection briefly.
READ_POOL_SIZE = 10
CONNECT_TIMEOUT_SECONDS = 5


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


def create_engine(url: str) -> AsyncEngine:
    """An async engine with a sized pool for `url`."""
    return create_async_engine(
        url,
        pool_size=POOL_SIZE,
        # A fixed pool: overflow connections are closed on return, so under load they churn.
        max_overflow=0,
        # No pre-ping: it costs a round trip per checkout; recycling bounds stale connections.
        pool_recycle=1800,
        # Give up connecting after 5 s, so a dead server cannot stall startup or /ready.
        connect_args={"timeout": CONNECT_TIMEOUT_SECONDS},
    )


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """The same pool, but plain reads skip BEGIN/ROLLBACK (one round trip instead of three)."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for writes; objects stay readable after commit without another SELECT."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def warm_up(engine: AsyncEngine) -> None:
    """Open POOL_SIZE connections now, so the first requests do not pay for connecting."""
    # Held all at once, or the pool would hand back the same connection each time.
    opened = await asyncio.gather(
        *(engine.connect().start() for _ in range(POOL_SIZE)), return_exceptions=True
    )
    for conn in opened:
        if isinstance(conn, AsyncConnection):
            await conn.close()
    failures = [type(exc).__name__ for exc in opened if isinstance(exc, BaseException)]
    if failures:
        # Start anyway: /ready reports the database as unavailable until it answers.
        logger.warning("database unreachable at startup: %s", failures[0])


async def create_read_pool(url: str) -> "asyncpg.Pool[asyncpg.Record]":
    """A bare asyncpg pool for the hottest read, warmed now (half the CPU of SQLAlchemy's)."""
    pool: asyncpg.Pool[asyncpg.Record] = asyncpg.create_pool(
        url.replace("postgresql+asyncpg://", "postgresql://", 1),
        # Connect lazily, so a database that is down does not stop startup (see warm-up below).
        min_size=0,
        max_size=READ_POOL_SIZE,
        # Keep warmed connections open instead of closing them after 5 idle minutes.
        max_inactive_connection_lifetime=0,
        # Reads change no session state, so skip the RESET ALL round trip on every release.
        reset=_keep_session,
        timeout=CONNECT_TIMEOUT_SECONDS,
    )
    await pool
    opened = await asyncio.gather(
        *(pool.acquire() for _ in range(READ_POOL_SIZE)), return_exceptions=True
    )
    for conn in opened:
        if not isinstance(conn, BaseException):
            await pool.release(conn)
    failures = [type(exc).__name__ for exc in opened if isinstance(exc, BaseException)]
    if failures:
        logger.warning("database unreachable at startup: %s", failures[0])
    return pool


async def _keep_session(_conn: "asyncpg.Connection[asyncpg.Record]") -> None:
    return None
