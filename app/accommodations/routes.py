"""Accommodation pages: the organisers' list (arrange, confirm to the participant with a
confirmation step, mark delivered), the facilitator's view of their room, and the public
accessibility feedback page. The survey page asks requesters whether it worked
(evaluation's routes, through `services.survey_question` and `services.record_outcomes`)."""

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import announcing
from app.accommodations import bp, feedback, services
from app.accommodations.forms import (
    ArrangeForm,
    FeedbackAnswerForm,
    FeedbackForm,
    StepForm,
)
from app.auth.access import public, roles_required
from app.breakouts.access import can_staff
from app.choices import AgendaKind, UserRole
from app.extensions import db
from app.forms_common import db_int, select_options
from app.lookups import gathering_or_404
from app.models import AgendaItem, Gathering, PersonalDataView, User
from app.models.accommodations import (
    AccessibilityFeedback,
    AccommodationOutcome,
    AccommodationRequest,
    AccommodationStatus,
    FeedbackStatus,
)
from app.privacy_records.access_log import record_access
from app.reach import is_reachable

organiser_only = roles_required(UserRole.ORGANISER)
staff_only = roles_required(UserRole.ORGANISER, UserRole.FACILITATOR)


def _request_or_404(gathering: Gathering, request_id: int) -> AccommodationRequest:
    row = db.get_or_404(AccommodationRequest, request_id)
    if row.gathering_id != gathering.id:
        abort(404)
    return row


def _organisers() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == UserRole.ORGANISER, User.active.is_(True))
            .order_by(User.name, User.email)
        )
    )


def _arrange_form(row: AccommodationRequest, owners: list[User], formdata=None) -> ArrangeForm:
    form = ArrangeForm(prefix=f"a{row.id}", formdata=formdata)
    form.owner_id.choices = select_options(
        [("", "No owner yet"), *((str(u.id), u.name or u.email) for u in owners)]
    )
    if formdata is None:
        form.owner_id.data = str(row.owner_id or "")
        form.arrangement.data = row.arrangement
        form.arranged_by.data = row.arranged_by
    return form


def _list_page(gathering: Gathering, *, failed=None, failed_form=None, status=200):
    rows = services.requests_of(gathering)
    owners = _organisers()
    forms = {
        row.id: failed_form
        if failed is not None and row.id == failed.id
        else _arrange_form(row, owners)
        for row in rows
    }
    counts = {step: 0 for step in AccommodationStatus}
    for row in rows:
        counts[AccommodationStatus(row.status)] += 1
    return (
        render_template(
            "accommodations/index.html",
            gathering=gathering,
            rows=rows,
            forms=forms,
            counts=counts,
            new_needs=services.new_needs_count(gathering),
            step_form=StepForm(),
            need_label=services.need_label,
            statuses=AccommodationStatus,
            outcomes=AccommodationOutcome,
        ),
        status,
    )


@bp.route("/organiser/g/<slug>/accommodations")
@organiser_only
def index(slug: str):
    gathering = gathering_or_404(slug)
    record_access(
        PersonalDataView.ACCOMMODATIONS,
        user_id=current_user.id,
        gathering=gathering,
        people=len({row.registration_id for row in services.requests_of(gathering)}),
        now=datetime.now(UTC),
    )
    db.session.commit()
    return _list_page(gathering)


@bp.route("/organiser/g/<slug>/accommodations/bring-in", methods=["POST"])
@organiser_only
def bring_in(slug: str):
    gathering = gathering_or_404(slug)
    if not StepForm().validate_on_submit():
        abort(400)
    added = services.bring_in_needs(gathering)
    db.session.commit()
    flash(
        f"{added} new request{'s' if added != 1 else ''} from registrations."
        if added
        else "Every need is already a request.",
        "success",
    )
    return redirect(url_for("accommodations.index", slug=slug), 303)


@bp.route("/organiser/g/<slug>/accommodations/<int:request_id>/arrange", methods=["POST"])
@organiser_only
def arrange(slug: str, request_id: int):
    gathering = gathering_or_404(slug)
    row = _request_or_404(gathering, request_id)
    owners = _organisers()
    form = _arrange_form(row, owners, formdata=request.form)
    if form.validate_on_submit():
        owner_id = db_int(form.owner_id.data)
        owner = next((u for u in owners if u.id == owner_id), None)
        try:
            services.arrange(
                row,
                what=form.arrangement.data,
                by_whom=form.arranged_by.data or "",
                owner=owner,
                now=datetime.now(UTC),
            )
        except services.AccommodationError as error:
            db.session.rollback()
            form.arrangement.errors = [*form.arrangement.errors, str(error)]
        else:
            db.session.commit()
            flash(f"Saved: {services.need_label(row.kind)} for {row.registration.name}.", "success")
            return redirect(url_for("accommodations.index", slug=slug) + f"#r-{row.id}", 303)
    return _list_page(gathering, failed=row, failed_form=form, status=422)


