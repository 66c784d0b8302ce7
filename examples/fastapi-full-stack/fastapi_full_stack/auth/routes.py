"""Sign-up, log-in and log-out pages."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import RedirectResponse, Response

from ..deps import DatabaseDep
from ..web.csrf import require_token
from ..web.flash import flash
from ..web.forms import form_values, validate
from ..web.templating import render
from . import service
from .deps import log_in, log_out
from .schemas import LoginForm, SignupForm

router = APIRouter(prefix="/auth", include_in_schema=False, dependencies=[Depends(require_token)])
NextPath = Annotated[str, Query(alias="next")]


def safe_next(path: str) -> str:
    """`path` if it stays on this site, else the items page (no open redirects)."""
    if path.startswith("/") and not path.startswith(("//", "/\\")):
        return path
    return "/items"


@router.get("/signup")
async def signup_page(request: Request) -> Response:
    """The sign-up form."""
    return render(request, "auth/signup.html", errors={}, values={})


@router.post("/signup")
async def signup(request: Request, db: DatabaseDep) -> Response:
    """Create an account and log it in."""
    values = form_values(await request.form())
    result = validate(SignupForm, values)
    if isinstance(result, dict):
        return _form(request, "auth/signup.html", result, values)
    try:
        user = await service.create_user(db, result)
    except service.EmailTakenError:
        errors = {"email": "An account with this email already exists"}
        return _form(request, "auth/signup.html", errors, values)
    log_in(request, user)
    flash(request, "Welcome! Your account is ready.", "success")
    return RedirectResponse("/items", status.HTTP_303_SEE_OTHER)


@router.get("/login")
async def login_page(request: Request, next_path: NextPath = "/items") -> Response:
    """The log-in form."""
    return render(request, "auth/login.html", errors={}, values={}, next=safe_next(next_path))


@router.post("/login")
async def login(request: Request, db: DatabaseDep, next_path: NextPath = "/items") -> Response:
    """Check the credentials and start a session."""
    values = form_values(await request.form())
    result = validate(LoginForm, values)
    user = None if isinstance(result, dict) else await service.authenticate(db, result)
    if user is None:
        # One message for every failure, so the form does not reveal which emails have accounts.
        errors = {"__all__": "Wrong email or password"}
        return _form(request, "auth/login.html", errors, values, next=safe_next(next_path))
    log_in(request, user)
    flash(request, "You are logged in.", "success")
    return RedirectResponse(safe_next(next_path), status.HTTP_303_SEE_OTHER)


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session."""
    log_out(request)
    flash(request, "You are logged out.", "info")
    return RedirectResponse("/auth/login", status.HTTP_303_SEE_OTHER)


def _form(
    request: Request, name: str, errors: dict[str, str], values: dict[str, str], **extra: str
) -> Response:
    # Never send a password back to the browser.
    shown = {key: value for key, value in values.items() if key != "password"}
    return render(
        request, name, status.HTTP_422_UNPROCESSABLE_CONTENT, errors=errors, values=shown, **extra
    )
