"""Liveness and readiness probes."""

from flask import Blueprint
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .ml.model import readiness_problem

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> ResponseReturnValue:
    """Liveness: the process answers.
    ---
    tags: [health]
    responses:
      "200":
        description: The service is alive
        content:
          application/json:
            schema:
              type: object
              properties:
                status: {type: string, const: ok}
              required: [status]
    """
    return {"status": "ok"}


@bp.get("/ready")
def ready() -> ResponseReturnValue:
    """Readiness: the database answers a query and the model is loaded.
    ---
    tags: [health]
    responses:
      "200":
        description: Ready to serve traffic
        content:
          application/json:
            schema:
              type: object
              properties:
                status: {type: string, const: ready}
              required: [status]
      "503":
        description: The database is unreachable, or no model is loaded
        content:
          application/json:
            schema:
              type: object
              properties:
                status: {type: string, const: unavailable}
                detail: {type: string}
              required: [status, detail]
    """
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        # Name the failure, never the URL: it may carry a password.
        return {"status": "unavailable", "detail": f"database: {type(exc).__name__}"}, 503
    problem = readiness_problem()
    if problem is not None:
        return {"status": "unavailable", "detail": problem}, 503
    return {"status": "ready"}
