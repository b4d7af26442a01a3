"""Pages for facilitators (their rooms and notes) and for organisers (assignment, staff,
who has submitted)."""

from datetime import UTC, datetime

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app import announcing, markdown, timefmt
from app.announcing import Decision
from app.auth.access import roles_required
from app.breakouts import assignment, bp, note_taking, staffing
from app.breakouts.access import can_staff
from app.breakouts.forms import (
    AssignForm,
    ConfirmForm,
    LockForm,
    MoveForm,
    NotesForm,
    StaffForm,
)
from app.breakouts.note_taking import NoteContent
from app.choices import PRIORITY_AREA_SHORT, AgendaKind, PriorityArea, UserRole
from app.extensions import db
from app.forms_common import db_int
from app.lookups import gathering_or_404
from app.models import AgendaItem, BreakoutNote, BreakoutStaff, Gathering, Registration, User
from app.outbound import notifications

staff_only = roles_required(UserRole.ORGANISER, UserRole.FACILITATOR)
organiser_only = roles_required(UserRole.ORGANISER)


def _now() -> datetime:
    return datetime.now(UTC)


def _user() -> User:
    return current_user._get_current_object()


def short_title(room: AgendaItem) -> str:
    try:
        return PRIORITY_AREA_SHORT[PriorityArea(room.priority_area)]
    except ValueError:
        return room.title


@bp.app_context_processor
def _template_helpers() -> dict:
    return {
        "breakout_short_title": short_title,
        "render_summary": markdown.render_markdown,
    }


# --- facilitators ------------------------------------------------------------------------


def _staffed_room_or_404(item_id: int) -> AgendaItem:
    room = db.session.get(AgendaItem, item_id)
    if room is None or room.kind != AgendaKind.BREAKOUT or room.removed_at is not None:
        abort(404)
    if not can_staff(_user(), room):
        abort(403)
    return room


@bp.route("/breakouts/")
@staff_only
def home():
    rooms = staffing.staffed_rooms(_user())
    return render_template("breakouts/home.html", rooms=rooms, notes=_notes_by_room(rooms))


def _notes_by_room(rooms: list[AgendaItem]) -> dict[int, BreakoutNote]:
    notes = {}
    for room in rooms:
        note = note_taking.note_for(room)
        if note is not None:
            notes[room.id] = note
    return notes


@bp.route("/breakouts/<int:item_id>")
@staff_only
def room(item_id: int):
    room = _staffed_room_or_404(item_id)
    return render_template(
        "breakouts/room.html",
        room=room,
        gathering=room.gathering,
        names=assignment.member_names(room),
        needs=assignment.member_needs(room),
        staff=staffing.room_staff(room),
        my_role=staffing.staff_role(_user(), room),
        note=note_taking.note_for(room),
        checkin_url=_checkin_url(room),
    )


def _checkin_url(room: AgendaItem) -> str | None:
    if "attendance.checkin" not in current_app.view_functions:
        return None
    return url_for("attendance.checkin", slug=room.gathering.slug, item_id=room.id)


def _notes_page(room: AgendaItem, form: NotesForm, *, status: int = 200, theirs=None):
    note = note_taking.note_for(room) if theirs is None else theirs
    return (
        render_template(
            "breakouts/notes.html",
            room=room,
            gathering=room.gathering,
            form=form,
            note=note,
            conflict=theirs,
            conflict_content=NoteContent.from_note(theirs) if theirs is not None else None,
            errors=form.error_list(),
        ),
        status,
    )


def _saved_at(moment: datetime, zone: str) -> str:
    return f"{timefmt.clock(moment, zone)} {timefmt.zone_short(zone, moment)}"


def _conflict_json(note: BreakoutNote | None, zone: str) -> dict:
    if note is None:
        return {"conflict": True, "version": 0, "theirs": None}
    who = note.updated_by.name if note.updated_by and note.updated_by.name else "Someone"
    return {
        "conflict": True,
        "version": note.version,
        "saved_by": who,
        "saved_at": _saved_at(note.updated_at, zone),
        "status": note.status,
        "theirs": NoteContent.from_note(note).as_dict(),
    }


