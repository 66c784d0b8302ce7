"""Errors the framework raises are JSON bodies too."""

import json

import pytest
from httpx import ASGITransport, AsyncClient

from fastapi_crud.config import get_settings
from fastapi_crud.main import create_app

pytestmark = pytest.mark.anyio


async def test_unknown_path_is_json_404(client: AsyncClient) -> None:
    response = await client.get("/no/such/path")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


async def test_wrong_method_is_json_405(client: AsyncClient) -> None:
    response = await client.put("/api/items")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert "POST" in response.headers["allow"]


async def test_unhandled_error_is_json_500_with_headers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = create_app(get_settings())  # binds the log handler to the captured stdout

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    # Nothing escapes to the server (which would drop a kept-alive connection): the log gets
    # the traceback, the client a bare JSON 500 with every header of any other response.
    transport = ASGITransport(app=app, raise_app_exceptions=True)
    async with AsyncClient(transport=transport, base_url="http://localhost") as client:
        response = await client.get("/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    assert response.headers["x-request-id"] == "boom-1"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in response.headers
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    error = next(entry for entry in logged if entry["level"] == "ERROR")
    assert error["request_id"] == "boom-1"
    assert "RuntimeError: secret internals" in error["exc_info"]
