"""Sign-in for organisers, facilitators and the steering committee; forgotten and changed
passwords; one-time links from invitations and resets."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth.access import home_for, public, roles_required
from app.auth.emails import queue_password_reset
from app.auth.forms import (
    ChangePasswordForm,
    ForgottenPasswordForm,
    NewPasswordForm,
    SignInForm,
    SignOutForm,
)
from app.auth.links import find_link, use_link
from app.auth.services import (
    PasswordRefused,
    end_sessions,
    find_user,
    password_matches,
    set_password,
    sign_in,
)
from app.choices import UserRole
from app.extensions import db, login_manager
from app.models import TokenPurpose, User

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to open that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The session holds "<user id>.<session version>": a cookie from before a sign-out,
    a password change or a deactivation names an older version and is refused."""
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative '//' tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


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
            network=request.remote_addr or "",
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
                "please try again later, or set a new password."
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
        if current_user.is_authenticated:
            end_sessions(current_user)
            db.session.commit()
        logout_user()
        flash("You are signed out.", "info")
    return redirect(url_for("public.index"), 303)


@bp.route("/forgotten-password", methods=["GET", "POST"])
@public
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is not None and user.active:
            queue_password_reset(user, now=datetime.now(UTC))
            db.session.commit()
        # The same answer either way, so this form cannot tell who has an account.
        return render_template("auth/reset_sent.html"), 200
    status = 422 if form.errors else 200
    return render_template("auth/forgotten_password.html", form=form), status


@bp.route("/a/<token>", methods=["GET", "POST"])
@public
def choose_password(token: str):
    """Choose a password from an invitation or a reset link; it works once."""
    g.private_page = True
    now = datetime.now(UTC)
    link = find_link(token, now=now)
    if link is None:
        return render_template("auth/link_expired.html"), 404
    user = link.user
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            if not use_link(link, now=now):
                db.session.rollback()
                return render_template("auth/link_expired.html"), 404
            set_password(user, form.password.data)
            db.session.commit()
        except PasswordRefused as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            logout_user()
            flash("Your password is set. Sign in with it now.", "success")
            return redirect(url_for("auth.login"), 303)
    status = 422 if form.errors else 200
    invitation = link.purpose == TokenPurpose.INVITATION
    return render_template(
        "auth/set_password.html", form=form, user=user, invitation=invitation
    ), status


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required(*UserRole)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        if user is None:
            abort(404)
        if not password_matches(user, form.current.data):
            form.current.errors.append("That is not your current password.")
        else:
            try:
                set_password(user, form.password.data)
                db.session.commit()
            except PasswordRefused as exc:
                db.session.rollback()
                form.password.errors.append(str(exc))
            else:
                # Every other session has ended; this one carries on with the new version.
                login_user(user)
                flash("Your password is changed. You are signed out everywhere else.", "success")
                return redirect(home_for(user), 303)
    status = 422 if form.errors else 200
    return render_template("auth/change_password.html", form=form), status