@bp.route("/breakouts/<int:item_id>/notes", methods=["GET", "POST"])
@staff_only
def notes(item_id: int):
    room = _staffed_room_or_404(item_id)
    zone = room.gathering.timezone
    if request.method == "GET":
        note = note_taking.note_for(room)
        form = NotesForm.for_content(
            NoteContent.from_note(note),
            version=note.version if note else 0,
            priority_area=room.priority_area,
        )
        form.add_blank_rows()
        return _notes_page(room, form)

    action = request.form.get("action", "save")
    autosave = action == "autosave"
    submitting = action == "submit"
    form = NotesForm(priority_area=room.priority_area)
    if not form.check(submitting=submitting):
        if autosave:
            return jsonify(errors=[message for _, message in form.error_list()]), 422
        form.add_blank_rows()
        return _notes_page(room, form, status=422)
    now = _now()
    try:
        note = note_taking.save_note(
            room,
            form.content(),
            based_on=form.based_on(),
            user=_user(),
            now=now,
            submit=submitting,
            autosave=autosave,
        )
        db.session.commit()
    except note_taking.NoteConflict:
        db.session.rollback()
        theirs = note_taking.note_for(room)
        if autosave:
            return jsonify(_conflict_json(theirs, zone)), 409
        form.version.data = str(theirs.version if theirs else 0)
        form.add_blank_rows()
        return _notes_page(room, form, status=409, theirs=theirs)
    if autosave:
        return jsonify(
            saved=True,
            version=note.version,
            status=note.status,
            saved_at=_saved_at(now, zone),
            unconsented=len(form.unconsented_quotes()),
        )
    if submitting:
        flash("Notes submitted. Thank you: they will go into the summary report.", "success")
    else:
        flash(f"Draft saved at {_saved_at(now, zone)}.", "success")
    return redirect(url_for("breakouts.notes", item_id=room.id), 303)


@bp.route("/breakouts/<int:item_id>/notes/versions")
@staff_only
def versions(item_id: int):
    room = _staffed_room_or_404(item_id)
    note = note_taking.note_for(room)
    return render_template(
        "breakouts/versions.html",
        room=room,
        gathering=room.gathering,
        note=note,
        versions=note_taking.note_versions(note) if note else [],
    )


@bp.route("/breakouts/<int:item_id>/notes/versions/<int:version>")
@staff_only
def version(item_id: int, version: int):
    room = _staffed_room_or_404(item_id)
    note = note_taking.note_for(room)
    saved = note_taking.note_version(note, version) if note else None
    if saved is None:
        abort(404)
    return render_template(
        "breakouts/version.html",
        room=room,
        gathering=room.gathering,
        note=note,
        saved=saved,
        content=NoteContent.from_dict(saved.content),
    )


# --- organisers --------------------------------------------------------------------------


def _gathering_room_or_404(gathering: Gathering, item_id: int) -> AgendaItem:
    room = db.session.get(AgendaItem, item_id)
    if (
        room is None
        or room.gathering_id != gathering.id
        or room.kind != AgendaKind.BREAKOUT
        or room.removed_at is not None
    ):
        abort(404)
    return room


@bp.route("/organiser/g/<slug>/breakouts")
@organiser_only
def overview(slug: str):
    gathering = gathering_or_404(slug)
    counts = assignment.room_counts(gathering)
    notes = {entry.room.id: entry for entry in note_taking.notes_overview(gathering)}
    staff = {room.id: staffing.room_staff(room) for room in gathering.breakouts}
    return render_template(
        "breakouts/organiser.html",
        gathering=gathering,
        rooms=gathering.breakouts,
        counts=counts,
        notes=notes,
        staff=staff,
        confirmed=len(assignment.confirmed_registrations(gathering)),
        without_room=len(assignment.without_room(gathering)),
        assign_form=AssignForm(),
        lock_form=LockForm(),
    )


