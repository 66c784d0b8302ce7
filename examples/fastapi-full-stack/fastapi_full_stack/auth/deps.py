"""Who is logged in: the session names a user id, the database confirms the account exists."""

from typing import Annotated

from fastapi import Depends, Request

from ..deps import DatabaseDep
from .schemas import UserRead
from .service import get_user

USER_ID_KEY = "user_id"
USER_EMAIL_KEY = "user_email"


class LoginRequiredError(Exception):
    """The page needs a logged-in user; the handler redirects to the log-in page."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def log_in(request: Request, user: UserRead) -> None:
    """Start a fresh session for `user` (a new session defeats session fixation)."""
    request.session.clear()
    request.session[USER_ID_KEY] = user.id
    request.session[USER_EMAIL_KEY] = user.email


def log_out(request: Request) -> None:
    """Forget everything this session held."""
    request.session.clear()


async def current_user(request: Request, db: DatabaseDep) -> UserRead:
    """The logged-in user; LoginRequiredError if there is none."""
    user_id = request.session.get(USER_ID_KEY)
    user = await get_user(db, user_id) if isinstance(user_id, int) else None
    if user is None:
        log_out(request)
        raise LoginRequiredError(_return_to(request))
    return user


def _return_to(request: Request) -> str:
    # Only a page can be returned to: after log-in the browser GETs it, so a form post cannot be.
    if request.method != "GET":
        return "/items"
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


CurrentUser = Annotated[UserRead, Depends(current_user)]
