"""Fixtures: one migrated database per session, emptied after every test."""

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# Settings are read from the environment, so pin it before the app is imported.
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/fastapi_ml_serving_test")
os.environ["ENVIRONMENT"] = "test"
os.environ["ALLOWED_HOSTS"] = "localhost,127.0.0.1"
os.environ["ENABLE_DIAGNOSTICS"] = "false"

from fastapi_ml_serving.config import Settings, get_settings
from fastapi_ml_serving.db import Base
from fastapi_ml_serving.main import create_app
from fastapi_ml_serving.ml.artefact import save
from fastapi_ml_serving.ml.train import train

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BASE_URL = "http://localhost"


async def _ensure_database(url: str) -> None:
    """Create the test database if it does not exist yet."""
    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            )
            if not exists:
                name = conn.dialect.identifier_preparer.quote(str(target.database))
                await conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        await admin.dispose()


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """asyncpg and the app run on asyncio; one event loop serves the whole session."""
    return "asyncio"


@pytest.fixture(scope="session", autouse=True)
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Train the model once into a temporary MODEL_PATH, before any app starts."""
    path = tmp_path_factory.mktemp("model") / "model.joblib"
    save(train(), path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MODEL_PATH", str(path))
        get_settings.cache_clear()
        yield path


@pytest.fixture(scope="session")
def _migrated() -> None:
    """Apply the migrations once, before any event loop runs (alembic's env starts its own)."""
    get_settings.cache_clear()
    asyncio.run(_ensure_database(get_settings().database_url))
    command.upgrade(Config(str(PROJECT_ROOT / "alembic.ini")), "head")


@pytest.fixture(scope="session")
async def app(_migrated: None, anyio_backend: str) -> AsyncIterator[FastAPI]:
    """The app under test, its lifespan running (pool open, HTTP client ready) all session."""
    app = create_app(get_settings())
    async with LifespanManager(app):
        yield app


@pytest.fixture
async def client(app: FastAPI, anyio_backend: str) -> AsyncIterator[AsyncClient]:
    """An HTTP client for the session's app; every table is emptied after the test."""
    async with AsyncClient(transport=ASGITransport(app=app), base_url=BASE_URL) as client:
        yield client
    await _empty_tables(app.state.engine)


@pytest.fixture
def make_client(_migrated: None) -> Callable[[Settings], AbstractAsyncContextManager[AsyncClient]]:
    """Serve an app built from other settings, its lifespan run, for as long as the block."""

    @asynccontextmanager
    async def serve(settings: Settings) -> AsyncIterator[AsyncClient]:
        app = create_app(settings)
        async with (
            LifespanManager(app) as manager,
            AsyncClient(transport=ASGITransport(app=manager.app), base_url=BASE_URL) as client,
        ):
            yield client

    return serve


async def _empty_tables(engine: AsyncEngine) -> None:
    """Isolate tests: remove every row the test wrote."""
    tables = Base.metadata.sorted_tables
    if not tables:
        return
    async with engine.begin() as conn:
        names = ", ".join(conn.dialect.identifier_preparer.format_table(t) for t in tables)
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