@bp.route("/organiser/g/<slug>/breakouts/assign", methods=["POST"])
@organiser_only
def assign(slug: str):
    gathering = gathering_or_404(slug)
    form = AssignForm()
    if not form.validate_on_submit():
        abort(400)
    now = _now()
    result = assignment.assign_automatically(
        gathering, now=now, keep_existing=form.mode.data == "new"
    )
    notices = [
        announcing.notice(
            "room_assigned",
            "their new breakout room with an updated calendar invitation",
            result.told_of_new_room,
            now=now,
        )
    ]
    if announcing.needs_asking(notices):
        return announcing.confirm_page(
            gathering=gathering,
            title="Assign breakout rooms?",
            what=f"{result.changed} people change rooms; "
            f"{len(result.told_of_new_room)} of them go somewhere other than the room their "
            "invitation names.",
            notices=notices,
            back_url=url_for("breakouts.overview", slug=slug),
            save_label="Assign rooms",
        )
    if announcing.decision() == Decision.SEND:
        for person in result.told_of_new_room:
            notifications.room_assigned(
                person, cause=f"Breakout rooms assigned by {current_user.email}"
            )
    db.session.commit()
    parts = [
        f"{result.first_choice} got their first choice",
        f"{result.second_choice} their second choice",
        f"{result.other_room} another room",
    ]
    if result.kept:
        parts.append(f"{result.kept} stayed where they were")
    if result.kept_locked:
        parts.append(f"{result.kept_locked} stayed in locked rooms")
    message = "Rooms assigned: " + ", ".join(parts) + "."
    if not result.changed:
        message += " Nobody's room changed."
    message += " " + announcing.outcome(notices, announcing.decision())
    flash(message, "success")
    if result.no_room:
        flash(
            f"{result.no_room} people could not be placed: every open room is full. "
            "Raise a room's capacity or unlock a room, then run the assignment again.",
            "warning",
        )
    return redirect(url_for("breakouts.overview", slug=slug), 303)


@bp.route("/organiser/g/<slug>/breakouts/<int:item_id>/lock", methods=["POST"])
@organiser_only
def lock(slug: str, item_id: int):
    gathering = gathering_or_404(slug)
    room = _gathering_room_or_404(gathering, item_id)
    form = LockForm()
    if not form.validate_on_submit() or form.locked.data not in ("0", "1"):
        abort(400)
    assignment.set_room_locked(room, form.locked.data == "1")
    db.session.commit()
    if room.room_locked:
        flash(f"“{room.title}” is locked: its members stay as they are.", "success")
    else:
        flash(f"“{room.title}” is unlocked.", "success")
    back = request.form.get("back")
    if back == "room":
        return redirect(url_for("breakouts.manage_room", slug=slug, item_id=room.id), 303)
    return redirect(url_for("breakouts.overview", slug=slug), 303)


def _move_choices(gathering: Gathering, counts: dict[int, int]) -> list[tuple[str, str]]:
    options = [("", "No room")]
    for room in gathering.breakouts:
        capacity = f" of {room.capacity}" if room.capacity is not None else ""
        locked = ", locked" if room.room_locked else ""
        options.append(
            (str(room.id), f"{short_title(room)} ({counts.get(room.id, 0)}{capacity}{locked})")
        )
    return options


def _people_page(gathering: Gathering, template: str, status: int = 200, **context):
    counts = assignment.room_counts(gathering)
    return (
        render_template(
            template,
            gathering=gathering,
            counts=counts,
            move_choices=_move_choices(gathering, counts),
            lock_form=LockForm(),
            confirm_form=ConfirmForm(),
            **context,
        ),
        status,
    )


def _manage_room_page(
    gathering: Gathering,
    room: AgendaItem,
    *,
    staff_form: StaffForm | None = None,
    status: int = 200,
    error: str | None = None,
):
    accounts = staffing.facilitator_accounts()
    return _people_page(
        gathering,
        "breakouts/manage_room.html",
        status=status,
        error=error,
        room=room,
        members=assignment.room_members(room),
        staff=staffing.room_staff(room),
        staff_form=staff_form or StaffForm(accounts=accounts),
        has_accounts=bool(accounts),
        note_state=next(
            (e for e in note_taking.notes_overview(gathering) if e.room.id == room.id), None
        ),
    )


@bp.route("/organiser/g/<slug>/breakouts/<int:item_id>")
@organiser_only
def manage_room(slug: str, item_id: int):
    gathering = gathering_or_404(slug)
    return _manage_room_page(gathering, _gathering_room_or_404(gathering, item_id))


