"""Flask extensions, created unbound here and attached to each app in `create_app`."""

from typing import Any

import orjson
from flasgger import Swagger
from flask import Flask, Response
from flask.json.provider import JSONProvider
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .errors import openapi_schemas as error_schemas
from .ml.schemas import openapi_schemas as ml_schemas


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


# expire_on_commit=False: a committed item can still be serialised without another SELECT.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()


def engine_options(database_url: str) -> dict[str, Any]:
    """Pool settings for the engine: sized for a gevent worker's concurrent greenlets."""
    if database_url.startswith("sqlite"):
        return {}
    # No pool_pre_ping: it would add a round trip to every request's checkout.
    # A fixed pool: overflow connections are opened and closed per burst, which costs a connect.
    return {"pool_size": 20, "max_overflow": 0, "pool_recycle": 1800}


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


# flasgger bundles Swagger UI 3, which cannot render OpenAPI 3.1; load 5, as FastAPI does.
_SWAGGER_UI = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"


def init_swagger(app: Flask) -> Swagger:
    """Serve the OpenAPI document at /openapi.json and Swagger UI at /docs.

    One Swagger per app: flasgger caches the document on the instance.
    """
    config = {
        "openapi": "3.1.0",
        "specs": [
            {
                "endpoint": "openapi",
                "route": "/openapi.json",
                "rule_filter": lambda rule: True,
                "model_filter": lambda tag: True,
            }
        ],
        "title": "flask-ml-serving",
        "specs_route": "/docs",
        "static_url_path": "/flasgger_static",
        "headers": [],
        "swagger_ui_bundle_js": f"{_SWAGGER_UI}/swagger-ui-bundle.js",
        "swagger_ui_standalone_preset_js": f"{_SWAGGER_UI}/swagger-ui-standalone-preset.js",
        "swagger_ui_css": f"{_SWAGGER_UI}/swagger-ui.css",
    }
    template = {
        "info": {
            "title": "flask-ml-serving",
            "version": "0.1.0",
            "description": "flask-ml-serving: a model-serving API built with Flask",
        },
        "components": {
            "schemas": {
                **error_schemas(),
                **ml_schemas(),
            }
        },
    }
    return Swagger(app, config=config, template=template)
