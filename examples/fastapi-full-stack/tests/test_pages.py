"""Server-rendered pages through the test client: sign-up, log-in, log-out and item CRUD."""

import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import anyio
import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from pydantic import SecretStr

from fastapi_full_stack.auth.passwords import hash_password, verify_password
from fastapi_full_stack.config import Settings
from fastapi_full_stack.main import create_app
from fastapi_full_stack.web import SecretKeyError

pytestmark = pytest.mark.anyio
MakeClient = Callable[[Settings], AbstractAsyncContextManager[AsyncClient]]
_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"  # noqa: S105 - a test account


def csrf_token(page: Response) -> str:
    """The CSRF token embedded in a rendered page."""
    match = _CSRF_INPUT.search(page.text)
    assert match, f"no csrf_token in {page.url}"
    return match.group(1)


async def submit(client: AsyncClient, form_page: str, action: str, **fields: str) -> Response:
    """Open `form_page`, then POST `fields` to `action` with its CSRF token, as a browser would."""
    token = csrf_token(await client.get(form_page))
    return await client.post(action, data={**fields, "csrf_token": token})


async def sign_up(client: AsyncClient, email: str = EMAIL, password: str = PASSWORD) -> None:
    """Create an account through the form; the client is then logged in."""
    response = await submit(client, "/auth/signup", "/auth/signup", email=email, password=password)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/items"


async def create_item(client: AsyncClient, name: str, description: str = "") -> int:
    """Create an item through the form and return its id."""
    response = await submit(client, "/items/new", "/items/new", name=name, description=description)
    assert response.status_code == 303, response.text
    items = (await client.get("/api/items")).json()["items"]
    [item_id] = [item["id"] for item in items if item["name"] == name]
    return int(item_id)