@bp.route("/organiser/g/<slug>/accommodations/<int:request_id>/confirm", methods=["POST"])
@organiser_only
def confirm(slug: str, request_id: int):
    """Tell the participant what was arranged. The first post shows the confirmation
    step (who would be emailed, and the email itself); the organiser then sends it, or
    saves without emailing when they told the person another way."""
    gathering = gathering_or_404(slug)
    row = _request_or_404(gathering, request_id)
    back = url_for("accommodations.index", slug=slug) + f"#r-{row.id}"
    if not StepForm().validate_on_submit():
        abort(400)
    if row.status != AccommodationStatus.ARRANGED:
        flash("Only an arranged request can be confirmed to the participant.", "error")
        return redirect(back, 303)
    now = datetime.now(UTC)
    person = row.registration
    notices = [
        announcing.notice(
            "accommodation_arranged",
            f"what was arranged for their {services.need_label(row.kind).lower()}",
            [person] if is_reachable(person) else [],
            now=now,
            arrangements=services.arrangements_of(row),
        )
    ]
    if announcing.needs_asking(notices):
        return announcing.confirm_page(
            gathering=gathering,
            title=f"Tell {person.name} what was arranged",
            what="Only this person is emailed, and only once: the request is then "
            "confirmed. If you already told them another way (a call, a meeting), save "
            "without emailing.",
            notices=notices,
            back_url=back,
            save_label="Mark as confirmed",
        )
    chosen = announcing.decision()
    services.confirm(
        row,
        email=chosen == announcing.Decision.SEND,
        now=now,
        cause=f"Accommodation confirmed by {current_user.email}",
    )
    db.session.commit()
    flash(f"Confirmed to {person.name}. {announcing.outcome(notices, chosen)}", "success")
    return redirect(back, 303)


@bp.route("/organiser/g/<slug>/accommodations/<int:request_id>/delivered", methods=["POST"])
@organiser_only
def delivered(slug: str, request_id: int):
    gathering = gathering_or_404(slug)
    row = _request_or_404(gathering, request_id)
    if not StepForm().validate_on_submit():
        abort(400)
    try:
        services.mark_delivered(row, now=datetime.now(UTC))
    except services.AccommodationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Marked delivered: {services.need_label(row.kind)}.", "success")
    return redirect(url_for("accommodations.index", slug=slug) + f"#r-{row.id}", 303)


def _staffed_room_or_404(item_id: int) -> AgendaItem:
    room = db.session.get(AgendaItem, item_id)
    if room is None or room.kind != AgendaKind.BREAKOUT or room.removed_at is not None:
        abort(404)
    if not can_staff(current_user, room):
        abort(403)
    return room


@bp.route("/breakouts/<int:item_id>/accommodations")
@staff_only
def room(item_id: int):
    """What is arranged for people in this room, without their names."""
    room = _staffed_room_or_404(item_id)
    items, waiting = services.room_arrangements(room)
    return render_template(
        "accommodations/room.html",
        room=room,
        gathering=room.gathering,
        items=items,
        waiting=waiting,
        step_form=StepForm(),
    )


@bp.route("/breakouts/<int:item_id>/accommodations/delivered", methods=["POST"])
@staff_only
def room_delivered(item_id: int):
    """On the day: the facilitator (or an organiser) says a need was met in the room."""
    room = _staffed_room_or_404(item_id)
    if not StepForm().validate_on_submit():
        abort(400)
    kind = request.form.get("kind", "")
    done = services.mark_room_delivered(room, kind, now=datetime.now(UTC))
    db.session.commit()
    flash(
        f"Marked delivered: {services.need_label(kind)} ({done})."
        if done
        else "Nothing here was waiting to be delivered.",
        "success" if done else "error",
    )
    return redirect(url_for("accommodations.room", item_id=room.id), 303)


# Accessibility feedback: public page, organisers' list.


@bp.route("/accessibility-feedback", methods=["GET", "POST"])
@public
def give_feedback():
    form = FeedbackForm()
    if not form.is_submitted() and request.args.get("page"):
        form.page.data = request.args.get("page", "")[:500]
    if form.validate_on_submit():
        feedback.submit(
            barrier=form.barrier.data,
            page=form.page.data or "",
            name=form.name.data or "",
            contact=form.contact.data or "",
            now=datetime.now(UTC),
        )
        db.session.commit()
        return redirect(url_for("accommodations.feedback_thanks"), 303)
    return (
        render_template("accommodations/feedback.html", form=form),
        422 if form.errors else 200,
    )


@bp.route("/accessibility-feedback/thanks")
@public
def feedback_thanks():
    return render_template("accommodations/feedback_thanks.html")


@bp.route("/organiser/accessibility-feedback")
@organiser_only
def feedback_list():
    rows = feedback.all_feedback()
    record_access(
        PersonalDataView.ACCESSIBILITY_FEEDBACK,
        user_id=current_user.id,
        gathering=None,
        people=sum(1 for row in rows if row.name or row.contact),
        now=datetime.now(UTC),
    )
    db.session.commit()
    forms = {}
    for row in rows:
        form = FeedbackAnswerForm(prefix=f"f{row.id}", formdata=None)
        form.answer.data = row.answer
        forms[row.id] = form
    return render_template(
        "accommodations/feedback_list.html",
        rows=rows,
        forms=forms,
        statuses=FeedbackStatus,
        counts=feedback.counts(rows),
    )


@bp.route("/organiser/accessibility-feedback/<int:feedback_id>", methods=["POST"])
@organiser_only
def feedback_answer(feedback_id: int):
    row = db.get_or_404(AccessibilityFeedback, feedback_id)
    form = FeedbackAnswerForm(prefix=f"f{row.id}")
    if form.validate_on_submit():
        try:
            feedback.respond(
                row, action=form.action.data, answer=form.answer.data or "", now=datetime.now(UTC)
            )
        except feedback.FeedbackError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Saved: {FeedbackStatus.label_for(row.status).lower()}.", "success")
    else:
        messages = [m for errors in form.errors.values() for m in errors]
        flash(" ".join(messages) or "Try again.", "error")
    return redirect(url_for("accommodations.feedback_list") + f"#f-{row.id}", 303)
