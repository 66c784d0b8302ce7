"""Liveness and readiness probes."""

import asyncio
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from .db import DatabaseUnavailableError
from .deps import DatabaseDep

router = APIRouter(tags=["health"])
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


@router.get("/health")
async def health() -> Health:
    """Liveness: the process answers."""
    return Health()


# The 503 body bypasses response_model, so it is declared for the docs here.
@router.get("/ready", response_model=Ready, responses={503: {"model": Unavailable}})
async def ready(db: DatabaseDep) -> Ready | JSONResponse:
    """Readiness: the database answers a query."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            await db.ping()
    except (DatabaseUnavailableError, TimeoutError) as exc:
        # Name the failure (db.py names the driver's), never the URL: it may carry a password.
        cause = str(exc) or type(exc).__name__
        body = Unavailable(detail=f"database: {cause}")
        return JSONResponse(body.model_dump(), status_code=503)
    return Ready()
