"""Flask-Admin for items, only for users marked is_admin (`flask make-admin EMAIL`)."""

from typing import Any

from flask import Flask, abort, redirect, request, url_for
from flask_admin import Admin, AdminIndexView
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import SecureForm
from flask_login import current_user

from ..extensions import db
from ..items.models import Item


def _allowed() -> bool:
    return bool(current_user.is_authenticated and current_user.is_admin)


def _refuse() -> Any:
    # Anonymous users are sent to log in; logged-in non-admins get 403.
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.url))
    abort(403)


class _IndexView(AdminIndexView):
    def is_accessible(self) -> bool:
        return _allowed()

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return _refuse()


class ItemAdmin(ModelView):
    """Items in the admin panel; SecureForm adds a CSRF token to every form."""

    form_base_class = SecureForm
    column_list = ("id", "name", "description", "created_at", "updated_at")
    form_columns = ("name", "description")

    def is_accessible(self) -> bool:
        return _allowed()

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return _refuse()


def init_app(app: Flask) -> None:
    """Mount the admin panel at /admin."""
    admin = Admin(app, name="Admin", index_view=_IndexView())
    admin.add_view(ItemAdmin(Item, db))
