"""The items resource: CRUD, pagination and every error path."""

from datetime import datetime
from typing import Any

import pytest
from httpx import AsyncClient

pytestmark = pytest.mark.anyio


async def create(client: AsyncClient, **body: Any) -> dict[str, Any]:
    """POST an item and return its JSON, asserting it was created."""
    response = await client.post("/api/items", json=body)
    assert response.status_code == 201, response.json()
    item: dict[str, Any] = response.json()
    return item


async def test_create_returns_the_item(client: AsyncClient) -> None:
    item = await create(client, name="widget", description="a small part")
    assert item["name"] == "widget"
    assert item["description"] == "a small part"
    assert isinstance(item["id"], int)
    created = datetime.fromisoformat(item["created_at"])
    assert created.tzinfo is not None
    assert datetime.fromisoformat(item["updated_at"]) == created


async def test_create_without_description(client: AsyncClient) -> None:
    assert (await create(client, name="bare"))["description"] is None


async def test_create_duplicate_name_is_409(client: AsyncClient) -> None:
    await create(client, name="widget")
    response = await client.post("/api/items", json={"name": "widget"})
    assert response.status_code == 409
    assert response.json() == {"detail": "An item named 'widget' already exists"}


@pytest.mark.parametrize(
    ("body", "loc", "error_type"),
    [
        ({}, ["body", "name"], "missing"),
        ({"name": ""}, ["body", "name"], "string_too_short"),
        ({"name": "x" * 101}, ["body", "name"], "string_too_long"),
        ({"name": 5}, ["body", "name"], "string_type"),
        ({"name": "ok", "description": "d" * 1001}, ["body", "description"], "string_too_long"),
        ({"name": "nul\x00byte"}, ["body", "name"], "string_pattern_mismatch"),
    ],
)
async def test_create_invalid_body_is_422(
    client: AsyncClient, body: dict[str, Any], loc: list[str], error_type: str
) -> None:
    response = await client.post("/api/items", json=body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == loc
    assert error["type"] == error_type
    assert error["msg"]


async def test_create_malformed_json_is_422(client: AsyncClient) -> None:
    response = await client.post(
        "/api/items", content="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"
    assert response.json()["detail"][0]["type"] == "json_invalid"


async def test_list_is_paginated_in_id_order(client: AsyncClient) -> None:
    ids = [(await create(client, name=f"item-{n}"))["id"] for n in range(3)]
    response = await client.get("/api/items?limit=2&offset=1")
    assert response.status_code == 200
    page = response.json()
    assert [item["id"] for item in page["items"]] == ids[1:]
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 1)


async def test_list_defaults(client: AsyncClient) -> None:
    response = await client.get("/api/items")
    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 0, "limit": 20, "offset": 0}


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("limit=0", ["query", "limit"]),
        ("limit=101", ["query", "limit"]),
        ("limit=abc", ["query", "limit"]),
        ("offset=-1", ["query", "offset"]),
    ],
)
async def test_list_invalid_query_is_422(client: AsyncClient, query: str, loc: list[str]) -> None:
    response = await client.get(f"/api/items?{query}")
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [loc]


async def test_get_returns_the_item(client: AsyncClient) -> None:
    item = await create(client, name="widget")
    response = await client.get(f"/api/items/{item['id']}")
    assert response.status_code == 200
    assert response.json() == item


@pytest.mark.parametrize("item_id", [5, 0, -1, 2**31, 10**30])
async def test_get_missing_is_404(client: AsyncClient, item_id: int) -> None:
    response = await client.get(f"/api/items/{item_id}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"Item {item_id} not found"}


async def test_patch_changes_only_the_sent_fields(client: AsyncClient) -> None:
    item = await create(client, name="widget", description="before")
    response = await client.patch(f"/api/items/{item['id']}", json={"description": "after"})
    assert response.status_code == 200
    updated = response.json()
    assert (updated["name"], updated["description"]) == ("widget", "after")
    assert updated["created_at"] == item["created_at"]
    assert (await client.get(f"/api/items/{item['id']}")).json() == updated


async def test_patch_can_clear_the_description(client: AsyncClient) -> None:
    item = await create(client, name="widget", description="before")
    response = await client.patch(f"/api/items/{item['id']}", json={"description": None})
    assert response.status_code == 200
    assert response.json()["description"] is None


@pytest.mark.parametrize("item_id", [5, 2**31])
async def test_patch_missing_is_404(client: AsyncClient, item_id: int) -> None:
    response = await client.patch(f"/api/items/{item_id}", json={"name": "new"})
    assert response.status_code == 404
    assert response.json() == {"detail": f"Item {item_id} not found"}


async def test_patch_to_a_taken_name_is_409(client: AsyncClient) -> None:
    await create(client, name="first")
    second = await create(client, name="second")
    response = await client.patch(f"/api/items/{second['id']}", json={"name": "first"})
    assert response.status_code == 409
    assert response.json() == {"detail": "An item named 'first' already exists"}
    assert (await client.get(f"/api/items/{second['id']}")).json() == second


@pytest.mark.parametrize(
    ("body", "error_type"), [({"name": None}, "value_error"), ({"name": ""}, "string_too_short")]
)
async def test_patch_invalid_body_is_422(
    client: AsyncClient, body: dict[str, Any], error_type: str
) -> None:
    item = await create(client, name="widget")
    response = await client.patch(f"/api/items/{item['id']}", json=body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["body", "name"], error_type)


async def test_delete_removes_the_item(client: AsyncClient) -> None:
    item = await create(client, name="widget")
    response = await client.delete(f"/api/items/{item['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"/api/items/{item['id']}")).status_code == 404


@pytest.mark.parametrize("item_id", [5, 2**31])
async def test_delete_missing_is_404(client: AsyncClient, item_id: int) -> None:
    response = await client.delete(f"/api/items/{item_id}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"Item {item_id} not found"}


async def test_path_id_must_be_an_integer(client: AsyncClient) -> None:
    response = await client.get("/api/items/abc")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "item_id"]


async def test_list_past_the_end_is_empty_with_total(client: AsyncClient) -> None:
    await create(client, name="only")
    page = (await client.get("/api/items?offset=5")).json()
    assert (page["items"], page["total"]) == ([], 1)
