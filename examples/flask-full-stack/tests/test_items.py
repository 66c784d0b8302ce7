"""The items resource: CRUD, pagination and every error path."""

from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient


def create(client: FlaskClient, **body: Any) -> dict[str, Any]:
    """POST an item and return its JSON, asserting it was created."""
    response = client.post("/api/items", json=body)
    assert response.status_code == 201, response.json
    assert response.json is not None
    item: dict[str, Any] = response.json
    return item


def test_create_returns_the_item(client: FlaskClient) -> None:
    item = create(client, name="widget", description="a small part")
    assert item["name"] == "widget"
    assert item["description"] == "a small part"
    assert isinstance(item["id"], int)
    created = datetime.fromisoformat(item["created_at"])
    assert created.tzinfo is not None
    assert datetime.fromisoformat(item["updated_at"]) == created


def test_create_without_description(client: FlaskClient) -> None:
    assert create(client, name="bare")["description"] is None


def test_create_duplicate_name_is_409(client: FlaskClient) -> None:
    create(client, name="widget")
    response = client.post("/api/items", json={"name": "widget"})
    assert response.status_code == 409
    assert response.json == {"detail": "An item named 'widget' already exists"}


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
def test_create_invalid_body_is_422(
    client: FlaskClient, body: dict[str, Any], loc: list[str], error_type: str
) -> None:
    response = client.post("/api/items", json=body)
    assert response.status_code == 422
    assert response.json is not None
    [error] = response.json["detail"]
    assert error["loc"] == loc
    assert error["type"] == error_type
    assert error["msg"]


def test_create_malformed_json_is_422(client: FlaskClient) -> None:
    response = client.post("/api/items", data="{not json", content_type="application/json")
    assert response.status_code == 422
    assert response.json is not None
    assert response.json["detail"][0]["loc"][0] == "body"
    assert response.json["detail"][0]["type"] == "json_invalid"


def test_list_is_paginated_in_id_order(client: FlaskClient) -> None:
    ids = [create(client, name=f"item-{n}")["id"] for n in range(3)]
    response = client.get("/api/items?limit=2&offset=1")
    assert response.status_code == 200
    page = response.json
    assert page is not None
    assert [item["id"] for item in page["items"]] == ids[1:]
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 1)


def test_list_defaults(client: FlaskClient) -> None:
    response = client.get("/api/items")
    assert response.status_code == 200
    assert response.json == {"items": [], "total": 0, "limit": 20, "offset": 0}


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("limit=0", ["query", "limit"]),
        ("limit=101", ["query", "limit"]),
        ("limit=abc", ["query", "limit"]),
        ("offset=-1", ["query", "offset"]),
    ],
)
def test_list_invalid_query_is_422(client: FlaskClient, query: str, loc: list[str]) -> None:
    response = client.get(f"/api/items?{query}")
    assert response.status_code == 422
    assert response.json is not None
    assert [error["loc"] for error in response.json["detail"]] == [loc]


def test_get_returns_the_item(client: FlaskClient) -> None:
    item = create(client, name="widget")
    response = client.get(f"/api/items/{item['id']}")
    assert response.status_code == 200
    assert response.json == item


@pytest.mark.parametrize("item_id", [5, 2**31, 10**30])
def test_get_missing_is_404(client: FlaskClient, item_id: int) -> None:
    response = client.get(f"/api/items/{item_id}")
    assert response.status_code == 404
    assert response.json == {"detail": f"Item {item_id} not found"}


def test_patch_changes_only_the_sent_fields(client: FlaskClient) -> None:
    item = create(client, name="widget", description="before")
    response = client.patch(f"/api/items/{item['id']}", json={"description": "after"})
    assert response.status_code == 200
    updated = response.json
    assert updated is not None
    assert (updated["name"], updated["description"]) == ("widget", "after")
    assert updated["created_at"] == item["created_at"]
    assert client.get(f"/api/items/{item['id']}").json == updated


def test_patch_can_clear_the_description(client: FlaskClient) -> None:
    item = create(client, name="widget", description="before")
    response = client.patch(f"/api/items/{item['id']}", json={"description": None})
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["description"] is None


def test_patch_missing_is_404(client: FlaskClient) -> None:
    response = client.patch("/api/items/5", json={"name": "new"})
    assert response.status_code == 404
    assert response.json == {"detail": "Item 5 not found"}


def test_patch_to_a_taken_name_is_409(client: FlaskClient) -> None:
    create(client, name="first")
    second = create(client, name="second")
    response = client.patch(f"/api/items/{second['id']}", json={"name": "first"})
    assert response.status_code == 409
    assert response.json == {"detail": "An item named 'first' already exists"}
    assert client.get(f"/api/items/{second['id']}").json == second


@pytest.mark.parametrize(
    ("body", "error_type"), [({"name": None}, "value_error"), ({"name": ""}, "string_too_short")]
)
def test_patch_invalid_body_is_422(
    client: FlaskClient, body: dict[str, Any], error_type: str
) -> None:
    item = create(client, name="widget")
    response = client.patch(f"/api/items/{item['id']}", json=body)
    assert response.status_code == 422
    assert response.json is not None
    [error] = response.json["detail"]
    assert (error["loc"], error["type"]) == (["body", "name"], error_type)


def test_delete_removes_the_item(client: FlaskClient) -> None:
    item = create(client, name="widget")
    response = client.delete(f"/api/items/{item['id']}")
    assert response.status_code == 204
    assert response.data == b""
    assert client.get(f"/api/items/{item['id']}").status_code == 404


def test_delete_missing_is_404(client: FlaskClient) -> None:
    response = client.delete("/api/items/5")
    assert response.status_code == 404
    assert response.json == {"detail": "Item 5 not found"}
