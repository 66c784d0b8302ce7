"""The flasgger OpenAPI document: valid, and listing every route."""

import re
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate

from flask_ml_serving import create_app


def _is_api(endpoint: str) -> bool:
    """False for routes that serve files or the docs themselves (flasgger's blueprint)."""
    return endpoint != "static" and not endpoint.startswith("flasgger.")


@pytest.fixture(scope="module")
def full_app() -> Flask:
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
