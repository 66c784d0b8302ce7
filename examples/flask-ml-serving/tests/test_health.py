"""Liveness and readiness."""

from flask.testing import FlaskClient

from flask_ml_serving import create_app


def test_health_is_ok(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_ready_when_database_answers(client: FlaskClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json == {"status": "ready"}


def test_ready_is_503_when_database_is_unreachable() -> None:
    # Port 1 on loopback refuses connections at once.
    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": unreachable})
    response = app.test_client().get("/ready")
    assert response.status_code == 503
    body = response.json
    assert body is not None
    assert body["status"] == "unavailable"
    assert body["detail"].startswith("database: ")
    assert "127.0.0.1" not in body["detail"]
