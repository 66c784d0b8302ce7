"""Item pages: list, create, edit and delete, for logged-in users."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import RedirectResponse, Response

from ..auth.deps import CurrentUser
from ..deps import DatabaseDep
from ..items import service
from ..items.schemas import INT4_MAX, ItemCreate, ItemUpdate
from .csrf import require_token
from .flash import flash
from .forms import form_values, validate
from .templating import render

PAGE_SIZE = 20
router = APIRouter(include_in_schema=False, dependencies=[Depends(require_token)])


def _item_fields(values: dict[str, str]) -> dict[str, Any]:
    # An empty textarea means "no description", as null does in the API.
    return {"name": values.get("name", ""), "description": values.get("description") or None}


def _to_list() -> Response:
    return RedirectResponse("/items", status.HTTP_303_SEE_OTHER)


@router.get("/")
async def home() -> Response:
    """The items page is the home page."""
    return _to_list()


@router.get("/items")
async def list_page(
    request: Request,
    _user: CurrentUser,
    db: DatabaseDep,
    offset: Annotated[int, Query(ge=0, le=INT4_MAX)] = 0,
) -> Response:
    """A page of items with links to edit and delete them."""
    page = await service.list_items(db, PAGE_SIZE, offset)
    return render(request, "items/list.html", page=page)


@router.get("/items/new")
async def new_page(request: Request, _user: CurrentUser) -> Response:
    """An empty item form."""
    return render(request, "items/form.html", item=None, errors={}, values={})


@router.post("/items/new")
async def create(request: Request, _user: CurrentUser, db: DatabaseDep) -> Response:
    """Create an item from the form, or show the form again with its errors."""
    values = form_values(await request.form())
    result = validate(ItemCreate, _item_fields(values))
    if not isinstance(result, dict):
        try:
            item = await service.create_item(db, result)
        except service.DuplicateNameError as exc:
            result = {"name": str(exc)}
        else:
            flash(request, f"Created {item.name!r}.", "success")
            return _to_list()
    return render(
        request,
        "items/form.html",
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        item=None,
        errors=result,
        values=values,
    )


@router.get("/items/{item_id}/edit")
async def edit_page(
    request: Request, item_id: int, _user: CurrentUser, db: DatabaseDep
) -> Response:
    """The item form, filled in."""
    item = await service.get_item(db, item_id)
    if item is None:
        return _missing(request, item_id)
    values = {"name": item.name, "description": item.description or ""}
    return render(request, "items/form.html", item=item, errors={}, values=values)


@router.post("/items/{item_id}/edit")
async def update(request: Request, item_id: int, _user: CurrentUser, db: DatabaseDep) -> Response:
    """Save the edited item, or show the form again with its errors."""
    values = form_values(await request.form())
    result = validate(ItemUpdate, _item_fields(values))
    if not isinstance(result, dict):
        try:
            item = await service.update_item(db, item_id, result)
        except service.DuplicateNameError as exc:
            result = {"name": str(exc)}
        else:
            if item is None:
                return _missing(request, item_id)
            flash(request, f"Saved {item.name!r}.", "success")
            return _to_list()
    current = await service.get_item(db, item_id)
    if current is None:
        return _missing(request, item_id)
    return render(
        request,
        "items/form.html",
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        item=current,
        errors=result,
        values=values,
    )


@router.post("/items/{item_id}/delete")
async def delete(request: Request, item_id: int, _user: CurrentUser, db: DatabaseDep) -> Response:
    """Delete the item and go back to the list."""
    if not await service.delete_item(db, item_id):
        return _missing(request, item_id)
    flash(request, "Item deleted.", "success")
    return _to_list()


def _missing(request: Request, item_id: int) -> Response:
    flash(request, f"Item {item_id} not found.", "error")
    return _to_list()
