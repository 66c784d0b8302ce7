"""The HTTP contract of this service, checked over real HTTP against its production command.

The same suite holds this service's FastAPI and Flask versions to one API: status codes, JSON
bodies byte for byte, timestamps, error bodies, pagination, headers and limits. The few places
where the two frameworks may answer differently are the constants under "Framework differences";
anything else that differs is a bug in one of them. Schemathesis checks what the OpenAPI document
says; this checks what a document cannot. Not covered: what the HTTP server itself decides (its
reason phrases, `Server`, `Date`, `Connection`), and the rate limiter (test_security.py), which
this server runs without so that the suite is never throttled.
"""

import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

# The limits the server runs with.
MAX_BODY_BYTES = 64 * 1024

# Framework differences: the only answers that may differ between FastAPI and Flask.
# Methods a route answers without declaring them: Werkzeug adds HEAD to GET routes, and OPTIONS.
AUTOMATIC_METHODS = frozenset({"HEAD", "OPTIONS"})
# A path id that is not an integer: Werkzeug's int converter matches no route.
MALFORMED_ID_STATUS = 404
# Flask-Login reads the session after every request, so Flask varies every response on it.
EXTRA_HEADERS = {"vary": "Cookie"}

# Headers the HTTP server (uvicorn, gunicorn) adds: not the application's, not the contract's.
SERVER_HEADERS = frozenset(
    {"date", "server", "connection", "keep-alive", "content-length", "transfer-encoding"}
)
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
    "content-security-policy": (
        "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; "
        "object-src 'none'"
    ),
    # Production only (the server here runs in production): TLS ends at a proxy in front.
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}
# pydantic's messages that do not fit on a line.
NOT_AN_OBJECT = "Input should be a valid dictionary or object to extract fields from"
NOT_AN_INTEGER = "Input should be a valid integer, unable to parse string as an integer"
# Request ids the server makes up: 32 lowercase hex digits.
GENERATED_ID = re.compile(r"[0-9a-f]{32}")
JSON = {"Content-Type": "application/json"}
# Timestamps: UTC, ISO 8601, microseconds when there are any, and "Z".
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z")
JSON_ENDPOINT = "/api/items"


def encode(body: object) -> bytes:
    """A JSON body as both frameworks write it: compact, UTF-8, keys in the documented order."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def invalid(*entries: tuple[str, Sequence[str | int], str]) -> dict[str, object]:
    """A 422 body: `{"detail": [{"type", "loc", "msg"}, ...]}`, never the input itself."""
    return {
        "detail": [{"type": type_, "loc": list(loc), "msg": msg} for type_, loc, msg in entries]
    }


def not_json(reason: str) -> tuple[str, Sequence[str | int], str]:
    """The 422 entry for a body that is not strict JSON."""
    return ("json_invalid", ["body"], f"Invalid JSON: {reason}")


def assert_answer(
    response: httpx.Response,
    status: int,
    body: object = None,
    *,
    allow: set[str] | None = None,
    request_id: str | None = None,
) -> None:
    """The status, the body byte for byte, and exactly the contract's headers."""
    assert response.status_code == status, response.text
    expected = {**SECURITY_HEADERS, **EXTRA_HEADERS}
    if body is None:
        assert response.content == b""
    else:
        expected["content-type"] = "application/json"
        assert response.content.decode() == encode(body).decode()
    headers = {
        name: value for name, value in response.headers.items() if name not in SERVER_HEADERS
    }
    sent_id = headers.pop("x-request-id", "")
    if request_id is None:
        assert GENERATED_ID.fullmatch(sent_id), sent_id
    else:
        assert sent_id == request_id
    if allow is not None:
        assert set(headers.pop("allow", "").split(", ")) == allow | AUTOMATIC_METHODS
    assert headers == expected


def assert_timestamp(value: object) -> datetime:
    """A timestamp of the last minute, in the contract's one format."""
    assert isinstance(value, str)
    assert TIMESTAMP.fullmatch(value), value
    moment = datetime.fromisoformat(value)
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=1)
    return moment


