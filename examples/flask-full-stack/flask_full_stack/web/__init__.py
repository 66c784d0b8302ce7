"""Server-rendered pages: sessions, login and the page blueprints, with the admin panel."""

import secrets

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import update

from ..auth import routes as auth_routes
from ..auth.forms import LogoutForm
from ..auth.models import User
from ..config import Settings
from ..extensions import autocommit
from . import admin, routes


class MissingSecretKeyError(RuntimeError):
    """Production needs SECRET_KEY from the environment to sign session cookies."""


def init_app(app: Flask, settings: Settings) -> None:
    """Refuse an unsigned production app, harden cookies and register the pages."""
    production = settings.environment == "production"
    # SERVES_PAGES=False: a one-off command (the compose `migrate` job) that signs no cookies.
    serves_pages = app.config.get("SERVES_PAGES", True)
    has_key = bool(settings.secret_key and settings.secret_key.get_secret_value())
    if production and serves_pages and not has_key:
        raise MissingSecretKeyError(
            "SECRET_KEY is not set: in production it must come from the environment "
            '(e.g. python -c "import secrets; print(secrets.token_urlsafe(48))")'
        )
    # Outside production a per-process random key will do: sessions end on restart.
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or secrets.token_urlsafe(32)
    app.config.update(
        APP_NAME="flask-full-stack",
        ADMIN_ENABLED=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=production,
    )
    # Every page's nav has a log-out button, which needs a CSRF token.
    app.context_processor(lambda: {"logout_form": LogoutForm()})
    auth_routes.init_app(app)
    app.register_blueprint(auth_routes.bp)
    app.register_blueprint(routes.bp)
    admin.init_app(app)
    app.cli.add_command(make_admin)


@click.command("make-admin")
@click.argument("email")
@with_appcontext
def make_admin(email: str) -> None:
    """Let the user with EMAIL into the admin panel."""
    with autocommit() as conn:
        result = conn.execute(
            update(User).where(User.email == email.strip().lower()).values(is_admin=True)
        )
    if not result.rowcount:
        raise click.ClickException(f"No user with email {email!r}")
    click.echo(f"{email} is now an admin")
