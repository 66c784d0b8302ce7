"""Alembic environment for Flask-Migrate: migrates the app's database from its models."""

import logging
from logging.config import fileConfig
from typing import Any

from alembic import context
from flask import current_app
from sqlalchemy import Engine

config = context.config
if config.config_file_name is not None:
    # Keep the app's loggers alive when migrations run inside it (tests, `flask db`).
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def get_engine() -> Engine:
    """The app's Flask-SQLAlchemy engine."""
    engine: Engine = target_db.engine
    return engine


config.set_main_option(
    "sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
)


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (`flask db upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations over a connection from the app's engine."""

    def skip_empty_autogenerate(_context: Any, _revision: Any, directives: list[Any]) -> None:
        # `flask db migrate` with no model changes should not write an empty revision.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_autogenerate)

    with get_engine().connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
