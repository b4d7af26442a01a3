"""Organiser pages for importing attendance reports, and the live check-in page."""

from datetime import UTC, datetime

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.attendance import bp, linking, services
from app.attendance import checkin as live
from app.attendance import review as imports
from app.attendance.forms import (
    WHOLE_GATHERING,
    CheckInForm,
    ImportForm,
    ThresholdForm,
    WalkInForm,
)
from app.attendance.importers import (
    DEFAULT_MAX_BYTES,
    MAX_ROWS,
    AttendanceFileError,
    read_upload,
)
from app.auth.access import roles_required
from app.choices import RegistrationStatus, UserRole
from app.extensions import db
from app.facts import gathering_facts
from app.forms_common import db_int
from app.jobs import submit
from app.lookups import gathering_or_404
from app.models import (
    AgendaItem,
    Gathering,
    ImportBatch,
    ImportStatus,
    PersonalDataView,
    Registration,
)
from app.privacy_records.access_log import record_access
from app.reach import is_reachable
from app.timefmt import long_date

organiser_only = roles_required(UserRole.ORGANISER)
staff = roles_required(UserRole.ORGANISER, UserRole.FACILITATOR)
MAX_LISTED = 400
# A plenary of a big gathering lists its first people by name; search as you type finds
# anyone else.
CHECKIN_LISTED = 200
# Larger uploads are read by a job, so the request returns at once.
READ_LATER_FROM_BYTES = 1_048_576


def _now() -> datetime:
    return datetime.now(UTC)


