"""Settings from the environment, and how they reach the app."""

import pytest
from pydantic import ValidationError

from flask_ml_serving import create_app
from flask_ml_serving.config import Settings, get_settings


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@db:5432/app", "postgresql+psycopg://u@db:5432/app"),
        ("postgres://u@db/app", "postgresql+psycopg://u@db/app"),
        ("postgresql+psycopg://u@db/app", "postgresql+psycopg://u@db/app"),
        ("sqlite:///app.db", "sqlite:///app.db"),
    ],
)
def test_database_url_uses_the_installed_driver(given: str, expected: str) -> None:
    assert Settings(database_url=given).database_url == expected


def test_allowed_hosts_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", " api.example.com, .example.org ,")
    assert Settings().allowed_hosts == ["api.example.com", ".example.org"]


def test_wildcard_host_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="refused in production"):
        Settings(environment="production", allowed_hosts=["*"])


def test_wildcard_host_allows_any_host_in_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "development")
    monkeypatch.setenv("ALLOWED_HOSTS", "*")
    get_settings.cache_clear()
    try:
        app = create_app({"TESTING": True})
    finally:
        get_settings.cache_clear()
    assert app.debug
    assert app.test_client().get("/health", headers={"Host": "anything.test"}).status_code == 200


@pytest.mark.parametrize(
    ("environment", "debug"), [("development", True), ("test", False), ("production", False)]
)
def test_debug_only_in_development(environment: str, debug: bool) -> None:
    assert Settings(environment=environment).debug is debug  # type: ignore[arg-type]


def test_production_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENVIRONMENT")
    assert Settings(_env_file=None).environment == "production"  # type: ignore[call-arg]


def test_diagnostics_are_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENABLE_DIAGNOSTICS", raising=False)
    assert Settings(_env_file=None).enable_diagnostics is False  # type: ignore[call-arg]
