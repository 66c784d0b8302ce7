"""The connection budget: one small pool per process, and 503 + Retry-After, never a 500,
when no connection can be had in time or the database stops answering."""

import asyncio
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AbstractContextManager

import anyio
import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import make_url

from fastapi_ml_serving.config import Settings, get_settings
from fastapi_ml_serving.db import Database
from fastapi_ml_serving.main import create_app

pytestmark = pytest.mark.anyio
MakeClient = Callable[[Settings], AbstractAsyncContextManager[AsyncClient]]
Serve = Callable[..., AbstractContextManager[str]]
# A route that needs a connection (the diagnostics route is enabled where this is asked).
DB_ROUTE = "/_diag/db-sleep?seconds=0"


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def assert_unavailable(response: httpx.Response) -> None:
    """503 with Retry-After and the usual {"detail": ...} body."""
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert response.json() == {"detail": "The database is unavailable; retry shortly"}


def test_pool_exhausted_answers_503_over_http(production_server: Serve) -> None:
    # Two slow queries hold the whole pool; the next request waits 0.5 s for a connection.
    settings = {
        "ENABLE_DIAGNOSTICS": "true",
        "DB_POOL_MAX_SIZE": "2",
        "DB_POOL_TIMEOUT_SECONDS": "0.5",
    }
    with production_server(**settings) as base, httpx.Client(base_url=base, timeout=10) as client:

        async def hold_and_ask() -> tuple[list[int], httpx.Response]:
            async with httpx.AsyncClient(base_url=base, timeout=10) as slow:
                holders = [slow.get("/_diag/db-sleep?seconds=2") for _ in range(2)]
                tasks = [asyncio.ensure_future(holder) for holder in holders]
                await asyncio.sleep(0.5)  # both slow requests now hold a connection
                blocked = await slow.get(DB_ROUTE)
                return [r.status_code for r in await asyncio.gather(*tasks)], blocked

        held, blocked = asyncio.run(hold_and_ask())
        assert held == [200, 200]
        assert_unavailable(blocked)
        # The pool recovers once the slow queries return their connections.
        assert client.get("/ready").status_code == 200


async def test_database_at_its_connection_limit_answers_503(make_client: MakeClient) -> None:
    # A role allowed one connection, held by this test: the app's first connect is refused
    # with "too many connections" (53300), as when the server's max_connections is reached.
    url = make_url(get_settings().database_url)
    role = f"limited_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_plain(get_settings().database_url))
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{role}' CONNECTION LIMIT 1")
        limited = url.set(username=role, password=role).render_as_string(hide_password=False)
        holder = await asyncpg.connect(_plain(limited))
        try:
            settings = Settings(database_url=limited, db_pool_min_size=0, enable_diagnostics=True)
            async with make_client(settings) as client:
                response = await client.get(DB_ROUTE)
                ready = await client.get("/ready")
        finally:
            await holder.close()
        assert_unavailable(response)
        assert ready.status_code == 503
        assert ready.json()["detail"] == "database: TooManyConnectionsError"
    finally:
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.close()


async def test_statement_timeout_answers_503(make_client: MakeClient) -> None:
    # The server cancels a statement that runs past DB_STATEMENT_TIMEOUT_SECONDS.
    settings = Settings(enable_diagnostics=True, db_statement_timeout_seconds=0.2)
    async with make_client(settings) as client:
        response = await client.get("/_diag/db-sleep?seconds=2")
        # The connection went back to the pool in a usable state.
        after = await client.get("/_diag/db-sleep?seconds=0")
    assert_unavailable(response)
    assert after.status_code == 200


async def test_unresponsive_database_answers_503(make_client: MakeClient) -> None:
    # A server that accepts TCP connections and never answers: the connect timeout fires.
    async def silent(_reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await anyio.sleep_forever()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        settings = Settings(
            database_url=f"postgresql://postgres@127.0.0.1:{port}/nowhere",
            db_pool_min_size=0,
            db_connect_timeout_seconds=0.3,
            enable_diagnostics=True,
        )
        async with make_client(settings) as client:
            response = await client.get(DB_ROUTE)
    finally:
        server.close()
    assert_unavailable(response)


@pytest.mark.usefixtures("_migrated")
async def test_one_pool_never_exceeds_its_maximum() -> None:
    # Nine concurrent slow requests share three connections instead of opening nine.
    app = create_app(Settings(enable_diagnostics=True, db_pool_max_size=3))
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://localhost"
        ) as client,
    ):
        responses = await asyncio.gather(
            *(client.get("/_diag/db-sleep?seconds=0.1") for _ in range(9))
        )
        database: Database = app.state.database
        assert [r.status_code for r in responses] == [200] * 9
        assert database.pool.get_size() == 3
    assert database.pool.is_closing()
