"""JSON errors for every failure, and the trusted-host check."""

import pytest
from flask.testing import FlaskClient

from flask_ml_serving import create_app


@pytest.mark.parametrize("host", ["example.com", "example.com/health?x=", "localhost.evil.com"])
def test_untrusted_host_is_400(client: FlaskClient, host: str) -> None:
    response = client.get("/health", headers={"Host": host})
    assert response.status_code == 400
    assert response.json == {"detail": "Invalid host header"}


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8000"])
def test_trusted_host_is_served(client: FlaskClient, host: str) -> None:
    assert client.get("/health", headers={"Host": host}).status_code == 200


def test_unknown_route_is_json_404(client: FlaskClient) -> None:
    response = client.get("/no/such/route")
    assert response.status_code == 404
    assert response.json == {"detail": "Not Found"}


def test_wrong_method_is_json_405_with_allow(client: FlaskClient) -> None:
    response = client.put("/health")
    assert response.status_code == 405
    assert response.json == {"detail": "Method Not Allowed"}
    assert "GET" in response.headers["Allow"]


def test_unhandled_error_is_json_500_with_headers() -> None:
    app = create_app({"PROPAGATE_EXCEPTIONS": False})

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert response.json == {"detail": "Internal Server Error"}
    # Every header of any other response.
    assert response.headers["X-Request-ID"] == "boom-1"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers
