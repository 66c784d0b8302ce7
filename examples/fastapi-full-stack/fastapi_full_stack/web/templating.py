"""The Jinja2 environment for pages; every page gets the CSRF token, flashes and the user."""

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from ..auth.deps import USER_EMAIL_KEY
from . import csrf
from .flash import pop_flashes

HERE = Path(__file__).resolve().parent


def _page_context(request: Request) -> dict[str, Any]:
    return {
        "app_name": request.app.title,
        "csrf_token": csrf.get_token(request),
        "flashes": pop_flashes(request),
        "user_email": request.session.get(USER_EMAIL_KEY),
    }


templates = Jinja2Templates(directory=HERE / "templates", context_processors=[_page_context])


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """Render the page template `name` with `context`."""
    return templates.TemplateResponse(request, name, context, status_code=status_code)
