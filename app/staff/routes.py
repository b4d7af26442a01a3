"""Organisers' pages for staff accounts, and inviting a facilitator from a room's page."""

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.access import roles_required
from app.choices import AgendaKind, UserRole
from app.extensions import db
from app.forms_common import db_ints
from app.lookups import gathering_or_404
from app.models import AgendaItem, User
from app.staff import bp, services
from app.staff.forms import AccountForm, ConfirmForm, InviteForm, RoomInviteForm

organiser_only = roles_required(UserRole.ORGANISER)


def _acting() -> User:
    return current_user._get_current_object()


def _account_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/organiser/accounts/")
@organiser_only
def accounts():
    return render_template(
        "staff/accounts.html",
        rows=services.account_rows(now=datetime.now(UTC)),
        confirm_form=ConfirmForm(),
    )


@bp.route("/organiser/accounts/invite", methods=["GET", "POST"])
@organiser_only
def invite():
    rooms = services.open_rooms()
    form = InviteForm(rooms=rooms)
    if form.validate_on_submit():
        chosen = set(db_ints(form.rooms.data or []) or ())
        try:
            user = services.invite(
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                rooms=[room for room in rooms if room.id in chosen],
                room_role=form.room_role.data,
                invited_by=_acting(),
                now=datetime.now(UTC),
            )
            db.session.commit()
        except services.StaffRefused as exc:
            db.session.rollback()
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            flash(f"Invitation sent to {user.email}.", "success")
            return redirect(url_for("staff.accounts"), 303)
    status = 422 if form.errors else 200
    return render_template("staff/invite.html", form=form, has_rooms=bool(rooms)), status


@bp.route("/organiser/accounts/<int:user_id>", methods=["GET", "POST"])
@organiser_only
def account(user_id: int):
    user = _account_or_404(user_id)
    form = AccountForm(obj=user)
    if form.validate_on_submit():
        try:
            changed = services.update_account(
                user, name=form.name.data, role=form.role.data, acting=_acting()
            )
            db.session.commit()
        except services.StaffRefused as exc:
            db.session.rollback()
            getattr(form, exc.field or "role").errors.append(str(exc))
        else:
            message = "Account saved."
            if changed:
                message += " Their role changed, so they need to sign in again."
            flash(message, "success")
            return redirect(url_for("staff.accounts"), 303)
    status = 422 if form.errors else 200
    now = datetime.now(UTC)
    return render_template(
        "staff/account.html",
        form=form,
        user=user,
        status_label=services.account_status(
            user, now=now, lock=services.locks_of([user.email], now=now).get(user.email)
        )[1],
        rooms=services.rooms_of([user.id]).get(user.id, []),
        confirm_form=ConfirmForm(),
    ), status


def _account_action(user_id: int, action, done: str):
    user = _account_or_404(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(user)
        db.session.commit()
    except services.StaffRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(done.format(email=user.email), "success")
    return redirect(url_for("staff.accounts"), 303)


@bp.route("/organiser/accounts/<int:user_id>/resend", methods=["POST"])
@organiser_only
def resend(user_id: int):
    return _account_action(
        user_id,
        lambda user: services.resend_invitation(user, invited_by=_acting(), now=datetime.now(UTC)),
        "A new invitation is on its way to {email}; the earlier link no longer works.",
    )


@bp.route("/organiser/accounts/<int:user_id>/deactivate", methods=["POST"])
@organiser_only
def deactivate(user_id: int):
    return _account_action(
        user_id,
        lambda user: services.deactivate(user, acting=_acting()),
        "{email} is deactivated and signed out everywhere.",
    )


@bp.route("/organiser/accounts/<int:user_id>/reactivate", methods=["POST"])
@organiser_only
def reactivate(user_id: int):
    return _account_action(user_id, services.reactivate, "{email} can sign in again.")


@bp.route("/organiser/g/<slug>/breakouts/<int:item_id>/invite", methods=["GET", "POST"])
@organiser_only
def invite_to_room(slug: str, item_id: int):
    """Add a facilitator to a room by email address; an address without an account gets
    an invitation first."""
    gathering = gathering_or_404(slug)
    room = db.session.get(AgendaItem, item_id)
    if room is None or room.gathering_id != gathering.id or room.kind != AgendaKind.BREAKOUT:
        abort(404)
    form = RoomInviteForm()
    if form.validate_on_submit():
        try:
            user, invited = services.add_to_room_by_email(
                room,
                email=form.email.data,
                name=form.name.data,
                room_role=form.room_role.data,
                invited_by=_acting(),
                now=datetime.now(UTC),
            )
            db.session.commit()
        except services.StaffRefused as exc:
            db.session.rollback()
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            if invited:
                flash(
                    f"{user.email} has no account yet: an invitation is on its way, "
                    "and the room is theirs once they set a password.",
                    "success",
                )
            else:
                flash(f"{user.name or user.email} added to this room.", "success")
            return redirect(url_for("breakouts.manage_room", slug=slug, item_id=room.id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "staff/invite_to_room.html", form=form, gathering=gathering, room=room
    ), status
