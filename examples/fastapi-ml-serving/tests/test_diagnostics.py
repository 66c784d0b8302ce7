"""The diagnostics route exists only when enabled, and slow queries do not block each other."""

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import anyio
import pytest
from httpx import AsyncClient

from fastapi_ml_serving.config import Settings

pytestmark = pytest.mark.anyio
MakeClient = Callable[[Settings], AbstractAsyncContextManager[AsyncClient]]


@pytest.fixture
async def diag_client(make_client: MakeClient) -> AsyncIterator[AsyncClient]:
    """A client for an app with ENABLE_DIAGNOSTICS on."""
    async with make_client(Settings(enable_diagnostics=True)) as client:
        yield client


async def test_disabled_by_default(client: AsyncClient) -> None:
    response = await client.get("/_diag/db-sleep?seconds=0")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


async def test_db_sleep_holds_the_database(diag_client: AsyncClient) -> None:
    started = time.perf_counter()
    response = await diag_client.get("/_diag/db-sleep?seconds=0.2")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response.json() == {"slept": 0.2}
    assert elapsed >= 0.2


@pytest.mark.parametrize("seconds", ["-1", "11", "abc"])
async def test_db_sleep_rejects_bad_seconds(diag_client: AsyncClient, seconds: str) -> None:
    response = await diag_client.get(f"/_diag/db-sleep?seconds={seconds}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "seconds"]


async def test_concurrent_slow_queries_overlap(diag_client: AsyncClient) -> None:
    # Five 0.5 s queries take 2.5 s one after another; on a non-blocking stack about 0.5 s.
    statuses: list[int] = []

    async def sleep_once() -> None:
        response = await diag_client.get("/_diag/db-sleep?seconds=0.5")
        statuses.append(response.status_code)

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(sleep_once)
    elapsed = time.perf_counter() - started
    assert statuses == [200] * 5
    assert 0.5 <= elapsed < 1.5, f"5 concurrent 0.5 s queries took {elapsed:.2f} s"
