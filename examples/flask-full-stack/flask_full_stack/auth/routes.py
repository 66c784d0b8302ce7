"""Pages to sign up, log in and log out."""

from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, login_user, logout_user

from . import service
from .forms import LoginForm, LogoutForm, SignupForm
from .models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message_category = "info"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return service.get_user(int(user_id)) if user_id.isdigit() else None


def init_app(app: Flask) -> None:
    """Attach session login to the app."""
    login_manager.init_app(app)


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> ResponseReturnValue:
    """Create an account and log it in."""
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = service.create_user(form.email.data or "", form.password.data or "")
        except service.EmailTakenError:
            form.email.errors = [*form.email.errors, "An account with this email exists"]
        else:
            login_user(user)
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("web.list_items"))
    return render_template("auth/signup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Log in with email and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            flash("Logged in.", "success")
            return redirect(url_for("web.list_items"))
        form.password.errors = [*form.password.errors, "Wrong email or password"]
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the session (a POST, so it carries a CSRF token)."""
    if not LogoutForm().validate_on_submit():
        abort(400, description="The CSRF token is missing or invalid")
    logout_user()
    flash("Logged out.", "info")
    return redirect(url_for("auth.login"))
