"""Request and response bodies for items (they validate and document each route: openapi.py)."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

# PostgreSQL text cannot hold NUL, so refuse it here instead of failing in the driver.
Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00]*$")]
Description = Annotated[str, StringConstraints(max_length=1000, pattern=r"^[^\x00]*$")]
INT4_MAX = 2**31 - 1


class ItemCreate(BaseModel):
    """Body of POST /api/items."""

    name: Name
    description: Description | None = None


class ItemUpdate(BaseModel):
    """Body of PATCH /api/items/{id}: only the fields sent are changed."""

    name: Name | None = None
    description: Description | None = None

    @field_validator("name")
    @classmethod
    def _name_not_null(cls, value: str | None) -> str:
        # Omit name to keep it; an explicit null would break the NOT NULL column.
        if value is None:
            raise ValueError("name cannot be null")
        return value


class ItemRead(BaseModel):
    """An item as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime

    @field_validator("created_at", "updated_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        # Always UTC, so both frameworks write "...Z" whatever the database session's time zone;
        # SQLite drops the zone from stored timestamps, and its CURRENT_TIMESTAMP is UTC.
        return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


class ItemPage(BaseModel):
    """One page of items plus the total count."""

    items: list[ItemRead]
    total: int
    limit: int
    offset: int


class Pagination(BaseModel):
    """Query string of GET /api/items."""

    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=INT4_MAX)
