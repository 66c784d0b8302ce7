"""User persistence: create accounts and check credentials."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .models import User
from .passwords import hash_password, verify_password
from .schemas import LoginForm, SignupForm


class EmailTakenError(Exception):
    """Another account already uses this email."""


async def create_user(session: AsyncSession, form: SignupForm) -> User:
    """Store a new user with a hashed password; EmailTakenError if the email is in use."""
    user = User(email=form.email, password_hash=await hash_password(form.password))
    session.add(user)
    # The unique index decides, so two concurrent sign-ups cannot both take an email.
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise EmailTakenError(f"{form.email} already has an account") from exc
    return user


async def authenticate(session: AsyncSession, form: LoginForm) -> User | None:
    """The user these credentials belong to, or None."""
    user = await session.scalar(select(User).where(User.email == form.email))
    valid = await verify_password(None if user is None else user.password_hash, form.password)
    return user if valid else None


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    """The user with this id, if the account still exists."""
    return await session.get(User, user_id)
