"""One-time messages shown on the next page rendered, kept in the session between requests."""

from typing import Literal

from starlette.requests import Request

Category = Literal["success", "error", "info"]
SESSION_KEY = "flashes"


def flash(request: Request, message: str, category: Category = "info") -> None:
    """Queue `message` for the next page this session sees."""
    request.session.setdefault(SESSION_KEY, []).append([category, message])
    # The list was changed in place; reassign so the session knows to re-sign the cookie.
    request.session[SESSION_KEY] = request.session[SESSION_KEY]


def pop_flashes(request: Request) -> list[tuple[str, str]]:
    """The queued messages as (category, message), removed from the session."""
    queued = request.session.pop(SESSION_KEY, [])
    return [(str(category), str(message)) for category, message in queued]
