"""Sign-in for organisers, facilitators and the steering committee."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth.access import public
from app.auth.forms import SignInForm, SignOutForm
from app.auth.services import sign_in
from app.choices import UserRole
from app.extensions import db, login_manager
from app.models import User

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to open that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative '//' tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


HOME_ENDPOINTS = {
    UserRole.ORGANISER: "organiser.home",
    UserRole.FACILITATOR: "breakouts.home",
    UserRole.STEERING: "report_runs.home",
}


def home_for(user: User) -> str:
    endpoint = HOME_ENDPOINTS.get(user.role, "public.index")
    if endpoint not in current_app.view_functions:
        endpoint = "public.index"
    return url_for(endpoint)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        config = current_app.config
        result = sign_in(
            form.email.data,
            form.password.data,
            now=datetime.now(UTC),
            max_failures=config["LOGIN_MAX_FAILURES"],
            lock_minutes=config["LOGIN_LOCK_MINUTES"],
        )
        db.session.commit()
        if result.user is not None:
            login_user(result.user)
            return redirect(safe_next(request.args.get("next")) or home_for(result.user), 303)
        if result.locked_until is not None:
            error = (
                "Too many unsuccessful attempts. This account is locked for a few minutes; "
                "please try again later."
            )
            return render_template("auth/login.html", form=form, error=error), 429
        error = "That email and password do not match an account."
    status = 401 if error else (422 if form.errors else 200)
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/sign-out", methods=["POST"])
@public
def logout():
    form = SignOutForm()
    if form.validate_on_submit():
        logout_user()
        flash("You are signed out.", "info")
    return redirect(url_for("public.index"), 303)
