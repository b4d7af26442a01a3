"""One registrant's page and the list's bulk actions. Anything that emails people or
removes something first shows a confirmation that says how many people it emails."""

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app import announcing
from app.announcing import Decision
from app.auth.access import roles_required
from app.breakouts.assignment import AssignmentRefused
from app.choices import RegistrationStatus, UserRole
from app.edits import EditConflict, require_unchanged, version_of
from app.extensions import db
from app.facts import current_facts
from app.forms_common import db_ints
from app.lookups import gathering_or_404
from app.models import AgendaItem, ErasureReason, Gathering, PersonalDataView, Registration
from app.needs import needs_labels
from app.organiser import bp, history, people, registrants
from app.organiser.people_forms import BULK_ACTIONS, PERSON_ACTIONS, BulkForm, PersonActionForm
from app.organiser.registrants import RegistrantFilter
from app.outbound import notifications
from app.privacy_records.access_log import record_access
from app.privacy_records.erasure_log import log_erasure
from app.registrant_answers import ManageForm
from app.registration import services as registration_services
from app.registration.fields import form_data

organiser_only = roles_required(UserRole.ORGANISER)


def _now() -> datetime:
    return datetime.now(UTC)


def _registration_or_404(gathering: Gathering, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.gathering_id != gathering.id:
        abort(404)
    return registration


def _room(gathering: Gathering, value: str | None) -> AgendaItem | None:
    if not value:
        return None
    room = next((r for r in gathering.breakouts if str(r.id) == value), None)
    if room is None:
        abort(400)
    return room


@bp.route("/g/<slug>/registrants/<int:registration_id>")
@organiser_only
def registrant(slug: str, registration_id: int):
    gathering = gathering_or_404(slug)
    registration = _registration_or_404(gathering, registration_id)
    record_access(
        PersonalDataView.ACCESSIBILITY
        if registration.accessibility_needs
        else PersonalDataView.REGISTRANT,
        user_id=current_user.id,
        gathering=gathering,
        people=1,
        now=_now(),
        detail=f"registration {registration.id}",
    )
    db.session.commit()
    return _registrant_page(gathering, registration)


def _registrant_page(gathering, registration, *, status: int = 200, form=None):
    form = form or PersonActionForm(
        rooms=gathering.breakouts,
        data={"room_id": str(registration.assigned_breakout_id or "")},
    )
    confirmed = registration_services.count_by_status(gathering, RegistrationStatus.CONFIRMED)
    return (
        render_template(
            "organiser/registrant.html",
            gathering=gathering,
            registration=registration,
            form=form,
            lines=history.history(registration),
            attended=registration.id in current_facts(gathering).attended_ids,
            marked=people.marked_attended(registration),
            position=registration_services.waitlist_position(registration),
            full=gathering.capacity is not None and confirmed >= gathering.capacity,
            confirmed_count=confirmed,
            needs=needs_labels(registration.accessibility_needs),
        ),
        status,
    )


def _consequence(gathering, registration, form) -> tuple[str, int]:
    """What the action will do, in words, and how many people it emails."""
    name = registration.name
    action = form.action.data
    if action == "cancel":
        text = f"Cancel {name}'s registration."
        if (
            registration.status == RegistrationStatus.CONFIRMED
            and registration_services.count_by_status(gathering, RegistrationStatus.WAITLISTED)
        ):
            text += " The first person on the waitlist gets the place."
        return text, 0
    if action == "give_place":
        return f"Give {name} a place.", 0
    if action == "move":
        room = _room(gathering, form.room_id.data)
        where = f"“{room.title}”" if room else "no room"
        return f"Move {name} to {where}.", 0
    if action == "resend":
        return f"Email {name} a new private link to their registration.", 1
    if action == "erase":
        return (
            f"Erase {name}'s personal data: name, email, organisation, needs, identity and "
            "territory. The registration stays only as an anonymous count. This cannot be "
            "undone.",
            0,
        )
    return "", 0


@bp.route("/g/<slug>/registrants/<int:registration_id>/act", methods=["POST"])
@organiser_only
def act(slug: str, registration_id: int):
    gathering = gathering_or_404(slug)
    registration = _registration_or_404(gathering, registration_id)
    form = PersonActionForm(rooms=gathering.breakouts)
    if not form.validate_on_submit() or form.action.data not in PERSON_ACTIONS:
        abort(400)
    action = form.action.data
    if action in ANNOUNCED_ACTIONS:
        return _act_and_announce(gathering, registration, form)
    needs_confirming = action in ("resend", "erase")
    if needs_confirming and form.confirmed.data != "yes":
        text, emails = _consequence(gathering, registration, form)
        return render_template(
            "organiser/confirm_person.html",
            gathering=gathering,
            registration=registration,
            form=form,
            text=text,
            emails=emails,
        )
    now = _now()
    actor = current_user.id
    try:
        if action == "resend":
            people.resend_link(registration, actor_id=actor, now=now)
            message = f"A new private link is on its way to {registration.email}."
        elif action in ("attended", "not_attended"):
            people.mark_attended(registration, action == "attended", actor_id=actor, now=now)
            message = "Marked as attended." if action == "attended" else "Attendance mark removed."
        else:
            people.erase(registration, actor_id=actor, now=now)
            log_erasure(gathering.id, ErasureReason.ORGANISER, actor_id=actor, now=now)
            message = "Personal data erased; the registration remains as an anonymous count."
        db.session.commit()
    except (people.ActionRefused, AssignmentRefused) as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for(".registrant", slug=slug, registration_id=registration.id), 303)
    flash(message, "success")
    return redirect(url_for(".registrant", slug=slug, registration_id=registration.id), 303)


