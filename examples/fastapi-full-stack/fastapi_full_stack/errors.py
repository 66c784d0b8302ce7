"""JSON error bodies: one shape for every 4xx and 422 (tests/test_contract.py), a bare 500."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match

from .db import DatabaseUnavailableError
from .validation import json_error

# How long a client should wait before retrying when the database is busy or down.
RETRY_AFTER_SECONDS = 1

# The methods an Allow header may name.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class ValidationErrorEntry(BaseModel):
    """One invalid input: pydantic's error type, where the input is, and what is wrong with it.

    The input itself is never echoed: it may be a value JSON cannot encode.
    """

    type: str
    loc: list[str | int]
    msg: str


def init_app(app: FastAPI) -> None:
    """Install the handlers, and document the 422 body as it is sent."""
    app.exception_handler(RequestValidationError)(validation_error)
    app.exception_handler(HTTPException)(http_error)
    app.exception_handler(DatabaseUnavailableError)(database_unavailable)
    app.exception_handler(Exception)(internal_error)
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate_openapi()
        components = schema.get("components", {}).get("schemas", {})
        if "ValidationError" in components:
            components["ValidationError"] = ValidationErrorEntry.model_json_schema()
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 `{"detail": [{"type", "loc", "msg"}]}`: FastAPI's shape without `input` and `ctx`,
    which may hold values JSON cannot encode (NaN, a lone surrogate) and are not needed."""
    return JSONResponse({"detail": [_entry(error) for error in exc.errors()]}, status_code=422)


async def http_error(request: Request, exc: HTTPException) -> Response:
    """FastAPI's `{"detail": ...}`, with an Allow header on 405 that lists every method."""
    if exc.status_code == 405:
        # Starlette names only the methods of the first route whose path matched: ask them all.
        allowed = [
            method
            for method in _METHODS
            if any(
                route.matches({**request.scope, "method": method})[0] == Match.FULL
                for route in request.app.router.routes
            )
        ]
        if allowed:
            exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed)}
    return await http_exception_handler(request, exc)


async def database_unavailable(_request: Request, _exc: DatabaseUnavailableError) -> JSONResponse:
    """503 with Retry-After: no pool connection came free in time, or the database stopped
    answering (db.py logs which); the client may retry, and nothing here is a bug."""
    return JSONResponse(
        {"detail": "The database is unavailable; retry shortly"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def internal_error(_request: Request, _exc: Exception) -> JSONResponse:
    """A bare JSON 500 like every other error; details go to the server log, not the client.

    Requests through security.SecurityMiddleware get theirs from it, with its headers.
    """
    return JSONResponse({"detail": "Internal Server Error"}, status_code=500)


def _entry(error: dict[str, Any]) -> dict[str, Any]:
    if error["type"] == "json_invalid" and "ctx" in error:
        # FastAPI's own: the body is not JSON, at a byte offset, and the reason in ctx.
        return json_error(error["ctx"]["error"])
    return {"type": error["type"], "loc": list(error["loc"]), "msg": error["msg"]}
