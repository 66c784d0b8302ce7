"""Settings read from the environment (and `.env`); the same fields as the FastAPI twin."""

from functools import lru_cache
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .proxies import parse_networks


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "production"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/flask_full_stack"
    # One pool per process, small: replicas x workers x db_pool_max_size must stay below the
    # server's max_connections (README, "Connections"); put PgBouncer in front for more.
    db_pool_min_size: int = Field(default=1, ge=0)
    db_pool_max_size: int = Field(default=5, ge=1)
    # A request that waits longer than this for a connection is answered 503 with Retry-After.
    db_pool_timeout_seconds: float = Field(default=2.0, gt=0)
    # A database that stops answering fails requests after these, instead of hanging them.
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    db_statement_timeout_seconds: float = Field(default=10.0, gt=0)
    # NoDecode: read "a.example,b.example" as a list instead of expecting JSON.
    allowed_hosts: Annotated[list[str], NoDecode] = ["localhost", "127.0.0.1"]
    # Reverse proxies (addresses or CIDR blocks) whose X-Forwarded-For/-Proto are believed; none
    # by default, so the client is the TCP peer (proxies.py; README, "Behind a proxy").
    forwarded_allow_ips: Annotated[list[str], NoDecode] = []
    # Strict-Transport-Security in production (TLS ends at the proxy in front); 0 leaves it out.
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=0)
    enable_diagnostics: bool = False
    secret_key: SecretStr | None = None
    # Larger request bodies are refused with 413 before the app reads them.
    max_body_bytes: int = 1024 * 1024
    # Origins allowed to call the API from a browser; none unless listed.
    cors_origins: Annotated[list[str], NoDecode] = []
    # Per client and route, in limits' notation ("120/minute", "10/second;1000/hour"); "" = off.
    rate_limit: str = "120/minute"

    @property
    def debug(self) -> bool:
        """Debug (tracebacks in responses) only ever in development."""
        return self.environment == "development"

    @field_validator("database_url")
    @classmethod
    def _use_installed_driver(cls, value: str) -> str:
        # SQLAlchemy maps a bare postgresql:// to psycopg2; this project ships psycopg 3.
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value.removeprefix(prefix)
        return value

    @field_validator(
        "allowed_hosts",
        "cors_origins",
        "forwarded_allow_ips",
        mode="before",
    )
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip() for host in value.split(",") if host.strip()]
        return value

    @model_validator(mode="after")
    def _pool_bounds_in_order(self) -> Self:
        if self.db_pool_min_size > self.db_pool_max_size:
            raise ValueError("DB_POOL_MIN_SIZE must not exceed DB_POOL_MAX_SIZE")
        return self

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        # Only addresses and CIDR blocks: a wildcard would let any client pick its own address.
        parse_networks(value)
        return value

    @model_validator(mode="after")
    def _no_wildcard_host_in_production(self) -> Self:
        if self.environment == "production" and "*" in self.allowed_hosts:
            raise ValueError("ALLOWED_HOSTS='*' is refused in production: list the host names")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