# Actions whose emails the organiser sees and chooses to send (announcing).
ANNOUNCED_ACTIONS = ("cancel", "give_place", "move")


def _act_and_announce(gathering: Gathering, registration: Registration, form):
    """Cancel, give a place or move: worked out, then shown with the emails it would
    send; saved with or without them once the organiser chooses."""
    action = form.action.data
    back = url_for(".registrant", slug=gathering.slug, registration_id=registration.id)
    now = _now()
    name = registration.name
    try:
        if action == "cancel":
            had_invite = registration.status == RegistrationStatus.CONFIRMED
            promoted = people.cancel(registration, now=now)
            notices = [
                announcing.notice(
                    "cancelled", "their registration is cancelled", [registration], now=now
                ),
                announcing.notice(
                    "promoted", "a place opened: they are registered", promoted, now=now
                ),
            ]
            message = f"{name}'s registration is cancelled."
            if promoted:
                message += " " + ", ".join(p.name for p in promoted) + " got the place."

            def send(cause: str) -> None:
                notifications.cancelled(registration, had_invite=had_invite, cause=cause)
                for person in promoted:
                    notifications.promoted(person, cause=cause)

        elif action == "give_place":
            people.give_place(registration, over_capacity=form.over_capacity.data, now=now)
            notices = [
                announcing.notice(
                    "promoted", "they have a place: their confirmation", [registration], now=now
                )
            ]
            message = f"{name} has a place."

            def send(cause: str) -> None:
                notifications.promoted(registration, cause=cause)

        else:
            room = _room(gathering, form.room_id.data)
            before = registration.breakout_for_invite
            changed = people.move_room(registration, room, now=now)
            told = (
                [registration] if changed and registration.breakout_for_invite is not before else []
            )
            notices = [
                announcing.notice(
                    "room_assigned",
                    "their new breakout room with an updated invitation",
                    told,
                    now=now,
                )
            ]
            message = "Room changed." if changed else "They are already there."

            def send(cause: str) -> None:
                for person in told:
                    notifications.room_assigned(person, cause=cause)

    except registration_services.OverCapacity:
        db.session.rollback()
        form.over_capacity.errors = [
            f"The gathering is full ({gathering.capacity} places). Tick the box to give the "
            "place anyway, over capacity."
        ]
        return _registrant_page(gathering, registration, status=409, form=form)
    except (people.ActionRefused, AssignmentRefused) as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(back, 303)
    if announcing.needs_asking(notices):
        text, _ = _consequence(gathering, registration, form)
        return announcing.confirm_page(
            gathering=gathering,
            title="Please confirm",
            what=text,
            notices=notices,
            back_url=back,
            save_label={"cancel": "Cancel it", "give_place": "Give the place"}.get(
                action, "Move them"
            ),
        )
    if not any(item.people for item in notices) and form.confirmed.data != "yes":
        db.session.rollback()
        text, emails = _consequence(gathering, registration, form)
        return render_template(
            "organiser/confirm_person.html",
            gathering=gathering,
            registration=registration,
            form=form,
            text=text,
            emails=emails,
        )
    if announcing.decision() == Decision.SEND:
        send(f"{ACTION_CAUSES[action]} by {current_user.email}")
    db.session.commit()
    flash(f"{message} {announcing.outcome(notices, announcing.decision())}", "success")
    return redirect(back, 303)


