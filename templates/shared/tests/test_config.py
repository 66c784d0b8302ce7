"""Settings from the environment, and how they reach the app."""

import pytest
from pydantic import ValidationError

{% if framework == 'fastapi' -%}
from {{ project_slug }}.config import Settings
from {{ project_slug }}.main import create_app
{%- else -%}
from {{ project_slug }} import create_app
from {{ project_slug }}.config import Settings, get_settings
{%- endif %}
{%- if database != 'none' %}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
{%- if framework == 'fastapi' %}
        ("postgresql://u@db:5432/app", "postgresql+asyncpg://u@db:5432/app"),
        ("postgres://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("postgresql+asyncpg://u@db/app", "postgresql+asyncpg://u@db/app"),
        ("sqlite:///app.db", "sqlite+aiosqlite:///app.db"),
        ("sqlite+aiosqlite:///app.db", "sqlite+aiosqlite:///app.db"),
{%- else %}
        ("postgresql://u@db:5432/app", "postgresql+psycopg://u@db:5432/app"),
        ("postgres://u@db/app", "postgresql+psycopg://u@db/app"),
        ("postgresql+psycopg://u@db/app", "postgresql+psycopg://u@db/app"),
        ("sqlite:///app.db", "sqlite:///app.db"),
{%- endif %}
    ],
)
def test_database_url_uses_the_installed_driver(given: str, expected: str) -> None:
    assert Settings(database_url=given).database_url == expected
{%- endif %}


def test_allowed_hosts_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", " api.example.com, .example.org ,")
    assert Settings().allowed_hosts == ["api.example.com", ".example.org"]


def test_wildcard_host_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="refused in production"):
        Settings(environment="production", allowed_hosts=["*"])
{%- if framework == 'flask' %}


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
{%- endif %}


@pytest.mark.parametrize(
    ("environment", "debug"), [("development", True), ("test", False), ("production", False)]
)
def test_debug_only_in_development(environment: str, debug: bool) -> None:
{%- if framework == 'fastapi' %}
    settings = Settings(environment=environment)  # type: ignore[arg-type]
    assert settings.debug is debug
    assert create_app(settings).debug is debug
{%- else %}
    assert Settings(environment=environment).debug is debug  # type: ignore[arg-type]
{%- endif %}

{#- Flask's mypy runs without the pydantic plugin, which knows the settings' _env_file. #}
{%- set env_file_ignore = '  # type: ignore[call-arg]' if framework == 'flask' else '' %}


def test_production_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENVIRONMENT")
    assert Settings(_env_file=None).environment == "production"{{ env_file_ignore }}


def test_diagnostics_are_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENABLE_DIAGNOSTICS", raising=False)
    assert Settings(_env_file=None).enable_diagnostics is False{{ env_file_ignore }}
