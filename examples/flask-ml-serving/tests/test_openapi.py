"""The OpenAPI document: valid, listing every route, and saying what the validation does."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate

from flask_ml_serving import create_app
from flask_ml_serving.openapi import Operation, operation_of


def _is_api(endpoint: str) -> bool:
    """False for routes that serve files or the docs themselves (flasgger's blueprint)."""
    return endpoint != "static" and not endpoint.startswith("flasgger.")


@pytest.fixture(scope="module")
def full_app(model_path: Path) -> Flask:
    """An app with every optional route registered."""
    return create_app({"TESTING": True, "ENABLE_DIAGNOSTICS": True})


@pytest.fixture(scope="module")
def spec(full_app: Flask) -> dict[str, Any]:
    """The OpenAPI document as served."""
    response = full_app.test_client().get("/openapi.json")
    assert response.status_code == 200
    assert response.json is not None
    document: dict[str, Any] = response.json
    return document


def test_spec_is_valid_openapi(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_spec_lists_every_route(full_app: Flask, spec: dict[str, Any]) -> None:
    served = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in full_app.url_map.iter_rules()
        if _is_api(rule.endpoint)
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert ("/health", "get") in served
    assert served == documented


def test_docs_ui_is_served(full_app: Flask) -> None:
    response = full_app.test_client().get("/docs")
    assert response.status_code == 200
    assert b"swagger-ui" in response.data


def _declared(app: Flask) -> list[tuple[str, str, Operation]]:
    """(OpenAPI path, method, what @api declared) for each declared route."""
    return [
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower(), operation)
        for rule in app.url_map.iter_rules()
        if (operation := operation_of(app.view_functions[rule.endpoint])) is not None
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    ]


def _inline(schema: Any, lookup: Callable[[str], Any]) -> Any:
    """schema with every $ref replaced by what it points to, and no $defs or titles of refs."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(lookup(schema["$ref"]), lookup)
        return {key: _inline(value, lookup) for key, value in schema.items() if key != "$defs"}
    if isinstance(schema, list):
        return [_inline(item, lookup) for item in schema]
    return schema


def _documented(spec: dict[str, Any], schema: Any) -> Any:
    components = spec["components"]["schemas"]
    return _inline(schema, lambda ref: components[ref.removeprefix("#/components/schemas/")])


def _model(model: Any, mode: Any) -> Any:
    schema = model.model_json_schema(mode=mode)
    return _inline(schema, lambda ref: schema["$defs"][ref.removeprefix("#/$defs/")])


def test_every_json_route_declares_its_models(full_app: Flask) -> None:
    undeclared = [
        rule.rule
        for rule in full_app.url_map.iter_rules()
        if _is_api(rule.endpoint) and operation_of(full_app.view_functions[rule.endpoint]) is None
    ]
    assert undeclared == []


def test_documented_schemas_are_the_validating_models(
    full_app: Flask, spec: dict[str, Any]
) -> None:
    declared = _declared(full_app)
    assert declared
    for path, method, operation in declared:
        documented = spec["paths"][path][method]
        where = f"{method.upper()} {path}"
        if operation.body is not None:
            body = documented["requestBody"]["content"]["application/json"]["schema"]
            assert _documented(spec, body) == _model(operation.body, "validation"), where
        else:
            assert "requestBody" not in documented, where
        query = {p["name"]: p for p in documented.get("parameters", []) if p["in"] == "query"}
        expected = operation.query.model_json_schema() if operation.query else {"properties": {}}
        assert query.keys() == expected["properties"].keys(), where
        for name, parameter in query.items():
            assert parameter["schema"] == expected["properties"][name], where
            assert parameter["required"] == (name in expected.get("required", ())), where
        responses = documented["responses"]
        assert set(responses) == {str(operation.status), *map(str, operation.errors)}, where
        for status, model in [(operation.status, operation.response), *operation.errors.items()]:
            content = responses[str(status)].get("content")
            if model is None:
                assert content is None, where
                continue
            schema = content["application/json"]["schema"]
            assert _documented(spec, schema) == _model(model, "serialization"), where


def test_documented_bounds_are_the_enforced_ones(full_app: Flask, spec: dict[str, Any]) -> None:
    # Independent of the models: whatever the document says is out of range answers 422.
    client = full_app.test_client()
    checked = 0
    for path, operations in spec["paths"].items():
        url = re.sub(r"{\w+}", "1", path)
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema, name = parameter["schema"], parameter["name"]
                if parameter["in"] != "query":
                    continue
                for bound, outside in (("maximum", 1), ("minimum", -1)):
                    if bound not in schema:
                        continue
                    value = schema[bound] + outside
                    response = client.open(url, method=method, query_string={name: value})
                    assert response.status_code == 422, (method, url, name, value)
                    assert response.json is not None
                    assert ["query", name] in [error["loc"] for error in response.json["detail"]]
                    checked += 1
            body = operation.get("requestBody")
            if body is None:
                continue
            schema = _documented(spec, body["content"]["application/json"]["schema"])
            if not schema.get("required"):
                continue
            response = client.open(url, method=method, json={})
            missing = sorted(
                error["loc"][-1]
                for error in (response.json or {}).get("detail", [])
                if error["type"] == "missing"
            )
            assert response.status_code == 422, (method, url)
            assert missing == sorted(schema.get("required", [])), (method, url)
            checked += 1
    assert checked