@bp.route("/organiser/g/<slug>/breakouts/<int:item_id>/staff", methods=["POST"])
@organiser_only
def add_staff(slug: str, item_id: int):
    gathering = gathering_or_404(slug)
    room = _gathering_room_or_404(gathering, item_id)
    form = StaffForm(accounts=staffing.facilitator_accounts())
    if form.validate_on_submit():
        user = db.session.get(User, int(form.user_id.data))
        try:
            if user is None:
                raise staffing.StaffRefused("That account no longer exists.")
            staffing.add_staff(room, user, form.role.data)
            db.session.commit()
        except staffing.StaffRefused as exc:
            db.session.rollback()
            form.user_id.errors.append(str(exc))
        else:
            flash(f"{user.name or user.email} now works in this room.", "success")
            return redirect(url_for("breakouts.manage_room", slug=slug, item_id=room.id), 303)
    return _manage_room_page(gathering, room, staff_form=form, status=422)


@bp.route(
    "/organiser/g/<slug>/breakouts/<int:item_id>/staff/<int:staff_id>/remove", methods=["POST"]
)
@organiser_only
def remove_staff(slug: str, item_id: int, staff_id: int):
    gathering = gathering_or_404(slug)
    room = _gathering_room_or_404(gathering, item_id)
    staff = db.session.get(BreakoutStaff, staff_id)
    if staff is None or staff.agenda_item_id != room.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = staff.user.name or staff.user.email
    db.session.delete(staff)
    db.session.commit()
    flash(f"{name} no longer works in this room.", "success")
    return redirect(url_for("breakouts.manage_room", slug=slug, item_id=room.id), 303)


@bp.route("/organiser/g/<slug>/breakouts/unassigned")
@organiser_only
def unassigned(slug: str):
    return _unassigned_page(gathering_or_404(slug))


def _unassigned_page(gathering: Gathering, *, status: int = 200, error: str | None = None):
    return _people_page(
        gathering,
        "breakouts/unassigned.html",
        status=status,
        error=error,
        people=assignment.without_room(gathering),
    )


@bp.route("/organiser/g/<slug>/breakouts/move", methods=["POST"])
@organiser_only
def move(slug: str):
    gathering = gathering_or_404(slug)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    registration = db.session.get(Registration, form.registration_id.data)
    if registration is None or registration.gathering_id != gathering.id:
        abort(404)
    target = None
    if form.room_id.data:
        if (room_id := db_int(form.room_id.data)) is None:
            abort(400)
        target = _gathering_room_or_404(gathering, room_id)
    back_room = None
    if (back := db_int(form.back.data)) is not None:
        back_room = _gathering_room_or_404(gathering, back)
        destination = url_for("breakouts.manage_room", slug=slug, item_id=back_room.id)
    else:
        destination = url_for("breakouts.unassigned", slug=slug)
    now = _now()
    before = registration.breakout_for_invite
    try:
        changed = assignment.move_person(registration, target, now=now)
    except assignment.AssignmentRefused as exc:
        db.session.rollback()
        if back_room is not None:
            return _manage_room_page(gathering, back_room, status=409, error=str(exc))
        return _unassigned_page(gathering, status=409, error=str(exc))
    told = [registration] if changed and registration.breakout_for_invite is not before else []
    notices = [
        announcing.notice(
            "room_assigned", "their new breakout room with an updated invitation", told, now=now
        )
    ]
    if announcing.needs_asking(notices):
        return announcing.confirm_page(
            gathering=gathering,
            title=f"Move {registration.name}?",
            what=f"{registration.name} goes to " + (f"“{target.title}”." if target else "no room."),
            notices=notices,
            back_url=destination,
            save_label="Move them",
        )
    if told and announcing.decision() == Decision.SEND:
        notifications.room_assigned(registration, cause=f"Moved by {current_user.email}")
    db.session.commit()
    if changed:
        where = f"“{target.title}”" if target else "no room"
        emails = announcing.outcome(notices, announcing.decision())
        flash(f"{registration.name} moved to {where}. {emails}", "success")
    return redirect(destination, 303)
