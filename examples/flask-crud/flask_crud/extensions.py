"""Flask extensions, created unbound here and attached to each app in `create_app`."""

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from flask import Response
from flask.json.provider import JSONProvider
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Connection, MetaData
from sqlalchemy.orm import DeclarativeBase

from .config import Settings


class Base(DeclarativeBase):
    """Declarative base; models subclass it directly so type checkers see real classes."""

    # Fixed constraint names: migrations can refer to them, and autogenerate stays stable.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# expire_on_commit=False: a committed object can still be read without another SELECT.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()


def engine_options(database_url: str, settings: Settings) -> dict[str, Any]:
    """The engine's one pool per process, and the driver's timeouts, from settings."""
    if not database_url.startswith("postgresql"):
        return {}
    statement_timeout_ms = round(settings.db_statement_timeout_seconds * 1000)
    return {
        # At most DB_POOL_MAX_SIZE connections, opened on demand and then kept: replicas x
        # workers x DB_POOL_MAX_SIZE is this service's share of the server's max_connections.
        # No overflow: overflow connections are opened and closed per burst, a connect each.
        "pool_size": settings.db_pool_max_size,
        "max_overflow": 0,
        # A request that waits longer for a connection gets sqlalchemy.exc.TimeoutError: a 503.
        "pool_timeout": settings.db_pool_timeout_seconds,
        # No pool_pre_ping: it would add a round trip to every checkout.
        "pool_recycle": 1800,
        "connect_args": {
            # Whole seconds: psycopg rounds down, and waits at least 2.
            "connect_timeout": math.ceil(settings.db_connect_timeout_seconds),
            "options": f"-c statement_timeout={statement_timeout_ms}",
        },
    }


@contextmanager
def autocommit() -> Iterator[Connection]:
    """A pooled connection on which each statement commits on its own: one round trip each.

    For reads and for changes of one statement (`INSERT ... RETURNING`, `UPDATE ... RETURNING`).
    """
    with db.engine.connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def transaction() -> Iterator[Connection]:
    """A pooled connection in one transaction: committed at the end, rolled back on an error.

    For changes of several statements, which must happen together or not at all.
    """
    with db.engine.begin() as conn:
        yield conn


class OrjsonProvider(JSONProvider):
    """JSON via orjson: several times faster than json, with datetimes written as pydantic does."""

    # UTC as "Z" (2026-12-02T08:00:00Z), like pydantic and so FastAPI; orjson's default is +00:00.
    option = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialise obj to a JSON string."""
        return orjson.dumps(obj, option=self.option).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse a JSON document."""
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Build a JSON response without the str round trip of the default provider."""
        body = orjson.dumps(self._prepare_response_obj(args, kwargs), option=self.option)
        return Response(body, mimetype="application/json")
