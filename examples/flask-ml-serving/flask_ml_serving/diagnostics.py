"""Diagnostics for tests and benchmarks; registered only when ENABLE_DIAGNOSTICS=true."""

from flask import Blueprint
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, Field
from sqlalchemy import text

from .extensions import db
from .validation import parse_query

bp = Blueprint("diagnostics", __name__, url_prefix="/_diag")


class SleepQuery(BaseModel):
    """How long the database should sleep."""

    seconds: float = Field(default=0.1, ge=0, le=10)


@bp.get("/db-sleep")
def db_sleep() -> ResponseReturnValue:
    """Hold a database connection for `seconds` (proves gevent cooperation).
    ---
    tags: [diagnostics]
    parameters:
      - {name: seconds, in: query, schema: {type: number, minimum: 0, maximum: 10, default: 0.1}}
    responses:
      "200":
        description: The database slept
        content:
          application/json:
            schema:
              type: object
              properties:
                slept: {type: number}
              required: [slept]
      "422":
        description: Invalid query
        content:
          application/json:
            schema: {$ref: "#/components/schemas/HTTPValidationError"}
    """
    query = parse_query(SleepQuery)
    db.session.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": query.seconds})
    return {"slept": query.seconds}
