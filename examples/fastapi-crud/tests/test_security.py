"""Trusted hosts: requests naming a host that is not ours are refused before routing."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest
from httpx import AsyncClient

from fastapi_crud.config import Settings

pytestmark = pytest.mark.anyio
MakeClient = Callable[[Settings], AbstractAsyncContextManager[AsyncClient]]


@pytest.mark.parametrize(
    "host",
    [
        # The BadHost pattern behind CVE-2026-48710: a path and query smuggled into Host.
        "example.com/health?x=",
        "localhost/health?x=",
        "evil.example",
        "localhost.evil.example",
    ],
)
async def test_untrusted_host_is_rejected(client: AsyncClient, host: str) -> None:
    response = await client.get("/api/items", headers={"Host": host})
    assert response.status_code == 400
    assert response.text == "Invalid host header"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "localhost:8000"])
async def test_allowed_host_is_served(client: AsyncClient, host: str) -> None:
    response = await client.get("/health", headers={"Host": host})
    assert response.status_code == 200


async def test_wildcard_host_allows_any_host_in_development(make_client: MakeClient) -> None:
    settings = Settings(environment="development", allowed_hosts=["*"])
    async with make_client(settings) as client:
        response = await client.get("/health", headers={"Host": "anything.test"})
    assert response.status_code == 200
