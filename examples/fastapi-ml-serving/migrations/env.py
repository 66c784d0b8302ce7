"""Alembic environment: migrates the app's database (from DATABASE_URL) with its async driver."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine

from fastapi_ml_serving.config import Settings
from fastapi_ml_serving.db import Base
from fastapi_ml_serving.ml import prediction_log as _prediction_log  # noqa: F401 - registers the log table

config = context.config
if config.config_file_name is not None:
    # Keep the caller's loggers alive when migrations run inside it (e.g. the test suite).
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata
# Read afresh, not the cached app settings: tests and tools may point DATABASE_URL elsewhere.
database_url = Settings().database_url


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (`alembic upgrade head --sql`)."""
    context.configure(url=database_url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    """Run migrations over one connection of a throwaway engine."""
    engine = create_async_engine(database_url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_on)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
