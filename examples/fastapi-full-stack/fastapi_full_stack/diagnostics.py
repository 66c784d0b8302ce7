"""Diagnostics for tests and benchmarks; mounted only when ENABLE_DIAGNOSTICS=true."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from .deps import DatabaseDep

router = APIRouter(prefix="/_diag", tags=["diagnostics"])


class Slept(BaseModel):
    """How long the database slept."""

    slept: float


@router.get("/db-sleep")
async def db_sleep(db: DatabaseDep, seconds: Annotated[float, Query(ge=0, le=10)] = 0.1) -> Slept:
    """Hold a database connection for `seconds` (proves requests do not block each other)."""
    async with db.connection() as conn:
        await conn.execute("SELECT pg_sleep($1)", seconds)
    return Slept(slept=seconds)
