"""Diagnostics for tests and benchmarks; registered only when ENABLE_DIAGNOSTICS=true."""

from flask import Blueprint
from pydantic import BaseModel, Field
from sqlalchemy import text

from .extensions import autocommit
from .openapi import api

bp = Blueprint("diagnostics", __name__, url_prefix="/_diag")


class SleepQuery(BaseModel):
    """How long the database should sleep."""

    seconds: float = Field(default=0.1, ge=0, le=10)


class Slept(BaseModel):
    """Body of GET /_diag/db-sleep."""

    slept: float


@bp.get("/db-sleep")
@api(query=SleepQuery, response=Slept, errors=(422, 503))
def db_sleep(query: SleepQuery) -> Slept:
    """Hold a database connection for `seconds` (proves gevent cooperation)."""
    with autocommit() as conn:
        conn.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": query.seconds})
    return Slept(slept=query.seconds)
