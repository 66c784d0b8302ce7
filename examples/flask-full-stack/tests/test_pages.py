"""The server-rendered pages through Flask's test client: CSRF, login, items, production guard."""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_full_stack import create_app
from flask_full_stack.config import get_settings
from flask_full_stack.web import MissingSecretKeyError

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"  # noqa: S105 - a test account


def _token(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _signup(client: FlaskClient, email: str = EMAIL) -> None:
    token = _token(client, "/auth/signup")
    response = client.post(
        "/auth/signup",
        data={"csrf_token": token, "email": email, "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/items"


@pytest.fixture
def user(client: FlaskClient) -> FlaskClient:
    """A client logged in as a fresh user."""
    _signup(client)
    return client


@pytest.mark.parametrize("path", ["/items", "/items/new", "/items/1/edit"])
def test_pages_need_login(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_post_without_csrf_token_is_rejected(client: FlaskClient) -> None:
    response = client.post(
        "/auth/signup", data={"email": EMAIL, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert response.status_code == 200
    assert "The CSRF token is missing." in response.get_data(as_text=True)
    assert client.get("/items").status_code == 302  # not logged in


def test_delete_without_csrf_token_is_rejected(user: FlaskClient) -> None:
    token = _token(user, "/items/new")
    user.post("/items/new", data={"csrf_token": token, "name": "keep"})
    assert user.post("/items/1/delete").status_code == 400
    assert "keep" in user.get("/items").get_data(as_text=True)


def test_signup_login_logout(client: FlaskClient) -> None:
    _signup(client)
    assert "Welcome!" in client.get("/items").get_data(as_text=True)
    token = _token(client, "/items")
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/items").status_code == 302
    token = _token(client, "/auth/login")
    response = client.post(
        "/auth/login", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/items"
    assert client.get("/items").status_code == 200


def test_wrong_password_shows_an_error(client: FlaskClient) -> None:
    _signup(client)
    client.post("/auth/logout", data={"csrf_token": _token(client, "/items")})
    token = _token(client, "/auth/login")
    response = client.post(
        "/auth/login", data={"csrf_token": token, "email": EMAIL, "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert "Wrong email or password" in response.get_data(as_text=True)


def test_duplicate_email_error_is_next_to_its_field(client: FlaskClient, app: Flask) -> None:
    _signup(client)
    other = app.test_client()
    token = _token(other, "/auth/signup")
    response = other.post(
        "/auth/signup",
        data={"csrf_token": token, "email": EMAIL, "password": PASSWORD, "confirm": PASSWORD},
    )
    assert 'id="email-error">An account with this email exists' in response.get_data(as_text=True)


def test_password_is_stored_hashed(user: FlaskClient, app: Flask) -> None:
    from flask_full_stack.auth.models import User
    from flask_full_stack.extensions import db

    with app.app_context():
        stored = db.session.query(User).one()
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash


def test_item_pages_crud(user: FlaskClient) -> None:
    token = _token(user, "/items/new")
    form = {"csrf_token": token, "name": "lamp", "description": "desk"}
    response = user.post("/items/new", data=form)
    assert response.headers["Location"] == "/items"
    listing = user.get("/items").get_data(as_text=True)
    assert "lamp" in listing
    assert "desk" in listing
    item_id = int(re.search(r"/items/(\d+)/edit", listing).group(1))  # type: ignore[union-attr]

    edit = user.get(f"/items/{item_id}/edit").get_data(as_text=True)
    assert 'value="lamp"' in edit
    token = _token(user, f"/items/{item_id}/edit")
    user.post(f"/items/{item_id}/edit", data={"csrf_token": token, "name": "floor lamp"})
    assert "floor lamp" in user.get("/items").get_data(as_text=True)

    token = _token(user, "/items")
    assert user.post(f"/items/{item_id}/delete", data={"csrf_token": token}).status_code == 302
    assert "No items yet." in user.get("/items").get_data(as_text=True)
    assert user.get(f"/items/{item_id}/edit").status_code == 404


def test_item_form_errors_are_next_to_their_fields(user: FlaskClient) -> None:
    token = _token(user, "/items/new")
    response = user.post("/items/new", data={"csrf_token": token, "name": ""})
    assert 'id="name-error">This field is required.' in response.get_data(as_text=True)
    user.post("/items/new", data={"csrf_token": token, "name": "twin"})
    response = user.post("/items/new", data={"csrf_token": token, "name": "twin"})
    assert "already exists" in response.get_data(as_text=True)


def test_pages_send_security_headers(client: FlaskClient) -> None:
    response = client.get("/auth/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_lax(client: FlaskClient) -> None:
    _signup(client)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_production_refuses_to_start_without_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(MissingSecretKeyError, match="SECRET_KEY is not set"):
            create_app()
    finally:
        get_settings.cache_clear()


def test_migration_job_needs_no_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    get_settings.cache_clear()
    try:
        app = create_app({"SERVES_PAGES": False})
    finally:
        get_settings.cache_clear()
    assert app.config["SECRET_KEY"]  # a throwaway key; nothing is signed with it


def test_production_cookies_are_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    get_settings.cache_clear()
    try:
        app = create_app()
    finally:
        get_settings.cache_clear()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_admin_needs_an_admin_user(user: FlaskClient, app: Flask) -> None:
    from flask_full_stack.auth.models import User
    from flask_full_stack.extensions import db

    assert user.get("/admin/item/").status_code == 403
    result = app.test_cli_runner().invoke(args=["make-admin", EMAIL])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.query(User).one().is_admin
    assert user.get("/admin/item/").status_code == 200


def test_admin_sends_visitors_to_log_in(client: FlaskClient) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
