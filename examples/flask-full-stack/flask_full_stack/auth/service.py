"""Accounts: create users and check passwords (argon2id via argon2-cffi)."""

from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import Row, Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from ..extensions import autocommit
from .models import User

users: Table = User.__table__  # type: ignore[assignment]
_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
_BY_ID = select(users).where(users.c.id == bindparam("user_id"))
_BY_EMAIL = select(users).where(users.c.email == bindparam("email"))
_INSERT = insert(users).returning(users)


class EmailTakenError(Exception):
    """An account with this email exists."""


def create_user(email: str, password: str) -> User:
    """Store a new user; EmailTakenError if the email is in use (the unique index decides)."""
    values = {"email": email.strip().lower(), "password_hash": _hasher.hash(password)}
    try:
        with autocommit() as conn:
            row = conn.execute(_INSERT, values).one()
    except IntegrityError as exc:
        raise EmailTakenError(email) from exc
    return _user(row)


def authenticate(email: str, password: str) -> User | None:
    """The user if the password matches, else None."""
    with autocommit() as conn:
        row = conn.execute(_BY_EMAIL, {"email": email.strip().lower()}).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except VerificationError:
        return None
    return _user(row) if row else None


def get_user(user_id: int) -> User | None:
    """The user with this id, if any."""
    with autocommit() as conn:
        row = conn.execute(_BY_ID, {"user_id": user_id}).first()
    return _user(row) if row else None


def _user(row: Row[Any]) -> User:
    # A detached User for Flask-Login and the pages: read, never flushed by a session.
    return User(**row._mapping)
