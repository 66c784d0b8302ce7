"""Strict JSON request bodies: NaN, Infinity and lone surrogates are refused while parsing.

FastAPI parses bodies with `json.loads`, which accepts all three; a model then refuses them and
the 422 would have to echo a value JSON cannot encode. Routers that take JSON bodies set
`route_class=StrictJSONRoute`: such a body is an "Invalid JSON" 422, as pydantic words it.
"""

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from pydantic_core import from_json


class StrictJSONRequest(Request):
    """A request whose JSON body is parsed by `parse_json`."""

    async def json(self) -> Any:
        """The body as strict JSON; FastAPI turns the JSONDecodeError into its 422."""
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = parse_json(body)
            except ValueError as exc:
                raise json.JSONDecodeError(str(exc), body.decode(errors="replace"), 0) from None
        return self._json


class StrictJSONRoute(APIRoute):
    """A route whose endpoint and dependencies see a StrictJSONRequest (FastAPI's documented
    way to customise request parsing)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, given a StrictJSONRequest."""
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler  # no body to parse (the reads): nothing to wrap, nothing to pay

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler


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
