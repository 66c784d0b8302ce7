"""flask-crud: the application factory."""

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import diagnostics, errors, health, logs, openapi, ratelimit, security
from .config import get_settings
from .extensions import OrjsonProvider, db, engine_options, migrate
from .items.routes import bp as items_bp


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure an app; `test_config` overrides settings from the environment."""
    app = Flask(__name__)
    app.json = OrjsonProvider(app)

    settings = get_settings()
    app.config.from_mapping(
        ENVIRONMENT=settings.environment,
        DEBUG=settings.debug,
        SECRET_KEY=settings.secret_key.get_secret_value() if settings.secret_key else None,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        # Flask checks the Host header against this list and answers 400 otherwise.
        TRUSTED_HOSTS=None if "*" in settings.allowed_hosts else settings.allowed_hosts,
        ENABLE_DIAGNOSTICS=settings.enable_diagnostics,
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    # One pool per process, sized and timed out from settings (DB_POOL_*, DB_*_TIMEOUT_SECONDS).
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"], settings)
    )

    db.init_app(app)
    migrate.init_app(app, db)
    errors.init_app(app)
    logs.configure_logging(
        logging.DEBUG if app.config["DEBUG"] else logging.INFO, security.current_request_id
    )
    # Headers, X-Request-ID, MAX_BODY_BYTES (413) and CORS_ORIGINS.
    security.init_app(app, settings)
    ratelimit.init_app(app, settings)

    app.register_blueprint(health.bp)
    app.register_blueprint(items_bp)
    # Diagnostics exist only when asked for: a disabled route is a plain 404.
    if app.config["ENABLE_DIAGNOSTICS"]:
        app.register_blueprint(diagnostics.bp)

    # Last: the document lists every route declared with @api.
    openapi.init_app(
        app,
        title="flask-crud",
        version="0.1.0",
        description="flask-crud: a CRUD API built with Flask",
    )
    return app
