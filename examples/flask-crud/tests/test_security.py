"""Hardened defaults: trusted hosts, body limit, CORS, headers, request ids, logs, rate limit."""

import json
import logging

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from flask_crud import create_app
from flask_crud.config import get_settings

# A path behind every defence (not a probe) that takes a JSON body.
PROTECTED = "/api/items"


def build(monkeypatch: pytest.MonkeyPatch, **env: str) -> Flask:
    """An app built from the session's environment plus `env`."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        return create_app({"TESTING": True})
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    "host",
    [
        # The BadHost pattern behind CVE-2026-48710: a path and query smuggled into Host.
        "example.com/health?x=",
        "localhost/health?x=",
        "evil.example",
        "localhost.evil.example",
    ],
)
def test_untrusted_host_is_rejected(client: FlaskClient, host: str) -> None:
    response = client.get(PROTECTED, headers={"Host": host})
    assert response.status_code == 400
    assert response.json == {"detail": "Invalid host header"}


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for path in ("/health", "/no/such/path"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_request_id_is_echoed_or_made(client: FlaskClient) -> None:
    echoed = client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    made = client.get("/health", headers={"X-Request-ID": "no spaces or tabs"})
    assert made.headers["X-Request-ID"] != "no spaces or tabs"
    assert len(made.headers["X-Request-ID"]) == 32


def test_oversized_body_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    client = build(monkeypatch, MAX_BODY_BYTES="32", RATE_LIMIT="").test_client()
    body = b'{"name": "' + b"x" * 64 + b'"}'
    response = client.post(PROTECTED, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json == {"detail": "Request body too large"}


def test_no_cors_by_default(client: FlaskClient) -> None:
    response = client.get("/health", headers={"Origin": "https://app.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_origins_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    client = build(monkeypatch, CORS_ORIGINS="https://app.example").test_client()
    preflight = client.options(
        PROTECTED,
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    other = client.get("/health", headers={"Origin": "https://evil.example"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "Access-Control-Allow-Origin" not in other.headers


def test_rate_limit_answers_429(monkeypatch: pytest.MonkeyPatch) -> None:
    client = build(monkeypatch, RATE_LIMIT="2/minute").test_client()
    statuses = [client.get("/openapi.json").status_code for _ in range(3)]
    probes = [client.get("/health").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert probes == [200, 200, 200], "probes must never be throttled"


def test_logs_are_json_lines_without_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app({"TESTING": True})  # binds the log handler to the captured stdout
    logger = logging.getLogger("flask_crud.test")

    @app.get("/careless")
    def careless() -> dict[str, str]:
        # What a careless handler might log: the header and a URL with a password.
        logger.warning("auth header %s", request.headers["Authorization"])
        logger.warning("Authorization: %s", request.headers["Authorization"])
        logger.warning("connecting to postgresql://app:hunter2@db/app")
        return {}

    response = app.test_client().get(
        "/careless", headers={"Authorization": "Bearer s3cr3t-t0ken", "X-Request-ID": "req-42"}
    )
    assert response.status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    assert len(lines) == 3
    assert {line["request_id"] for line in lines} == {"req-42"}
    assert {line["level"] for line in lines} == {"WARNING"}
    text = json.dumps(lines)
    assert "s3cr3t-t0ken" not in text
    assert "hunter2" not in text
    assert "[REDACTED]" in text
