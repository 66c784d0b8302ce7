"""CSRF protection: a per-session synchronizer token that every state-changing form echoes back."""

import hmac
import secrets

from fastapi import HTTPException, Request, status

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_token(request: Request) -> str:
    """This session's token, created on first use (the session cookie is signed, so it is ours)."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def rotate_token(request: Request) -> None:
    """Forget the token, e.g. when the session changes hands at log-in."""
    request.session.pop(SESSION_KEY, None)


async def require_token(request: Request) -> None:
    """Reject an unsafe request whose form does not carry this session's token (403)."""
    if request.method not in _UNSAFE_METHODS:
        return
    expected = request.session.get(SESSION_KEY)
    sent = (await request.form()).get(FORM_FIELD)
    # compare_digest: the time taken must not reveal how much of the token matched.
    if not (
        isinstance(expected, str)
        and isinstance(sent, str)
        and hmac.compare_digest(expected.encode(), sent.encode())
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="CSRF token missing or invalid")
