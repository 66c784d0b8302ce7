"""Accounts: create users and check passwords (argon2id via argon2-cffi)."""

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .models import User

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class EmailTakenError(Exception):
    """An account with this email exists."""


def create_user(email: str, password: str) -> User:
    """Store a new user; EmailTakenError if the email is in use."""
    user = User(email=email.strip().lower(), password_hash=_hasher.hash(password))
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise EmailTakenError(email) from exc
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the password matches, else None."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except VerificationError:
        return None
    return user


def get_user(user_id: int) -> User | None:
    """The user with this id, if any."""
    return db.session.get(User, user_id)


def count_users() -> int:
    """How many accounts exist."""
    return db.session.scalar(select(func.count()).select_from(User)) or 0