# --- log-in required ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/items", "/items/new", "/items/1/edit"])
async def test_pages_need_login(client: AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/auth/login?next={path.replace('/', '%2F')}"
    login = await client.get(response.headers["location"])
    assert "Please log in to see that page." in login.text


@pytest.mark.parametrize("action", ["/items/new", "/items/1/edit", "/items/1/delete"])
async def test_posts_need_login(client: AsyncClient, action: str) -> None:
    response = await submit(client, "/auth/login", action, name="sneaky")
    assert response.status_code == 303
    # A form post cannot be replayed by a redirect, so log-in leads to the list instead.
    assert response.headers["location"] == "/auth/login?next=%2Fitems"
    assert (await client.get("/api/items")).json()["total"] == 0


async def test_login_returns_to_the_page_with_its_query(client: AsyncClient) -> None:
    response = await client.get("/items?offset=20")
    assert response.headers["location"] == "/auth/login?next=%2Fitems%3Foffset%3D20"
    await sign_up(client)
    await submit(client, "/items", "/auth/logout")
    token = csrf_token(await client.get(response.headers["location"]))
    response = await client.post(
        "/auth/login?next=%2Fitems%3Foffset%3D20",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["location"] == "/items?offset=20"


async def test_home_redirects_to_the_items_page(client: AsyncClient) -> None:
    response = await client.get("/")
    assert (response.status_code, response.headers["location"]) == (303, "/items")


# --- CSRF on the real forms --------------------------------------------------------------


@pytest.mark.parametrize("action", ["/auth/signup", "/auth/login"])
async def test_auth_post_without_csrf_token_is_rejected(client: AsyncClient, action: str) -> None:
    await client.get(action)
    response = await client.post(action, data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF token missing or invalid"}


async def test_item_post_without_csrf_token_is_rejected(client: AsyncClient) -> None:
    await sign_up(client)
    item_id = await create_item(client, "keep me")
    for action, data in [
        ("/items/new", {"name": "forged"}),
        (f"/items/{item_id}/edit", {"name": "forged"}),
        (f"/items/{item_id}/delete", {}),
        ("/auth/logout", {}),
    ]:
        response = await client.post(action, data=data)
        assert response.status_code == 403, action
    names = [item["name"] for item in (await client.get("/api/items")).json()["items"]]
    assert names == ["keep me"]
    assert (await client.get("/items")).status_code == 200, "still logged in"


async def test_signup_without_csrf_creates_no_user(client: AsyncClient) -> None:
    await client.post("/auth/signup", data={"email": EMAIL, "password": PASSWORD})
    response = await submit(client, "/auth/login", "/auth/login", email=EMAIL, password=PASSWORD)
    assert response.status_code == 422
    assert "Wrong email or password" in response.text


# --- sign-up, log-in, log-out ------------------------------------------------------------


async def test_signup_logs_in_and_greets(client: AsyncClient) -> None:
    await sign_up(client)
    page = await client.get("/items")
    assert page.status_code == 200
    assert "Welcome! Your account is ready." in page.text
    assert EMAIL in page.text
    # A flash message shows once.
    assert "Welcome!" not in (await client.get("/items")).text


async def test_password_is_stored_as_an_argon2id_hash(client: AsyncClient, app: FastAPI) -> None:
    await sign_up(client)
    async with app.state.database.connection() as conn:
        password_hash = await conn.fetchval(
            "SELECT password_hash FROM users WHERE email = $1", EMAIL
        )
    assert password_hash is not None
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash


@pytest.mark.parametrize(
    ("email", "password", "field", "message"),
    [
        ("not-an-email", PASSWORD, "email", "enter an email address like name@example.com"),
        ("", PASSWORD, "email", "String should have at least 3 characters"),
        (EMAIL, "short", "password", "String should have at least 10 characters"),
    ],
)
async def test_signup_errors_are_shown_next_to_their_field(
    client: AsyncClient, email: str, password: str, field: str, message: str
) -> None:
    response = await submit(client, "/auth/signup", "/auth/signup", email=email, password=password)
    assert response.status_code == 422
    assert f'<p class="error" id="{field}-error">{message}</p>' in response.text
    assert password not in response.text, "the password is never sent back"


async def test_signup_with_a_taken_email_is_refused(client: AsyncClient) -> None:
    await sign_up(client)
    await submit(client, "/items", "/auth/logout")
    response = await submit(
        client, "/auth/signup", "/auth/signup", email=EMAIL.upper(), password=PASSWORD
    )
    assert response.status_code == 422
    assert "An account with this email already exists" in response.text


async def test_logout_then_login(client: AsyncClient) -> None:
    await sign_up(client)
    response = await submit(client, "/items", "/auth/logout")
    assert (response.status_code, response.headers["location"]) == (303, "/auth/login")
    assert (await client.get("/items")).status_code == 303
    response = await submit(client, "/auth/login", "/auth/login", email=EMAIL, password=PASSWORD)
    assert (response.status_code, response.headers["location"]) == (303, "/items")
    assert "You are logged in." in (await client.get("/items")).text


@pytest.mark.parametrize(
    ("email", "password"), [(EMAIL, "wrong password!"), ("nobody@example.com", PASSWORD), ("", "")]
)
async def test_wrong_credentials_get_one_message(
    client: AsyncClient, email: str, password: str
) -> None:
    await sign_up(client)
    await submit(client, "/items", "/auth/logout")
    response = await submit(client, "/auth/login", "/auth/login", email=email, password=password)
    assert response.status_code == 422
    assert "Wrong email or password" in response.text
    assert (await client.get("/items")).status_code == 303


@pytest.mark.parametrize(
    ("next_path", "location"),
    [
        ("/items/new", "/items/new"),
        ("//evil.example/x", "/items"),
        ("https://evil.example", "/items"),
    ],
)
async def test_login_returns_only_to_local_pages(
    client: AsyncClient, next_path: str, location: str
) -> None:
    await sign_up(client)
    await submit(client, "/items", "/auth/logout")
    token = csrf_token(await client.get("/auth/login"))
    response = await client.post(
        "/auth/login",
        params={"next": next_path},
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["location"] == location


async def test_login_starts_a_new_session_and_csrf_token(client: AsyncClient) -> None:
    await sign_up(client)
    await submit(client, "/items", "/auth/logout")
    before = csrf_token(await client.get("/auth/login"))
    await client.post(
        "/auth/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": before}
    )
    after = csrf_token(await client.get("/items"))
    assert after != before


# --- item pages --------------------------------------------------------------------------


async def test_item_pages_create_edit_delete(client: AsyncClient) -> None:
    await sign_up(client)
    assert "No items yet." in (await client.get("/items")).text
    item_id = await create_item(client, "widget", "a small part")
    page = (await client.get("/items")).text
    assert "Created &#39;widget&#39;." in page
    assert "a small part" in page

    edit = await client.get(f"/items/{item_id}/edit")
    assert 'value="widget"' in edit.text
    response = await client.post(
        f"/items/{item_id}/edit",
        data={"name": "gadget", "description": "", "csrf_token": csrf_token(edit)},
    )
    assert (response.status_code, response.headers["location"]) == (303, "/items")
    item = (await client.get(f"/api/items/{item_id}")).json()
    assert (item["name"], item["description"]) == ("gadget", None)

    response = await submit(client, "/items", f"/items/{item_id}/delete")
    assert response.status_code == 303
    assert (await client.get(f"/api/items/{item_id}")).status_code == 404
    assert "Item deleted." in (await client.get("/items")).text


@pytest.mark.parametrize(
    ("name", "description", "field", "message"),
    [
        ("", "", "name", "String should have at least 1 character"),
        ("x" * 101, "", "name", "String should have at most 100 characters"),
        ("ok", "d" * 1001, "description", "String should have at most 1000 characters"),
    ],
)
async def test_item_form_errors_are_shown_next_to_their_field(
    client: AsyncClient, name: str, description: str, field: str, message: str
) -> None:
    await sign_up(client)
    response = await submit(client, "/items/new", "/items/new", name=name, description=description)
    assert response.status_code == 422
    assert f'<p class="error" id="{field}-error">{message}</p>' in response.text
    assert (await client.get("/api/items")).json()["total"] == 0


async def test_duplicate_item_name_is_shown_on_the_form(client: AsyncClient) -> None:
    await sign_up(client)
    await create_item(client, "widget")
    second = await create_item(client, "gadget")
    response = await submit(client, f"/items/{second}/edit", f"/items/{second}/edit", name="widget")
    assert response.status_code == 422
    assert "An item named &#39;widget&#39; already exists" in response.text
    assert 'value="widget"' in response.text, "the submitted value is kept"


async def test_item_names_are_escaped(client: AsyncClient) -> None:
    await sign_up(client)
    await create_item(client, "<script>alert(1)</script>")
    page = (await client.get("/items")).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("path", ["/items/999/edit", "/items/0/edit"])
async def test_editing_a_missing_item_goes_back_to_the_list(client: AsyncClient, path: str) -> None:
    await sign_up(client)
    response = await client.get(path)
    assert (response.status_code, response.headers["location"]) == (303, "/items")
    assert "not found" in (await client.get("/items")).text


async def test_deleting_a_missing_item_goes_back_to_the_list(client: AsyncClient) -> None:
    await sign_up(client)
    response = await submit(client, "/items", "/items/999/delete")
    assert (response.status_code, response.headers["location"]) == (303, "/items")


# --- security defaults -------------------------------------------------------------------


async def test_session_cookie_is_httponly_and_lax(client: AsyncClient) -> None:
    cookie = (await client.get("/auth/login")).headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie, "plain HTTP outside production"


async def test_session_cookie_is_secure_in_production(make_client: MakeClient) -> None:
    settings = Settings(environment="production", secret_key=SecretStr("p" * 40))
    async with make_client(settings) as client:
        cookie = (await client.get("/auth/login")).headers["set-cookie"].lower()
    assert "; secure" in cookie
    assert "httponly" in cookie


async def test_pages_send_security_headers(client: AsyncClient) -> None:
    response = await client.get("/auth/login")
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


async def test_static_css_is_served(client: AsyncClient) -> None:
    response = await client.get("/static/app.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")


async def test_api_stays_available_under_api(client: AsyncClient) -> None:
    response = await client.post("/api/items", json={"name": "from the api"})
    assert response.status_code == 201


async def test_password_hashing_leaves_the_event_loop_free() -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await anyio.sleep(0.001)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(tick)
        password_hash = await hash_password(PASSWORD)
        tasks.cancel_scope.cancel()
    assert await verify_password(password_hash, PASSWORD)
    # Hashing on the loop itself would have let the ticker run at most once.
    assert ticks >= 5


def test_production_refuses_to_start_without_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY")
    settings = Settings(_env_file=None, environment="production")
    assert settings.secret_key is None
    with pytest.raises(SecretKeyError, match="SECRET_KEY must be set"):
        create_app(settings)


def test_production_refuses_an_empty_secret_key() -> None:
    settings = Settings(environment="production", secret_key=SecretStr(""))
    with pytest.raises(SecretKeyError, match="SECRET_KEY must be set"):
        create_app(settings)


def test_production_refuses_a_short_secret_key() -> None:
    settings = Settings(environment="production", secret_key=SecretStr("too-short"))
    with pytest.raises(SecretKeyError, match="at least 32 characters"):
        create_app(settings)


def test_development_starts_without_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY")
    settings = Settings(_env_file=None, environment="development")
    assert create_app(settings).title
