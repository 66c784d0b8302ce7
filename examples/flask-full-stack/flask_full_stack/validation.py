"""Request validation with pydantic: flasgger skips OpenAPI 3 request bodies (flasgger #608).

Bodies are parsed and validated the way FastAPI does it (strict JSON, then the model in Python
mode), so both frameworks answer the same 422 for the same input.
"""

from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

from .errors import RequestValidationError
from .security import read_body

M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M]) -> M:
    """The JSON request body validated as model, or a 422 listing every problem."""
    raw = read_body()
    if not raw:
        raise RequestValidationError([missing_body()])
    try:
        data = parse_json(raw)
    except ValueError as exc:
        raise RequestValidationError([json_error(str(exc))]) from None
    try:
        # from_attributes, as FastAPI validates bodies: the same messages for the same input.
        return model.model_validate(data, from_attributes=True)
    except ValidationError as exc:
        raise request_error(exc, "body") from None


def parse_query(model: type[M]) -> M:
    """The query string validated as model, or a 422 listing every problem."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise request_error(exc, "query") from None


def request_error(exc: ValidationError, location: str) -> RequestValidationError:
    """The 422 for a pydantic failure on input from `location` ("body", "query")."""
    return RequestValidationError(error_entries(exc, location))


def parse_json(raw: bytes) -> Any:
    """The JSON document in raw; ValueError unless it is strict JSON.

    NaN, Infinity and lone surrogates are not JSON: refused here, they never reach a model or an
    error body that would have to echo them. A number too large for a float arrives as inf, which
    the models' float fields refuse.
    """
    return from_json(raw, allow_inf_nan=False)


def json_error(reason: str) -> dict[str, Any]:
    """The 422 entry for a body that is not JSON."""
    return {"type": "json_invalid", "loc": ["body"], "msg": f"Invalid JSON: {reason}"}


def missing_body() -> dict[str, Any]:
    """The 422 entry for an empty body where one is required."""
    return {"type": "missing", "loc": ["body"], "msg": "Field required"}


def error_entries(exc: ValidationError, *prefix: str | int) -> list[dict[str, Any]]:
    """pydantic's errors as 422 entries: type, loc (after prefix) and msg, never the input."""
    return [
        {"type": error["type"], "loc": [*prefix, *error["loc"]], "msg": error["msg"]}
        for error in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
