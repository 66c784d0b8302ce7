"""Liveness, readiness, and the shared resources the lifespan opens and closes."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from fastapi_full_stack.config import Settings, get_settings
from fastapi_full_stack.main import create_app

pytestmark = pytest.mark.anyio
MakeClient = Callable[[Settings], AbstractAsyncContextManager[AsyncClient]]


async def test_health_is_ok(client: AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_database_answers(client: AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_ready_is_503_when_database_is_unreachable(make_client: MakeClient) -> None:
    # Port 1 on loopback refuses connections at once; the app must still start.
    unreachable = "postgresql://postgres@127.0.0.1:1/nowhere"
    async with make_client(Settings(database_url=unreachable)) as client:
        response = await client.get("/ready")
        assert (await client.get("/health")).status_code == 200
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["detail"].startswith("database: ")
    assert "127.0.0.1" not in body["detail"]


@pytest.mark.usefixtures("_migrated")
async def test_lifespan_opens_and_closes_shared_resources() -> None:
    app = create_app(get_settings())
    async with LifespanManager(app):
        http_client = app.state.http_client
        database = app.state.database
        assert isinstance(http_client, httpx.AsyncClient)
        assert not http_client.is_closed
        # One pool, bounded by the settings (README, "Connections").
        assert database.pool.get_max_size() == get_settings().db_pool_max_size
        assert database.pool.get_min_size() == get_settings().db_pool_min_size
        assert (await _ready(app)).status_code == 200
    assert http_client.is_closed
    assert database.pool.is_closing()


async def _ready(app: FastAPI) -> httpx.Response:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://localhost") as client:
        return await client.get("/ready")
