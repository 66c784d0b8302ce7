"""Hardened defaults: trusted hosts, body limit, CORS, headers, request ids, logs, rate limit."""

import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import pytest
from fastapi import Request
from httpx import ASGITransport, AsyncClient

from fastapi_ml_serving.config import Settings, get_settings
from fastapi_ml_serving.main import create_app

pytestmark = pytest.mark.anyio
MakeClient = Callable[[Settings], AbstractAsyncContextManager[AsyncClient]]
# Paths behind every defence (not probes): one that answers GET, one that reads a JSON body.
PROTECTED = "/model"
PROTECTED_POST = "/predict"


def settings(**overrides: object) -> Settings:
    """The session's settings with some fields replaced."""
    return get_settings().model_copy(update=overrides)


@pytest.mark.parametrize(
    "host",
    [
        # The BadHost pattern behind CVE-2026-48710: a path and query smuggled into Host.
        "example.com/health?x=",
        "localhost/health?x=",
        "evil.example",
        "localhost.evil.example",
        # A port must be digits.
        "localhost:",
        "localhost:80x",
    ],
)
async def test_untrusted_host_is_rejected(client: AsyncClient, host: str) -> None:
    response = await client.get(PROTECTED, headers={"Host": host})
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid host header"}


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "localhost:8000", "LocalHost:8000"])
async def test_allowed_host_is_served(client: AsyncClient, host: str) -> None:
    response = await client.get("/health", headers={"Host": host})
    assert response.status_code == 200


async def test_wildcard_host_allows_any_host_in_development(make_client: MakeClient) -> None:
    async with make_client(settings(environment="development", allowed_hosts=["*"])) as client:
        response = await client.get("/health", headers={"Host": "anything.test"})
    assert response.status_code == 200


def test_debug_is_off_unless_development() -> None:
    assert not create_app(settings(environment="production")).debug
    assert not create_app(settings(environment="test")).debug
    assert create_app(settings(environment="development")).debug


async def test_security_headers_on_every_response(client: AsyncClient) -> None:
    for path in ("/health", "/no/such/path"):
        headers = (await client.get(path)).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]


async def test_request_id_is_echoed_or_made(client: AsyncClient) -> None:
    echoed = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    made = await client.get("/health", headers={"X-Request-ID": "no spaces\tor tabs"})
    assert made.headers["x-request-id"] != "no spaces\tor tabs"
    assert len(made.headers["x-request-id"]) == 32


async def test_oversized_body_is_refused(make_client: MakeClient) -> None:
    body = b'{"name": "' + b"x" * 64 + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        yield body[:32]
        yield body[32:]

    async with make_client(settings(max_body_bytes=32)) as client:
        sized = await client.post(PROTECTED_POST, content=body)
        chunked = await client.post(PROTECTED_POST, content=chunks())
    assert sized.status_code == 413
    assert sized.json() == {"detail": "Request body too large"}
    assert chunked.status_code == 413


async def test_no_cors_by_default(client: AsyncClient) -> None:
    response = await client.get("/health", headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in response.headers


async def test_cors_origins_come_from_settings(make_client: MakeClient) -> None:
    async with make_client(settings(cors_origins=["https://app.example"])) as client:
        preflight = await client.options(
            PROTECTED,
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
        )
        other = await client.get("/health", headers={"Origin": "https://evil.example"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in other.headers


async def test_rate_limit_answers_429(make_client: MakeClient) -> None:
    async with make_client(settings(rate_limit="2/minute")) as client:
        statuses = [(await client.get(PROTECTED)).status_code for _ in range(3)]
        probes = [(await client.get("/health")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert probes == [200, 200, 200], "probes must never be throttled"


async def test_logs_are_json_lines_without_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app(get_settings())  # binds the log handler to the captured stdout
    logger = logging.getLogger("fastapi_ml_serving.test")

    @app.get("/careless")
    async def careless(request: Request) -> dict[str, str]:
        # What a careless handler might log: the header and a URL with a password.
        logger.warning("auth header %s", request.headers["authorization"])
        logger.warning("Authorization: %s", request.headers["authorization"])
        logger.warning("connecting to postgresql://app:hunter2@db/app")
        return {}

    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://localhost") as client:
        response = await client.get(
            "/careless",
            headers={"Authorization": "Bearer s3cr3t-t0ken", "X-Request-ID": "req-42"},
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