def post_raw(http: httpx.Client, path: str, raw: bytes) -> httpx.Response:
    """POST raw bytes as a JSON body."""
    return http.post(path, content=raw, headers=JSON)


@pytest.fixture(scope="module")
def server(
    production_server: Callable[..., AbstractContextManager[str]],
) -> Iterator[str]:
    """The production command, once for this module, with the contract's limits."""
    settings = {"MAX_BODY_BYTES": str(MAX_BODY_BYTES), "RATE_LIMIT": ""}
    with production_server(**settings) as base_url:
        yield base_url


@pytest.fixture
def http(server: str, clean_tables: None) -> Iterator[httpx.Client]:
    """A client of the server; what the test wrote is gone after it."""
    with httpx.Client(base_url=server, timeout=10) as client:
        yield client


def test_health(http: httpx.Client) -> None:
    assert_answer(http.get("/health"), 200, {"status": "ok"})


def test_ready(http: httpx.Client) -> None:
    assert_answer(http.get("/ready"), 200, {"status": "ready"})


def test_unknown_path_is_404(http: httpx.Client) -> None:
    assert_answer(http.get("/no/such/path"), 404, {"detail": "Not Found"})


def test_wrong_method_is_405_with_allow(http: httpx.Client) -> None:
    response = http.put("/health")
    assert_answer(response, 405, {"detail": "Method Not Allowed"}, allow={"GET"})


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS"])
def test_automatic_methods(http: httpx.Client, method: str) -> None:
    response = http.request(method, "/health")
    if method in AUTOMATIC_METHODS:
        assert response.status_code == 200
    else:
        assert response.status_code == 405
        assert set(response.headers["allow"].split(", ")) == {"GET"}


@pytest.mark.parametrize(
    "host", ["evil.example", "localhost.evil.example", "example.com/health?x=", "127.0.0.2"]
)
def test_untrusted_host_is_400(http: httpx.Client, host: str) -> None:
    response = http.get("/health", headers={"Host": host})
    assert_answer(response, 400, {"detail": "Invalid host header"})


@pytest.mark.parametrize("request_id", ["abc-123", "Req.42:7_x", "x" * 128])
def test_plain_request_id_is_echoed(http: httpx.Client, request_id: str) -> None:
    headers = {"X-Request-ID": request_id}
    assert_answer(
        http.get("/health", headers=headers), 200, {"status": "ok"}, request_id=request_id
    )
    response = http.get("/no/such/path", headers=headers)
    assert_answer(response, 404, {"detail": "Not Found"}, request_id=request_id)


@pytest.mark.parametrize("request_id", ["", "has space", "x" * 129, "semi;colon", "ünï"])
def test_other_request_ids_are_replaced(http: httpx.Client, request_id: str) -> None:
    # httpx sends header values as bytes; a non-ASCII one goes as UTF-8.
    headers = {b"X-Request-ID": request_id.encode()}
    first = http.get("/health", headers=headers)
    second = http.get("/health", headers=headers)
    assert_answer(first, 200, {"status": "ok"})
    assert_answer(second, 200, {"status": "ok"})
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize("path", ["/auth/login", "/auth/signup"])
def test_pages_are_never_cached_and_json_is_left_alone(http: httpx.Client, path: str) -> None:
    # Pages carry a CSRF token (and, signed in, a user's data): no cache may keep them.
    page = http.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    hsts = SECURITY_HEADERS["strict-transport-security"]
    assert page.headers["strict-transport-security"] == hsts
    assert "cache-control" not in http.get("/health").headers


def test_no_cors_headers_for_other_origins(http: httpx.Client) -> None:
    # CORS_ORIGINS is empty by default: a browser on another origin gets no permission.
    response = http.get("/health", headers={"Origin": "https://elsewhere.example"})
    assert_answer(response, 200, {"status": "ok"})


