"""Server-rendered pages: sessions, CSRF, flash messages, static files and the page routes."""

import secrets
from urllib.parse import urlencode

from fastapi import FastAPI, Request, status
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from ..auth.deps import LoginRequiredError
from ..auth.routes import router as auth_router
from ..config import Settings
from .flash import flash
from .routes import router as pages_router
from .templating import HERE

SESSION_COOKIE = "session"
SESSION_MAX_AGE_SECONDS = 14 * 24 * 3600
# Shorter keys could be guessed offline from one signed cookie.
MIN_SECRET_KEY_LENGTH = 32


class SecretKeyError(RuntimeError):
    """SECRET_KEY is missing or too short where it must be set."""


def session_secret(settings: Settings) -> str:
    """The key that signs session cookies; in production it must come from the environment."""
    # An empty SECRET_KEY (as in .env.example) counts as unset.
    key = settings.secret_key.get_secret_value() if settings.secret_key else ""
    if not key:
        if settings.environment == "production":
            raise SecretKeyError("SECRET_KEY must be set in the environment in production")
        # Outside production a per-process key will do: sessions end when the server restarts.
        return secrets.token_urlsafe(32)
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise SecretKeyError(f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters")
    return key


async def redirect_to_login(request: Request, exc: Exception) -> Response:
    """Send a visitor who is not logged in to the log-in page, then back where they were."""
    path = exc.path if isinstance(exc, LoginRequiredError) else "/items"
    flash(request, "Please log in to see that page.", "info")
    return RedirectResponse(f"/auth/login?{urlencode({'next': path})}", status.HTTP_303_SEE_OTHER)


def init_app(app: FastAPI, settings: Settings) -> None:
    """Add the pages and their session cookie to `app` (security headers come from main)."""
    secret_key = session_secret(settings)
    app.include_router(auth_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(LoginRequiredError, redirect_to_login)
    # Signed, not encrypted: it holds only the user id and email, flashes and the CSRF token.
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_SECONDS,
        same_site="lax",
        # Secure in production only: local development and tests run over plain HTTP.
        https_only=settings.environment == "production",
    )