ACTION_CAUSES = {
    "cancel": "Registration cancelled",
    "give_place": "Place given from the waitlist",
    "move": "Moved to another room",
}


@bp.route("/g/<slug>/registrants/<int:registration_id>/edit", methods=["GET", "POST"])
@organiser_only
def edit_registrant(slug: str, registration_id: int):
    gathering = gathering_or_404(slug)
    registration = _registration_or_404(gathering, registration_id)
    if registration.erased_at is not None or registration.status == RegistrationStatus.CANCELLED:
        flash("A cancelled or erased registration cannot be edited.", "error")
        return redirect(url_for(".registrant", slug=slug, registration_id=registration.id), 303)
    form = ManageForm(obj=None, breakouts=gathering.breakouts, data=form_data(registration))
    if not form.is_submitted():
        form.opened_version.data = version_of(registration)
    changed_since = False
    if form.validate_on_submit():
        now = _now()
        back = url_for(".registrant", slug=slug, registration_id=registration.id)
        try:
            require_unchanged(
                form.opened_version.data,
                Registration,
                Registration.id == registration.id,
                gathering_id=gathering.id,
            )
            registration_services.update_registration(registration, form.to_data(), now=now)
            db.session.flush()
        except EditConflict:
            db.session.rollback()
            db.session.refresh(registration)
            form.opened_version.data = version_of(registration)
            changed_since = True
        except (registration_services.EmailInUse, IntegrityError):
            db.session.rollback()
            form.email.errors.append(
                "Another registration for this gathering already uses this email address."
            )
        else:
            notices = [
                announcing.notice(
                    "registration_changed", "their updated registration", [registration], now=now
                )
            ]
            if announcing.needs_asking(notices):
                return announcing.confirm_page(
                    gathering=gathering,
                    title=f"Save the changes to {registration.name}'s registration?",
                    what="They see the changes on their private page either way.",
                    notices=notices,
                    back_url=back,
                )
            if announcing.decision() == Decision.SEND:
                notifications.registration_changed(
                    registration, cause=f"Registration edited by {current_user.email}"
                )
            db.session.commit()
            flash(f"Saved. {announcing.outcome(notices, announcing.decision())}", "success")
            return redirect(back, 303)
    status = 409 if changed_since else 422 if form.errors else 200
    return (
        render_template(
            "organiser/registrant_edit.html",
            gathering=gathering,
            registration=registration,
            form=form,
            changed_since=changed_since,
        ),
        status,
    )


# --- bulk actions from the list -------------------------------------------------------


def _selected(gathering: Gathering, form: BulkForm) -> tuple[list[Registration], RegistrantFilter]:
    filters = RegistrantFilter.from_args(request.form, gathering)
    ids = [] if form.all_matching.data else db_ints(request.form.getlist("ids"))
    if ids is None:
        abort(400)
    chosen = registrants.selected(gathering, filters, all_matching=form.all_matching.data, ids=ids)
    return chosen, filters


