"""Settings from the environment, and how they reach the app."""

import pytest
from pydantic import ValidationError

from fastapi_crud.config import Settings
from fastapi_crud.main import create_app


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@db:5432/app", "postgresql+asyncpg://u@db:5432/app"),
        ("postgres://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("postgresql+asyncpg://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("sqlite:///app.db", "sqlite+aiosqlite:///app.db"),
        ("sqlite+aiosqlite:///app.db", "sqlite+aiosqlite:///app.db"),
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


@pytest.mark.parametrize(
    ("environment", "debug"), [("development", True), ("test", False), ("production", False)]
)
def test_debug_only_in_development(environment: str, debug: bool) -> None:
    settings = Settings(environment=environment)  # type: ignore[arg-type]
    assert settings.debug is debug
    assert create_app(settings).debug is debug


def test_production_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENVIRONMENT")
    assert Settings(_env_file=None).environment == "production"


def test_diagnostics_are_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENABLE_DIAGNOSTICS", raising=False)
    assert Settings(_env_file=None).enable_diagnostics is False
