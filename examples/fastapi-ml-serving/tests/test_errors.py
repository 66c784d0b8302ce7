"""Errors the framework raises are JSON bodies too."""

import pytest
from httpx import ASGITransport, AsyncClient

from fastapi_ml_serving.config import get_settings
from fastapi_ml_serving.main import create_app

pytestmark = pytest.mark.anyio


async def test_unknown_path_is_json_404(client: AsyncClient) -> None:
    response = await client.get("/no/such/path")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


async def test_wrong_method_is_json_405(client: AsyncClient) -> None:
    response = await client.put("/predict")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert "POST" in response.headers["allow"]


async def test_unhandled_error_is_json_500() -> None:
    app = create_app(get_settings())

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    # The server still sees the exception (for its log); the client gets a bare JSON 500.
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://localhost") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