def _item_or_404(gathering: Gathering, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.gathering_id != gathering.id or item.removed_at is not None:
        abort(404)
    return item


def _batch_or_404(gathering: Gathering, batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.gathering_id != gathering.id:
        abort(404)
    return batch


def _recent_batches(gathering: Gathering) -> list[ImportBatch]:
    return list(
        db.session.scalars(
            select(ImportBatch)
            .where(ImportBatch.gathering_id == gathering.id)
            .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
            .limit(30)
        )
    )


def _import_page(gathering, form, threshold_form, status=200):
    return (
        render_template(
            "attendance/import.html",
            gathering=gathering,
            form=form,
            threshold_form=threshold_form,
            batches=_recent_batches(gathering),
            facts=gathering_facts(gathering),
        ),
        status,
    )


@bp.route("/organiser/g/<slug>/attendance/import", methods=["GET", "POST"])
@organiser_only
def upload(slug: str):
    gathering = gathering_or_404(slug)
    form = ImportForm()
    form.fill_items(gathering)
    threshold_form = ThresholdForm(minutes=gathering.attendance_threshold_minutes)
    if request.method == "GET" and request.args.get("item"):
        form.item.data = request.args["item"]
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return _import_page(gathering, form, threshold_form, status)
    item = None
    if form.item.data != WHOLE_GATHERING:
        item = _item_or_404(gathering, int(form.item.data))
    upload_file = form.report.data
    limit = min(
        DEFAULT_MAX_BYTES, current_app.config.get("MAX_CONTENT_LENGTH") or DEFAULT_MAX_BYTES
    )
    try:
        try:
            data = read_upload(upload_file.stream, max_bytes=limit, max_rows=MAX_ROWS)
        finally:
            upload_file.close()
        options = {
            "data": data,
            "filename": upload_file.filename or "report.csv",
            "agenda_item": item,
            "user": current_user,
            "now": _now(),
            "date_order": form.date_order.data,
        }
        if len(data) > READ_LATER_FROM_BYTES:
            batch = imports.store_upload(gathering, **options)
            db.session.flush()
            submit("attendance.parse_upload", batch_id=batch.id)
        else:
            batch = imports.prepare_import(gathering, max_bytes=limit, **options)
        db.session.commit()
    except AttendanceFileError as error:
        db.session.rollback()
        form.report.errors = [f"{upload_file.filename or 'The file'}: {error}"]
        return _import_page(gathering, form, threshold_form, 400)
    return redirect(url_for("attendance.review", slug=slug, batch_id=batch.id), 303)


@bp.route("/organiser/g/<slug>/attendance/threshold", methods=["POST"])
@organiser_only
def threshold(slug: str):
    gathering = gathering_or_404(slug)
    threshold_form = ThresholdForm()
    if not threshold_form.validate_on_submit():
        form = ImportForm()
        form.fill_items(gathering)
        return _import_page(gathering, form, threshold_form, 400)
    services.set_attendance_threshold(gathering, threshold_form.minutes.data)
    db.session.commit()
    flash(
        f"People now count as attended after {gathering.attendance_threshold_minutes} minutes.",
        "success",
    )
    return redirect(url_for("attendance.upload", slug=slug), 303)


def _review_context(gathering: Gathering, batch: ImportBatch) -> dict:
    undecided = imports.batch_people(batch, statuses=("ambiguous", "unmatched"))
    matched = imports.batch_people(batch, statuses=("matched",), limit=MAX_LISTED)
    options = linking.choices(gathering)
    by_id = {option.id: option for option in options}
    decisions = imports.default_decisions(batch, people=undecided)
    ambiguous = undecided[undecided["status"] == "ambiguous"].head(MAX_LISTED)
    unmatched = undecided[undecided["status"] == "unmatched"].head(MAX_LISTED)
    suggestions = linking.suggest(options, list(unmatched["name"]))
    return {
        "gathering": gathering,
        "batch": batch,
        "matched": _plain(matched),
        "ambiguous": [
            (person, [by_id[i] for i in _ids(person["candidate_ids"]) if i in by_id])
            for person in _plain(ambiguous)
        ],
        "unmatched": list(zip(_plain(unmatched), suggestions, strict=True)),
        "decisions": decisions,
        "registrations": by_id,
        "earlier": imports.earlier_import(batch),
        "threshold": gathering.attendance_threshold_minutes,
        "max_listed": MAX_LISTED,
        "search_url": url_for("attendance.link_search", slug=gathering.slug),
    }


def _plain(people) -> list[dict]:
    """The people of a frame as dicts of plain values (None for a missing time)."""
    rows = people.astype(object).where(people.notna(), None)
    return [
        {
            **row,
            "first_join": row["first_join"] and row["first_join"].to_pydatetime(),
            "last_leave": row["last_leave"] and row["last_leave"].to_pydatetime(),
        }
        for row in rows.to_dict("records")
    ]


def _ids(text: str) -> list[int]:
    return [int(i) for i in text.split(",") if i]


@bp.route("/organiser/g/<slug>/attendance/import/<int:batch_id>", methods=["GET", "POST"])
@organiser_only
def review(slug: str, batch_id: int):
    gathering = gathering_or_404(slug)
    batch = _batch_or_404(gathering, batch_id)
    if batch.status != ImportStatus.PENDING:
        if request.method == "POST":
            flash("This upload was already imported or discarded; nothing changed.", "warning")
        return render_template(
            "attendance/batch.html",
            gathering=gathering,
            batch=batch,
            people=_plain(imports.batch_people(batch, statuses=("ambiguous", "unmatched"))),
            registrations={option.id: option for option in linking.choices(gathering)},
        )
    if request.method == "POST":
        undecided = imports.batch_people(batch, statuses=("ambiguous", "unmatched"))
        decisions = {}
        for position, key in zip(undecided["position"], undecided["key"], strict=True):
            value = request.form.get(f"d{position}")
            if value:
                decisions[key] = value
        try:
            summary = imports.confirm_import(
                batch,
                decisions=decisions,
                user=current_user,
                now=_now(),
                all_unmatched_walk_in=request.form.get("bulk") == "walk_in",
            )
            db.session.commit()
        except services.AttendanceError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template(
                "attendance/review.html", **_review_context(gathering, batch)
            ), 400
        flash(
            f"Attendance imported: {summary.matched} matched, {summary.linked} linked by you, "
            f"{summary.walk_ins} walk-ins, {summary.skipped} left out.",
            "success",
        )
        return redirect(url_for("attendance.review", slug=slug, batch_id=batch.id), 303)
    context = _review_context(gathering, batch)
    record_access(
        PersonalDataView.ATTENDANCE_REVIEW,
        user_id=current_user.id,
        gathering=gathering,
        people=len(context["matched"]) + len(context["ambiguous"]) + len(context["unmatched"]),
        now=_now(),
        detail=f"upload {batch.id}",
    )
    db.session.commit()
    return render_template("attendance/review.html", **context)


@bp.route("/organiser/g/<slug>/attendance/registrations")
@organiser_only
def link_search(slug: str):
    """The review page's combobox: registrations matching what was typed, as JSON."""
    gathering = gathering_or_404(slug)
    query = request.args.get("q", "").strip()[:100]
    found = linking.search(linking.choices(gathering), query)
    return jsonify(results=[{"value": f"reg:{c.id}", "label": c.label} for c in found])


@bp.route("/organiser/g/<slug>/attendance/import/<int:batch_id>/discard", methods=["POST"])
@organiser_only
def discard(slug: str, batch_id: int):
    gathering = gathering_or_404(slug)
    batch = _batch_or_404(gathering, batch_id)
    try:
        imports.discard_import(batch)
        db.session.commit()
        flash("The upload was discarded; nothing was imported.", "success")
    except services.AttendanceError as error:
        flash(str(error), "warning")
    return redirect(url_for("attendance.upload", slug=slug), 303)


# --- live check-in ----------------------------------------------------------------------


def _checkin_target(slug: str, item_id: int) -> tuple[Gathering, AgendaItem]:
    gathering = gathering_or_404(slug)
    item = _item_or_404(gathering, item_id)
    if not live.can_check_in(current_user, item):
        abort(403)
    return gathering, item


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _rehearsal(values) -> bool:
    """An organiser may open check-in before the gathering's day, to rehearse."""
    return values.get("rehearsal") == "1" and live.sees_everyone(current_user)


def _back(slug: str, item_id: int, query: str | None):
    rehearsal = "1" if _rehearsal(request.form) else None
    return redirect(
        url_for(
            "attendance.checkin", slug=slug, item_id=item_id, q=query or None, rehearsal=rehearsal
        ),
        303,
    )


def _closed_message(gathering: Gathering) -> str | None:
    """Why nobody can be checked in yet (before the gathering's day), or None."""
    if live.is_open(gathering, now=_now()) or _rehearsal(request.form):
        return None
    day = long_date(gathering.starts_at, gathering.timezone)
    return f"Check-in opens on the day of the gathering, {day}."


def _found(gathering: Gathering, item: AgendaItem, query: str, everyone: bool):
    """Every registration of the gathering: organisers by name or address, facilitators
    by name (marked when placed in another room)."""
    limit = 50 if everyone else CHECKIN_LISTED
    return live.search_registrations(gathering, item, query, by_email=everyone, limit=limit)


@bp.route("/g/<slug>/checkin/<int:item_id>")
@staff
def checkin(slug: str, item_id: int):
    gathering, item = _checkin_target(slug, item_id)
    query = request.args.get("q", "").strip()[:100]
    everyone = live.sees_everyone(current_user)
    expected_count = live.expected_count(gathering, item)
    if query:
        people = _found(gathering, item, query, everyone)
    else:
        people = live.expected_people(gathering, item, limit=CHECKIN_LISTED)
        if everyone:
            people += live.present_unexpected(gathering, item)
    return render_template(
        "attendance/checkin.html",
        gathering=gathering,
        item=item,
        opens_at=live.opens_at(gathering),
        is_open=live.is_open(gathering, now=_now()),
        rehearsal=_rehearsal(request.args),
        people=people,
        checked_in=live.checked_in_count(gathering, item),
        walk_ins=live.walk_ins(gathering, item),
        query=query,
        expected_count=expected_count,
        listed_all=query != "" or expected_count <= CHECKIN_LISTED,
        max_listed=CHECKIN_LISTED,
        everyone=everyone,
        form=CheckInForm(),
        walk_in_form=WalkInForm(q=query),
        cancelled=RegistrationStatus.CANCELLED.value,
    )


@bp.route("/g/<slug>/checkin/<int:item_id>/search")
@staff
def checkin_search(slug: str, item_id: int):
    """The list's items for what was typed so far (search as you type, when the page
    cannot list everyone expected)."""
    gathering, item = _checkin_target(slug, item_id)
    query = request.args.get("q", "").strip()[:100]
    everyone = live.sees_everyone(current_user)
    people = _found(gathering, item, query, everyone) if query else []
    return render_template(
        "attendance/_checkin_people.html",
        gathering=gathering,
        item=item,
        people=people,
        listed_all=False,  # asked for only when the page cannot list everyone
        query=query,
        everyone=everyone,
        rehearsal=_rehearsal(request.args),
        cancelled=RegistrationStatus.CANCELLED.value,
    )


@bp.route("/g/<slug>/checkin/<int:item_id>/present", methods=["POST"])
@staff
def mark_present(slug: str, item_id: int):
    """The list's one form: the pressed button sends `present` or `undo` with the id."""
    gathering, item = _checkin_target(slug, item_id)
    form = CheckInForm()
    if (closed := _closed_message(gathering)) is not None:
        if _wants_json():
            return jsonify(error=closed), 409
        flash(closed, "error")
        return _back(slug, item_id, form.q.data)
    registration_id, undo = form.chosen() if form.validate_on_submit() else (None, False)
    registration = db.session.get(Registration, registration_id) if registration_id else None
    if (
        registration is None
        or registration.gathering_id != gathering.id
        or not is_reachable(registration)
    ):
        message = "That person is not registered for this gathering."
        if _wants_json():
            return jsonify(error=message), 400
        flash(message, "error")
        return _back(slug, item_id, form.q.data)
    if undo:
        live.undo_check_in(gathering, item, registration)
        message = f"{registration.name} is no longer marked present."
    else:
        live.check_in(gathering, item, registration, user=current_user, now=_now())
        message = f"{registration.name} is marked present."
        placed = registration.assigned_breakout
        if item.is_breakout and placed is not None and placed.id != item.id:
            message += f" They were placed in “{placed.title}”; they count as present here."
    db.session.commit()
    if _wants_json():
        count = live.checked_in_count(gathering, item)
        return jsonify(present=not undo, message=message, count=count)
    flash(message, "success")
    return _back(slug, item_id, form.q.data)


@bp.route("/g/<slug>/checkin/<int:item_id>/walk-in", methods=["POST"])
@staff
def walk_in(slug: str, item_id: int):
    gathering, item = _checkin_target(slug, item_id)
    form = WalkInForm()
    if (closed := _closed_message(gathering)) is not None:
        flash(closed, "error")
        return _back(slug, item_id, form.q.data)
    if not form.validate_on_submit():
        message = " ".join(e for errors in form.errors.values() for e in errors)
        flash(message or "Enter the person's name.", "error")
        return _back(slug, item_id, form.q.data)
    try:
        record = live.add_walk_in(
            gathering,
            item,
            name=form.name.data,
            email=form.email.data or "",
            user=current_user,
            now=_now(),
        )
        db.session.commit()
    except services.AttendanceError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(slug, item_id, form.q.data)
    if record.registration_id is not None:
        flash(
            f"{record.registration.name} is registered: checked in against their "
            "registration, not as a walk-in.",
            "success",
        )
    else:
        flash(f"{record.walk_in_name} is recorded as a walk-in.", "success")
    return _back(slug, item_id, form.q.data)


@bp.route("/g/<slug>/checkin/<int:item_id>/walk-in/remove", methods=["POST"])
@staff
def remove_walk_in(slug: str, item_id: int):
    """The walk-ins' one form: the pressed button sends `record` with the record's id."""
    gathering, item = _checkin_target(slug, item_id)
    record_id = db_int(request.form.get("record"))
    if record_id and live.remove_walk_in(gathering, item, record_id):
        db.session.commit()
        flash("The walk-in was removed.", "success")
    else:
        flash("That walk-in is not recorded here.", "error")
    return _back(slug, item_id, request.form.get("q"))


@bp.context_processor
def _attendance_names() -> dict:
    return {"ImportStatus": ImportStatus}
