"""The CSRF token check on its own, on a minimal app with a session."""

from collections.abc import AsyncIterator
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Form, Request
from httpx import ASGITransport, AsyncClient
from starlette.middleware.sessions import SessionMiddleware

from fastapi_full_stack.web import csrf

pytestmark = pytest.mark.anyio


def _app() -> FastAPI:
    app = FastAPI(dependencies=[Depends(csrf.require_token)])

    @app.get("/form")
    async def form(request: Request) -> dict[str, str]:
        return {"token": csrf.get_token(request)}

    @app.post("/form")
    async def submit(value: Annotated[str, Form()]) -> dict[str, str]:
        return {"value": value}

    @app.post("/rotate")
    async def rotate(request: Request) -> dict[str, str]:
        csrf.rotate_token(request)
        return {"token": csrf.get_token(request)}

    app.add_middleware(SessionMiddleware, secret_key="csrf-test-" + "s" * 32)
    return app


@pytest.fixture
def csrf_app() -> FastAPI:
    """The minimal app, shared by every client of one test."""
    return _app()


@pytest.fixture
async def client(csrf_app: FastAPI, anyio_backend: str) -> AsyncIterator[AsyncClient]:
    """A client of the minimal app, keeping its session cookie."""
    transport = ASGITransport(app=csrf_app)
    async with AsyncClient(transport=transport, base_url="http://localhost") as client:
        yield client


async def _token(client: AsyncClient) -> str:
    token: str = (await client.get("/form")).json()["token"]
    return token


async def test_token_is_stable_within_a_session(client: AsyncClient) -> None:
    first = await _token(client)
    assert len(first) >= 32
    assert await _token(client) == first


async def test_post_with_the_session_token_passes(client: AsyncClient) -> None:
    token = await _token(client)
    response = await client.post("/form", data={"value": "x", "csrf_token": token})
    assert response.status_code == 200
    assert response.json() == {"value": "x"}


@pytest.mark.parametrize(
    "data",
    [{"value": "x"}, {"value": "x", "csrf_token": ""}, {"value": "x", "csrf_token": "forged"}],
)
async def test_post_without_the_right_token_is_403(
    client: AsyncClient, data: dict[str, str]
) -> None:
    await _token(client)
    response = await client.post("/form", data=data)
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF token missing or invalid"}


async def test_post_before_any_session_is_403(client: AsyncClient) -> None:
    response = await client.post("/form", data={"value": "x", "csrf_token": "anything"})
    assert response.status_code == 403


async def test_token_of_another_session_is_403(client: AsyncClient, csrf_app: FastAPI) -> None:
    transport = ASGITransport(app=csrf_app)
    async with AsyncClient(transport=transport, base_url="http://localhost") as other:
        stolen = await _token(other)
    await _token(client)
    response = await client.post("/form", data={"value": "x", "csrf_token": stolen})
    assert response.status_code == 403


async def test_json_body_cannot_carry_the_token(client: AsyncClient) -> None:
    token = await _token(client)
    response = await client.post("/form", json={"value": "x", "csrf_token": token})
    assert response.status_code == 403


async def test_rotation_invalidates_the_old_token(client: AsyncClient) -> None:
    old = await _token(client)
    new = (await client.post("/rotate", data={"csrf_token": old})).json()["token"]
    assert new != old
    response = await client.post("/form", data={"value": "x", "csrf_token": old})
    assert response.status_code == 403
