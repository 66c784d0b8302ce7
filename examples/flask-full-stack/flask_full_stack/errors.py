"""JSON error bodies shaped like FastAPI's, so clients see the same API from both templates."""

from typing import Any

from flask import Flask, current_app
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.wrappers import Response

# How long a client should wait before retrying when the database is busy or unreachable.
RETRY_AFTER_SECONDS = 1


class ErrorMessage(BaseModel):
    """Body of 4xx/5xx errors other than validation: {"detail": "..."}."""

    detail: str


class ValidationErrorEntry(BaseModel):
    """One invalid input: pydantic's error type, where the input is, and what is wrong with it.

    The input itself is never echoed: it may be a value JSON cannot encode.
    """

    type: str
    loc: list[str | int]
    msg: str


class HTTPValidationError(BaseModel):
    """Body of a 422 response, as FastAPI sends it."""

    detail: list[ValidationErrorEntry]


class RequestValidationError(Exception):
    """The request's body or query string failed validation (rendered as 422)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


def init_app(app: Flask) -> None:
    """Render every HTTP error and every validation failure as JSON."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(RequestValidationError, _validation_error)
    # No connection within DB_POOL_TIMEOUT_SECONDS, or the database refused, timed out or went
    # away: the client may retry, so 503 with Retry-After instead of a 500 and a traceback.
    app.register_error_handler(PoolTimeoutError, _database_unavailable)
    app.register_error_handler(OperationalError, _database_unavailable)


def _http_error(error: HTTPException) -> Response:
    # Keep werkzeug's response for its status and headers (e.g. Allow on 405), swap in JSON.
    response = error.get_response()
    # Werkzeug's default descriptions are paragraphs; send the short reason like Starlette does.
    custom = error.description != type(error).description
    detail = error.description if custom else error.name
    if isinstance(error, SecurityError):
        # An untrusted Host: Starlette's words, and never the Host value that was sent.
        detail = "Invalid host header"
    response.set_data(current_app.json.dumps({"detail": detail}))
    response.mimetype = "application/json"
    return response


def _validation_error(error: RequestValidationError) -> tuple[dict[str, Any], int]:
    return {"detail": error.errors}, 422


def _database_unavailable(
    error: PoolTimeoutError | OperationalError,
) -> tuple[dict[str, str], int, dict[str, str]]:
    # The driver's message may name the host: the log gets the error's kind, the client less.
    cause = type(getattr(error, "orig", None) or error).__name__
    current_app.logger.warning("database unavailable: %s", cause)
    detail = {"detail": "The database is unavailable; retry shortly"}
    return detail, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
