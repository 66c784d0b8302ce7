"""User persistence: create accounts and check credentials (one statement each, in autocommit)."""

import asyncpg

from ..db import Database
from .passwords import hash_password, verify_password
from .schemas import LoginForm, SignupForm, UserRead

INSERT = "INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id, email"
SELECT_BY_EMAIL = "SELECT id, email, password_hash FROM users WHERE email = $1"
SELECT_BY_ID = "SELECT id, email FROM users WHERE id = $1"


class EmailTakenError(Exception):
    """Another account already uses this email."""


async def create_user(db: Database, form: SignupForm) -> UserRead:
    """Store a new user with a hashed password; EmailTakenError if the email is in use."""
    # Hashed before borrowing a connection: no connection waits on the hashing thread.
    password_hash = await hash_password(form.password)
    # The unique index decides, so two concurrent sign-ups cannot both take an email.
    try:
        async with db.connection() as conn:
            [row] = await conn.fetch(INSERT, form.email, password_hash)  # RETURNING: one row
    except asyncpg.UniqueViolationError as exc:
        raise EmailTakenError(f"{form.email} already has an account") from exc
    return UserRead.model_validate(dict(row))


async def authenticate(db: Database, form: LoginForm) -> UserRead | None:
    """The user these credentials belong to, or None."""
    async with db.connection() as conn:
        row = await conn.fetchrow(SELECT_BY_EMAIL, form.email)
    user = None if row is None else dict(row)
    password_hash = None if user is None else user["password_hash"]
    # Verified after the connection is back in the pool: hashing takes a thread for a while.
    valid = await verify_password(password_hash, form.password)
    return UserRead.model_validate(user) if valid else None


async def get_user(db: Database, user_id: int) -> UserRead | None:
    """The user with this id, if the account still exists."""
    async with db.connection() as conn:
        row = await conn.fetchrow(SELECT_BY_ID, user_id)
    return None if row is None else UserRead.model_validate(dict(row))
