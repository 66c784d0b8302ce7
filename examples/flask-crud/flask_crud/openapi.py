"""The OpenAPI document, built from the pydantic models that validate each route.

A route declares its models once, with `@api(...)` under its `@bp.get/post/...`:

    @bp.post("")
    @api(body=ItemCreate, response=ItemRead, status=201, errors=(409, 422))
    def create_item(body: ItemCreate) -> ItemRead: ...

The decorator validates the query string and the JSON body with those models (422 otherwise),
passes them to the view as `query=` and `body=`, and writes a returned model as the JSON response
with `status`. `init_app` turns every declared route into the document that flasgger serves at
/openapi.json (Swagger UI at /docs), so the document cannot drift from the validation.
"""

import functools
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from flasgger import Swagger
from flask import Flask, Response
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from .errors import ErrorMessage, HTTPValidationError
from .validation import parse_body, parse_query

View = Callable[..., ResponseReturnValue | BaseModel]
REF_TEMPLATE = "#/components/schemas/{model}"
# Werkzeug's converters as OpenAPI path parameters (`<int:item_id>` -> {item_id}).
_CONVERTERS = {
    "int": {"type": "integer", "minimum": 0},
    "float": {"type": "number", "minimum": 0},
    "default": {"type": "string"},
}
_PATH_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
# flasgger bundles Swagger UI 3, which cannot render OpenAPI 3.1; load 5, as FastAPI does.
_SWAGGER_UI = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"


@dataclass(frozen=True)
class Operation:
    """What `@api` declared about one route: its models, its status and its error answers."""

    summary: str
    description: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: Mapping[int, type[BaseModel]] = field(default_factory=dict)

    def models(self) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
        """The component schemas: request bodies as validated, responses as serialised."""
        # The query model is not one: its fields become the operation's parameters.
        pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = []
        if self.body is not None:
            pairs.append((self.body, "validation"))
        for model in (self.response, *self.errors.values()):
            if model is not None:
                pairs.append((model, "serialization"))
        return pairs


def api(
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: Iterable[int] | Mapping[int, type[BaseModel]] = (),
    validate_body: bool = True,
) -> Callable[[View], Callable[..., ResponseReturnValue]]:
    """Declare a route's models: they validate the request and document the route.

    `errors` lists the error statuses the route can answer: 422 with the validation error body,
    any other with {"detail": ...}; or maps each status to its body's model. With
    `validate_body=False` the view reads the body and validates it against `body` itself.
    """
    if not isinstance(errors, Mapping):
        errors = {code: HTTPValidationError if code == 422 else ErrorMessage for code in errors}

    def decorate(view: View) -> Callable[..., ResponseReturnValue]:
        summary, _, description = inspect.cleandoc(view.__doc__ or "").partition("\n")
        operation = Operation(
            summary=summary,
            description=description.strip(),
            body=body,
            query=query,
            response=response,
            status=status,
            errors=dict(errors),
        )

        @functools.wraps(view)
        def validated(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None and validate_body:
                kwargs["body"] = parse_body(body)
            result = view(*args, **kwargs)
            if isinstance(result, BaseModel):
                # pydantic writes the JSON itself: no dict in between.
                return Response(result.model_dump_json(), status, mimetype="application/json")
            return result

        validated.openapi = operation  # type: ignore[attr-defined]
        return validated

    return decorate


def operation_of(view: Callable[..., Any]) -> Operation | None:
    """The operation `@api` declared on a view function, if any."""
    operation = getattr(view, "openapi", None)
    return operation if isinstance(operation, Operation) else None


def document(app: Flask, title: str, version: str, description: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route of app declared with `@api`."""
    declared = [
        (rule, operation)
        for rule in app.url_map.iter_rules()
        if (operation := operation_of(app.view_functions[rule.endpoint])) is not None
    ]
    pairs = list(dict.fromkeys(pair for _, op in declared for pair in op.models()))
    refs, schemas = models_json_schema(pairs, ref_template=REF_TEMPLATE)
    paths: dict[str, dict[str, Any]] = {}
    for rule, operation in declared:
        path = _PATH_ARGUMENT.sub(r"{\2}", rule.rule)
        tag = rule.endpoint.partition(".")[0] if "." in rule.endpoint else "default"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.rule, operation, tag, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {"schemas": schemas.get("$defs", {})},
    }


def _operation(
    rule: str,
    operation: Operation,
    tag: str,
    refs: Mapping[tuple[Any, JsonSchemaMode], Any],
) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": _CONVERTERS[kind or "default"]}
        for kind, name in _PATH_ARGUMENT.findall(rule)
    ]
    if operation.query is not None:
        schema = operation.query.model_json_schema(mode="validation", ref_template=REF_TEMPLATE)
        required = set(schema.get("required", ()))
        parameters += [
            {"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema["properties"].items()
        ]
    spec: dict[str, Any] = {"tags": [tag], "summary": operation.summary}
    if operation.description:
        spec["description"] = operation.description
    if parameters:
        spec["parameters"] = parameters
    if operation.body is not None:
        content = {"application/json": {"schema": refs[operation.body, "validation"]}}
        spec["requestBody"] = {"required": True, "content": content}
    responses: dict[str, Any] = {}
    success: dict[str, Any] = {"description": HTTPStatus(operation.status).phrase}
    if operation.response is not None:
        schema = refs[operation.response, "serialization"]
        success["content"] = {"application/json": {"schema": schema}}
    responses[str(operation.status)] = success
    for code, model in sorted(operation.errors.items()):
        content = {"application/json": {"schema": refs[model, "serialization"]}}
        responses[str(code)] = {"description": HTTPStatus(code).phrase, "content": content}
    spec["responses"] = responses
    return spec


def init_app(app: Flask, title: str, version: str, description: str) -> Swagger:
    """Serve the document at /openapi.json and Swagger UI at /docs; call after every blueprint.

    One Swagger per app: flasgger caches the document on the instance.
    """
    spec = document(app, title, version, description)
    config = {
        "openapi": spec["openapi"],
        "specs": [
            {
                "endpoint": "openapi",
                "route": "/openapi.json",
                # The paths come whole from `document`; flasgger reads no docstrings.
                "rule_filter": lambda rule: False,
                "model_filter": lambda tag: False,
            }
        ],
        "title": title,
        "specs_route": "/docs",
        "static_url_path": "/flasgger_static",
        "headers": [],
        "swagger_ui_bundle_js": f"{_SWAGGER_UI}/swagger-ui-bundle.js",
        "swagger_ui_standalone_preset_js": f"{_SWAGGER_UI}/swagger-ui-standalone-preset.js",
        "swagger_ui_css": f"{_SWAGGER_UI}/swagger-ui.css",
    }
    template = {key: value for key, value in spec.items() if key != "openapi"}
    return Swagger(app, config=config, template=template)
