"""The diagnostics route exists only when enabled."""

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_full_stack import create_app


@pytest.fixture(scope="module")
def diag_app() -> Flask:
    """An app with ENABLE_DIAGNOSTICS on."""
    return create_app({"TESTING": True, "ENABLE_DIAGNOSTICS": True})


def test_disabled_by_default(client: FlaskClient) -> None:
    response = client.get("/_diag/db-sleep?seconds=0")
    assert response.status_code == 404
    assert response.json == {"detail": "Not Found"}


def test_db_sleep_holds_the_database(diag_app: Flask) -> None:
    started = time.perf_counter()
    response = diag_app.test_client().get("/_diag/db-sleep?seconds=0.2")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response.json == {"slept": 0.2}
    assert elapsed >= 0.2


@pytest.mark.parametrize("seconds", ["-1", "11", "abc"])
def test_db_sleep_rejects_bad_seconds(diag_app: Flask, seconds: str) -> None:
    response = diag_app.test_client().get(f"/_diag/db-sleep?seconds={seconds}")
    assert response.status_code == 422
    assert response.json is not None
    assert response.json["detail"][0]["loc"] == ["query", "seconds"]
