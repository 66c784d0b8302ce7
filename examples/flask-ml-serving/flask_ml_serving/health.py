"""Liveness and readiness probes."""

from typing import Literal

import gevent
from flask import Blueprint
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import autocommit
from .ml.model import readiness_problem
from .openapi import api

bp = Blueprint("health", __name__)
# A hung database must not hang the probe that reports it (the k8s probe gives up after 5 s).
READY_TIMEOUT_SECONDS = 3.0


class Health(BaseModel):
    """Body of GET /health."""

    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    """Body of GET /ready when the service can serve traffic."""

    status: Literal["ready"] = "ready"


class Unavailable(BaseModel):
    """Body of GET /ready when it cannot, and why."""

    status: Literal["unavailable"] = "unavailable"
    detail: str


@bp.get("/health")
@api(response=Health)
def health() -> Health:
    """Liveness: the process answers."""
    return Health()


@bp.get("/ready")
@api(response=Ready, errors={503: Unavailable})
def ready() -> ResponseReturnValue | Ready:
    """Readiness: the database answers a query and the model is loaded."""
    problem = readiness_problem()
    if problem is not None:
        return Unavailable(detail=problem).model_dump(), 503
    try:
        # gevent.Timeout bounds the whole check (pool wait, connect and query) in the server.
        with gevent.Timeout(READY_TIMEOUT_SECONDS, TimeoutError), autocommit() as conn:
            conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, TimeoutError) as exc:
        # Name the failure, never the URL: it may carry a password.
        return Unavailable(detail=f"database: {type(exc).__name__}").model_dump(), 503
    return Ready()
