"""Request validation with pydantic: flasgger skips OpenAPI 3 request bodies (flasgger #608)."""

from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from .errors import RequestValidationError

M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M]) -> M:
    """The JSON request body validated as model, or a 422 listing every problem."""
    try:
        return model.model_validate_json(request.get_data())
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
    return RequestValidationError(_entries(exc, location))


def _entries(exc: ValidationError, location: str) -> list[dict[str, Any]]:
    # FastAPI's shape: loc starts with where the input came from ("body", "query").
    return [
        {"loc": [location, *error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
