"""The OpenAPI document and its two UIs."""

import pytest
from httpx import AsyncClient

pytestmark = pytest.mark.anyio


async def test_openapi_lists_every_endpoint(client: AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths) >= {"/health", "/ready", "/predict", "/predict/batch", "/model", "/aggregate"}
    # Diagnostics are off, so they are not documented either.
    assert not any(path.startswith("/_diag") for path in paths)


async def test_openapi_documents_error_bodies(client: AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    batch_responses = spec["paths"]["/predict/batch"]["post"]["responses"]
    assert {"413", "422", "503"} <= set(batch_responses)
    assert "503" in spec["paths"]["/predict"]["post"]["responses"]
    assert "503" in spec["paths"]["/ready"]["get"]["responses"]


@pytest.mark.parametrize(("path", "marker"), [("/docs", "swagger-ui"), ("/redoc", "redoc")])
async def test_docs_ui_is_served(client: AsyncClient, path: str, marker: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert marker in response.text.lower()
