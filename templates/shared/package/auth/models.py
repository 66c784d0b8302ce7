"""The users table."""

from datetime import datetime

{% if framework == 'flask' -%}
from flask_login import UserMixin
{% endif -%}
from sqlalchemy import DateTime, String, {% if framework == 'flask' %}false, {% endif %}func
from sqlalchemy.orm import Mapped, mapped_column

from ..{{ 'db' if framework == 'fastapi' else 'extensions' }} import Base


class User({% if framework == 'flask' %}UserMixin, {% endif %}Base):
    """Someone who can log in; the email is stored lower-cased, the password as an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
{%- if framework == 'flask' %}
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
{%- endif %}
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
