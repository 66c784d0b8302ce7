"""Argon2id password hashing, run in a worker thread so the event loop keeps serving."""

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults follow RFC 9106's second recommendation (64 MiB, 3 passes).
_hasher = PasswordHasher()
# Compared against when the email is unknown, so both paths cost one hash (no user enumeration).
_DUMMY_HASH = _hasher.hash("not-a-real-password")


async def hash_password(password: str) -> str:
    """The argon2id hash of `password`."""
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches `password_hash` (None: no such user, still costs a hash)."""
    matched = await anyio.to_thread.run_sync(_verify, password_hash or _DUMMY_HASH, password)
    return matched and password_hash is not None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
