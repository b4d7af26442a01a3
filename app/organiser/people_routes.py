"""One registrant's page and the list's bulk actions. Anything that emails people or
removes something first shows a confirmation that says how many people it emails."""

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.auth.access import roles_required
from app.breakouts.assignment import AssignmentRefused
from app.choices import RegistrationStatus, UserRole
from app.extensions import db
from app.facts import current_facts
from app.forms_common import db_ints
from app.lookups import gathering_or_404
from app.models import AgendaItem, ErasureReason, Gathering, PersonalDataView, Registration
from app.organiser import bp, history, people
from app.organiser.needs import needs_labels
from app.organiser.people_forms import BULK_ACTIONS, PERSON_ACTIONS, BulkForm, PersonActionForm
from app.organiser.registrants import RegistrantFilter
from app.privacy.access_log import record_access
from app.privacy.erasure_log import log_erasure
from app.reach import is_reachable, reachable_registrations
from app.registration import services as registration_services
from app.registration.fields import form_data
from app.registration.forms import ManageForm

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
        emails = 1 if form.notify.data else 0
        text = f"Cancel {name}'s registration."
        if (
            registration.status == RegistrationStatus.CONFIRMED
            and registration_services.count_by_status(gathering, RegistrationStatus.WAITLISTED)
        ):
            text += " The first person on the waitlist gets the place and is emailed."
            emails += 1
        return text, emails
    if action == "give_place":
        return f"Give {name} a place; they are emailed their confirmation and invitation.", 1
    if action == "move":
        room = _room(gathering, form.room_id.data)
        where = f"“{room.title}”" if room else "no room"
        return f"Move {name} to {where}; they are emailed where they now go.", 1
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
    needs_confirming = action in ("cancel", "give_place", "move", "resend", "erase")
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
        if action == "cancel":
            promoted = people.cancel(registration, notify=form.notify.data, now=now)
            message = f"{registration.name}'s registration is cancelled."
            if promoted:
                message += " " + ", ".join(p.name for p in promoted) + " got the place."
        elif action == "give_place":
            people.give_place(registration, over_capacity=form.over_capacity.data, now=now)
            message = f"{registration.name} has a place and was emailed."
        elif action == "move":
            room = _room(gathering, form.room_id.data)
            changed = people.move_room(registration, room, now=now)
            message = "Room changed; they were emailed." if changed else "They are already there."
        elif action == "resend":
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
        return redirect(url_for(".registrant", slug=slug, registration_id=registration.id), 303)
    flash(message, "success")
    return redirect(url_for(".registrant", slug=slug, registration_id=registration.id), 303)


@bp.route("/g/<slug>/registrants/<int:registration_id>/edit", methods=["GET", "POST"])
@organiser_only
def edit_registrant(slug: str, registration_id: int):
    gathering = gathering_or_404(slug)
    registration = _registration_or_404(gathering, registration_id)
    if registration.erased_at is not None or registration.status == RegistrationStatus.CANCELLED:
        flash("A cancelled or erased registration cannot be edited.", "error")
        return redirect(url_for(".registrant", slug=slug, registration_id=registration.id), 303)
    form = ManageForm(
        obj=None, breakouts=gathering.breakouts, data=form_data(registration)
    )
    if form.validate_on_submit():
        try:
            registration_services.update_registration(registration, form.to_data(), now=_now())
            db.session.commit()
        except (registration_services.EmailInUse, IntegrityError):
            db.session.rollback()
            form.email.errors.append(
                "Another registration for this gathering already uses this email address."
            )
        else:
            flash(f"Saved. {registration.name} was emailed the updated registration.", "success")
            return redirect(url_for(".registrant", slug=slug, registration_id=registration.id), 303)
    status = 422 if form.errors else 200
    return (
        render_template(
            "organiser/registrant_edit.html",
            gathering=gathering,
            registration=registration,
            form=form,
        ),
        status,
    )


# --- bulk actions from the list -------------------------------------------------------


def _selected(gathering: Gathering, form: BulkForm) -> tuple[list[Registration], RegistrantFilter]:
    filters = RegistrantFilter.from_args(request.form, gathering)
    if form.all_matching.data:
        people_ = list(db.session.scalars(filters.query(gathering)))
    else:
        ids = db_ints(request.form.getlist("ids"))
        if ids is None:
            abort(400)
        people_ = list(
            db.session.scalars(
                reachable_registrations(gathering.id, statuses=None)
                .where(Registration.id.in_(ids))
                .order_by(Registration.name, Registration.id)
            )
        )
    return [p for p in people_ if is_reachable(p)], filters


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
        emails = len(affected)
    else:
        affected = [p for p in selected if p.status != RegistrationStatus.CANCELLED]
        emails = len(affected) if form.notify.data else 0
    if form.confirmed.data != "yes":
        return render_template(
            "organiser/confirm_bulk.html",
            gathering=gathering,
            form=form,
            selected=selected,
            affected=affected,
            emails=emails,
            room=room,
            filters=filters,
        )
    now = _now()
    try:
        for registration in affected:
            if action == "move":
                people.move_room(registration, room, now=now)
            else:
                people.cancel(registration, notify=form.notify.data, now=now)
        db.session.commit()
    except (people.ActionRefused, AssignmentRefused) as refused:
        db.session.rollback()
        flash(f"Nothing was changed: {refused}", "error")
        return redirect(back, 303)
    done = "moved" if action == "move" else "cancelled"
    flash(f"{len(affected)} {'person' if len(affected) == 1 else 'people'} {done}.", "success")
    return redirect(back, 303)