@bp.route("/g/<slug>/registrants/bulk", methods=["POST"])
@organiser_only
def bulk(slug: str):
    gathering = gathering_or_404(slug)
    form = BulkForm(rooms=gathering.breakouts)
    if not form.validate_on_submit() or form.action.data not in BULK_ACTIONS:
        abort(400)
    selected, filters = _selected(gathering, form)
    back = url_for(".registrants", slug=slug, **filters.as_args())
    if not selected:
        flash("Tick at least one person, or choose “all people matching the filters”.", "error")
        return redirect(back, 303)
    action = form.action.data
    if action == "message":
        return redirect(
            url_for(
                "messages.compose",
                slug=slug,
                segment="selected",
                ids=",".join(str(p.id) for p in selected),
            ),
            303,
        )
    room = _room(gathering, form.room_id.data) if action == "move" else None
    if action == "move":
        affected = [
            p
            for p in selected
            if p.status == RegistrationStatus.CONFIRMED
            and p.assigned_breakout_id != (room.id if room else None)
        ]
    else:
        affected = [p for p in selected if p.status != RegistrationStatus.CANCELLED]
    now = _now()
    told: list[Registration] = []
    cancelled: list[tuple[Registration, bool]] = []
    promoted: list[Registration] = []
    try:
        for registration in affected:
            if action == "move":
                before = registration.breakout_for_invite
                people.move_room(registration, room, now=now)
                if registration.breakout_for_invite is not before:
                    told.append(registration)
            else:
                had_invite = registration.status == RegistrationStatus.CONFIRMED
                promoted.extend(people.cancel(registration, now=now))
                cancelled.append((registration, had_invite))
    except (people.ActionRefused, AssignmentRefused) as refused:
        db.session.rollback()
        flash(f"Nothing was changed: {refused}", "error")
        return redirect(back, 303)
    if action == "move":
        notices = [
            announcing.notice(
                "room_assigned", "their new breakout room with an updated invitation", told, now=now
            )
        ]
    else:
        notices = [
            announcing.notice(
                "cancelled",
                "their registration is cancelled",
                [person for person, _ in cancelled],
                now=now,
            ),
            announcing.notice("promoted", "a place opened: they are registered", promoted, now=now),
        ]
    if form.confirmed.data != "yes" and not any(item.people for item in notices):
        db.session.rollback()
        return render_template(
            "organiser/confirm_bulk.html",
            gathering=gathering,
            form=form,
            selected=selected,
            affected=affected,
            emails=0,
            room=room,
            filters=filters,
        )
    done = "moved" if action == "move" else "cancelled"
    if announcing.needs_asking(notices):
        names = ", ".join(person.name for person in affected[:20])
        more = f" and {len(affected) - 20} more" if len(affected) > 20 else ""
        where = f"“{room.title}”" if room else "no room"
        return announcing.confirm_page(
            gathering=gathering,
            title=f"{'Move' if action == 'move' else 'Cancel'} {len(affected)} "
            f"{'person' if len(affected) == 1 else 'people'}?",
            what=(f"To {where}: " if action == "move" else "Cancelled: ") + names + more + ".",
            notices=notices,
            back_url=back,
            save_label="Move them" if action == "move" else "Cancel them",
        )
    if announcing.decision() == Decision.SEND:
        cause = f"{len(affected)} people {done} together by {current_user.email}"
        for person in told:
            notifications.room_assigned(person, cause=cause)
        for person, had_invite in cancelled:
            notifications.cancelled(person, had_invite=had_invite, cause=cause)
        for person in promoted:
            notifications.promoted(person, cause=cause)
    db.session.commit()
    count = f"{len(affected)} {'person' if len(affected) == 1 else 'people'} {done}."
    flash(f"{count} {announcing.outcome(notices, announcing.decision())}", "success")
    return redirect(back, 303)