def test_body_over_the_limit_is_413(http: httpx.Client) -> None:
    response = post_raw(http, JSON_ENDPOINT, b" " * (MAX_BODY_BYTES + 1))
    assert_answer(response, 413, {"detail": "Request body too large"})


def test_chunked_body_over_the_limit_is_413(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"padding": "'
        for _ in range(MAX_BODY_BYTES // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    response = http.post(JSON_ENDPOINT, content=chunks(), headers=JSON)
    assert_answer(response, 413, {"detail": "Request body too large"})


def test_openapi_documents_the_422_body(http: httpx.Client) -> None:
    response = http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    operation = document["paths"][JSON_ENDPOINT]["post"]
    body = resolve(operation["responses"]["422"]["content"]["application/json"]["schema"])
    entry = resolve(body["properties"]["detail"]["items"])
    assert list(entry["properties"]) == ["type", "loc", "msg"]
    assert set(entry["required"]) == {"type", "loc", "msg"}


def item(created: dict[str, Any], **fields: object) -> dict[str, Any]:
    """An item as the API returns it: `created`'s id and timestamps, with these fields."""
    return {
        "id": created["id"],
        "name": fields.get("name", created["name"]),
        "description": fields.get("description", created["description"]),
        "created_at": created["created_at"],
        "updated_at": fields.get("updated_at", created["updated_at"]),
    }


def create(http: httpx.Client, name: str, description: str | None = None) -> dict[str, Any]:
    """POST an item, check the 201, return the item."""
    response = http.post("/api/items", json={"name": name, "description": description})
    created: dict[str, Any] = response.json()
    assert isinstance(created["id"], int)
    assert_answer(response, 201, item(created, name=name, description=description))
    assert assert_timestamp(created["created_at"]) == assert_timestamp(created["updated_at"])
    return created


def test_item_life_cycle(http: httpx.Client) -> None:
    created = create(http, "Café ☕ «très bien»", "tea, or coffee")
    path = f"/api/items/{created['id']}"
    assert_answer(http.get(path), 200, created)

    renamed = http.patch(path, json={"name": "renamed"})
    updated_at = renamed.json()["updated_at"]
    assert assert_timestamp(updated_at) >= assert_timestamp(created["created_at"])
    assert_answer(renamed, 200, item(created, name="renamed", updated_at=updated_at))
    cleared = http.patch(path, json={"description": None})
    expected = item(
        created, name="renamed", description=None, updated_at=cleared.json()["updated_at"]
    )
    assert_answer(cleared, 200, expected)
    assert_answer(http.get(path), 200, expected)

    assert_answer(http.delete(path), 204)
    missing = {"detail": f"Item {created['id']} not found"}
    assert_answer(http.get(path), 404, missing)
    assert_answer(http.patch(path, json={"name": "again"}), 404, missing)
    assert_answer(http.delete(path), 404, missing)


def test_duplicate_name_is_409(http: httpx.Client) -> None:
    create(http, "widget")
    other = create(http, "gadget")
    conflict = {"detail": "An item named 'widget' already exists"}
    assert_answer(http.post("/api/items", json={"name": "widget"}), 409, conflict)
    assert_answer(http.patch(f"/api/items/{other['id']}", json={"name": "widget"}), 409, conflict)


def test_pagination(http: httpx.Client) -> None:
    first, second, third = (create(http, name) for name in ("first", "second", "third"))

    def page(query: str, items: list[dict[str, Any]], limit: int, offset: int) -> None:
        body = {"items": items, "total": 3, "limit": limit, "offset": offset}
        assert_answer(http.get(f"/api/items{query}"), 200, body)

    page("", [first, second, third], 20, 0)
    page("?limit=2", [first, second], 2, 0)
    page("?limit=2&offset=2", [third], 2, 2)
    page("?offset=3", [], 20, 3)
    page("?limit=100&offset=1", [second, third], 100, 1)


@pytest.mark.parametrize(
    ("query", "type_", "field", "msg"),
    [
        ("limit=0", "greater_than_equal", "limit", "Input should be greater than or equal to 1"),
        ("limit=101", "less_than_equal", "limit", "Input should be less than or equal to 100"),
        ("offset=-1", "greater_than_equal", "offset", "Input should be greater than or equal to 0"),
        ("limit=ten", "int_parsing", "limit", NOT_AN_INTEGER),
    ],
)
def test_invalid_page_is_422(
    http: httpx.Client, query: str, type_: str, field: str, msg: str
) -> None:
    assert_answer(http.get(f"/api/items?{query}"), 422, invalid((type_, ["query", field], msg)))


NAME = ("body", "name")
NOT_A_STRING = ("string_type", NAME, "Input should be a valid string")


@pytest.mark.parametrize(
    ("raw", "entries"),
    [
        (b"{}", [("missing", NAME, "Field required")]),
        (b'{"name": ""}', [("string_too_short", NAME, "String should have at least 1 character")]),
        (
            b'{"name": "' + b"n" * 101 + b'"}',
            [("string_too_long", NAME, "String should have at most 100 characters")],
        ),
        (b'{"name": 5}', [NOT_A_STRING]),
        (
            b'{"name": 5, "description": []}',
            [
                NOT_A_STRING,
                ("string_type", ["body", "description"], "Input should be a valid string"),
            ],
        ),
        (
            b'{"name": "a\\u0000"}',
            [("string_pattern_mismatch", NAME, "String should match pattern '^[^\\x00]*$'")],
        ),
        # Not JSON: never parsed, so never echoed.
        (b'{"name":NaN}', [not_json("expected value at line 1 column 9")]),
        (b'{"name":Infinity}', [not_json("expected value at line 1 column 9")]),
        (b'{"name":"x\\ud800"}', [not_json("unexpected end of hex escape at line 1 column 17")]),
        (b'{"nam', [not_json("EOF while parsing a string at line 1 column 5")]),
        # JSON, but a number too large for a float: refused by the field, and not echoed either.
        (b'{"name":1e309}', [NOT_A_STRING]),
        (b"[1]", [("model_attributes_type", ["body"], NOT_AN_OBJECT)]),
        (b"", [("missing", ["body"], "Field required")]),
        (b"null", [("model_attributes_type", ["body"], NOT_AN_OBJECT)]),
    ],
)
def test_invalid_item_is_422(
    http: httpx.Client, raw: bytes, entries: list[tuple[str, Sequence[str | int], str]]
) -> None:
    assert_answer(post_raw(http, "/api/items", raw), 422, invalid(*entries))


def test_invalid_change_is_422(http: httpx.Client) -> None:
    created = create(http, "kept")
    path = f"/api/items/{created['id']}"
    entry = ("value_error", NAME, "Value error, name cannot be null")
    assert_answer(http.patch(path, json={"name": None}), 422, invalid(entry))
    response = http.patch(path, content=b'{"description":NaN}', headers=JSON)
    assert_answer(response, 422, invalid(not_json("expected value at line 1 column 16")))
    assert_answer(http.get(path), 200, created)


def test_missing_and_malformed_ids(http: httpx.Client) -> None:
    assert_answer(http.get("/api/items/2147483647"), 404, {"detail": "Item 2147483647 not found"})
    if MALFORMED_ID_STATUS == 404:
        malformed: object = {"detail": "Not Found"}
    else:
        malformed = invalid(("int_parsing", ["path", "item_id"], NOT_AN_INTEGER))
    assert_answer(http.get("/api/items/abc"), MALFORMED_ID_STATUS, malformed)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/items", {"GET", "POST"}),
        ("DELETE", "/api/items", {"GET", "POST"}),
        ("PUT", "/api/items/1", {"GET", "PATCH", "DELETE"}),
        ("POST", "/api/items/1", {"GET", "PATCH", "DELETE"}),
    ],
)
def test_wrong_item_method_is_405(
    http: httpx.Client, method: str, path: str, allow: set[str]
) -> None:
    response = http.request(method, path)
    assert_answer(response, 405, {"detail": "Method Not Allowed"}, allow=allow)
