"""Item pages: list, create, edit and delete, for logged-in users."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from pydantic import ValidationError

from ..items import service
from ..items.schemas import ItemCreate, ItemUpdate
from .forms import DeleteForm, ItemForm

bp = Blueprint("web", __name__)
PAGE_SIZE = 100


@bp.get("/")
def index() -> ResponseReturnValue:
    """The items list is the home page."""
    return redirect(url_for("web.list_items"))


@bp.get("/items")
@login_required
def list_items() -> ResponseReturnValue:
    """Every item, with edit and delete buttons."""
    items, total = service.list_items(PAGE_SIZE, 0)
    return render_template("items/list.html", items=items, total=total, delete_form=DeleteForm())


@bp.route("/items/new", methods=["GET", "POST"])
@login_required
def create_item() -> ResponseReturnValue:
    """A blank item form; on a valid POST, the new item."""
    form = ItemForm()
    if form.validate_on_submit():
        try:
            data = ItemCreate(name=form.name.data or "", description=form.description.data or None)
            item = service.create_item(data)
        except (ValidationError, service.DuplicateNameError) as exc:
            form.name.errors = [*form.name.errors, _message(exc)]
        else:
            flash(f"Created {item.name!r}.", "success")
            return redirect(url_for("web.list_items"))
    return render_template("items/form.html", form=form, item_id=None)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int) -> ResponseReturnValue:
    """The item's form; on a valid POST, the changes saved."""
    form = ItemForm()
    if form.validate_on_submit():
        try:
            data = ItemUpdate(name=form.name.data or "", description=form.description.data or None)
            item = service.update_item(item_id, data)
        except (ValidationError, service.DuplicateNameError) as exc:
            form.name.errors = [*form.name.errors, _message(exc)]
        else:
            if item is None:
                abort(404, description=f"Item {item_id} not found")
            flash(f"Saved {item.name!r}.", "success")
            return redirect(url_for("web.list_items"))
    elif not form.is_submitted():
        found = service.get_item(item_id)
        if found is None:
            abort(404, description=f"Item {item_id} not found")
        form.name.data = found.name
        form.description.data = found.description
    return render_template("items/form.html", form=form, item_id=item_id)


@bp.post("/items/<int:item_id>/delete")
@login_required
def delete_item(item_id: int) -> ResponseReturnValue:
    """Delete the item (a POST with a CSRF token)."""
    if not DeleteForm().validate_on_submit():
        abort(400, description="The CSRF token is missing or invalid")
    if not service.delete_item(item_id):
        abort(404, description=f"Item {item_id} not found")
    flash("Item deleted.", "info")
    return redirect(url_for("web.list_items"))


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(error["msg"] for error in exc.errors())
    return str(exc)
