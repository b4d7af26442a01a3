"""Pages of the meeting bridge: the Zoom pre-assignment files, the room list for Teams,
the day-of view."""

from datetime import UTC, datetime

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import timefmt
from app.auth.access import roles_required
from app.choices import UserRole
from app.extensions import db
from app.forms_common import db_int, select_options
from app.lookups import gathering_or_404
from app.meetings import bp, dayof, services, zoom_reports
from app.meetings.forms import AccountDomainsForm, QaChoiceForm, ZoomReportForm, split_domains

organiser_only = roles_required(UserRole.ORGANISER)


def _domains_form() -> AccountDomainsForm:
    form = AccountDomainsForm(request.args)
    if "domains" not in request.args:
        form.domains.data = current_app.config.get("ZOOM_ACCOUNT_DOMAINS", "")
    return form


@bp.route("/organiser/g/<slug>/meetings")
@organiser_only
def index(slug: str):
    gathering = gathering_or_404(slug)
    form = _domains_form()
    valid = form.validate()
    domains = split_domains(form.domains.data) if valid else []
    files = [
        (session, services.preassignment(session, account_domains=domains))
        for session in services.sessions(gathering)
    ]
    return render_template(
        "meetings/index.html", gathering=gathering, form=form, files=files, domains=domains
    ), (200 if valid else 422)


@bp.route("/organiser/g/<slug>/meetings/zoom-<number>.csv")
@organiser_only
def zoom_file(slug: str, number: str):
    gathering = gathering_or_404(slug)
    session = services.session_or_none(gathering, db_int(number) or 0)
    if session is None:
        abort(404)
    result = services.preassignment(session, account_domains=[])
    name = f"{gathering.slug}-zoom-breakouts-{session.number}.csv"
    return Response(
        result.csv_bytes(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/organiser/g/<slug>/meetings/rooms")
@organiser_only
def room_list(slug: str):
    gathering = gathering_or_404(slug)
    listed = []
    for session in services.sessions(gathering):
        names = services.room_names(session.rooms)
        people: dict[int, list[str]] = {room.id: [] for room in session.rooms}
        for room_id, name, _email in services.room_people(session.rooms):
            people[room_id].append(name)
        rooms = [
            (names[room.id], sorted(people[room.id], key=str.casefold)) for room in session.rooms
        ]
        listed.append((session, rooms))
    return render_template("meetings/rooms.html", gathering=gathering, sessions=listed)


@bp.route("/day/<slug>")
@roles_required(UserRole.ORGANISER, UserRole.FACILITATOR)
def day_of(slug: str):
    gathering = gathering_or_404(slug)
    user = current_user._get_current_object()
    room_id = db_int(request.args.get("room"))
    now = datetime.now(UTC)
    view = dayof.day_of(gathering, user, now=now, room_id=room_id)
    if not view.items:
        abort(403)
    return render_template(
        "meetings/day_of.html",
        gathering=gathering,
        view=view,
        listed=dayof.NOT_CHECKED_IN_LISTED,
        organiser=user.role == UserRole.ORGANISER,
        now_label=timefmt.clock(now, gathering.timezone),
    )


def _reports_page(gathering, form: ZoomReportForm, status: int = 200):
    items = {item.id: item for item in gathering.active_agenda}
    polls: dict[int, list] = {}
    for result in services.poll_results(gathering):
        polls.setdefault(result.agenda_item_id, []).append(result)
    questions: dict[int, list] = {}
    for question in services.qa_questions(gathering):
        questions.setdefault(question.agenda_item_id, []).append(question)
    return render_template(
        "meetings/reports.html",
        gathering=gathering,
        form=form,
        items=items,
        polls=polls,
        questions=questions,
        choice_form=QaChoiceForm(),
    ), status


def _report_form(gathering) -> ZoomReportForm:
    form = ZoomReportForm()
    form.item.choices = select_options(
        [("", "Choose an agenda item")]
        + [(str(item.id), item.title) for item in gathering.active_agenda]
    )
    return form


@bp.route("/organiser/g/<slug>/meetings/reports", methods=["GET", "POST"])
@organiser_only
def zoom_reports_page(slug: str):
    gathering = gathering_or_404(slug)
    form = _report_form(gathering)
    if request.method == "GET":
        return _reports_page(gathering, form)
    if not form.validate_on_submit():
        return _reports_page(gathering, form, 422)
    item = next((i for i in gathering.active_agenda if str(i.id) == form.item.data), None)
    if item is None:
        form.item.errors = ["Choose the agenda item the report belongs to."]
        return _reports_page(gathering, form, 422)
    content = form.file.data.read(zoom_reports.MAX_BYTES + 1)
    try:
        if zoom_reports.kind_of(content) == "qa":
            count = services.save_qa(gathering, item, zoom_reports.read_qa(content))
            message = f"{count} Q&A questions read for {item.title}; choose which go in the report."
        else:
            count = services.save_polls(gathering, item, zoom_reports.read_polls(content))
            message = f"Poll results for {count} questions read for {item.title}."
    except zoom_reports.ReportError as error:
        db.session.rollback()
        form.file.errors = [str(error)]
        return _reports_page(gathering, form, 422)
    db.session.commit()
    flash(message + " Names and addresses in the file were not kept.", "success")
    return redirect(url_for("meetings.zoom_reports_page", slug=slug), 303)


@bp.route("/organiser/g/<slug>/meetings/reports/qa", methods=["POST"])
@organiser_only
def choose_qa(slug: str):
    gathering = gathering_or_404(slug)
    if not QaChoiceForm().validate_on_submit():
        abort(400)
    chosen = {db_int(value) for value in request.form.getlist("include")} - {None}
    services.include_qa(gathering, chosen)
    db.session.commit()
    flash("The questions chosen will be in the report, without who asked them.", "success")
    return redirect(url_for("meetings.zoom_reports_page", slug=slug), 303)


@bp.route("/organiser/g/<slug>/meetings/reports/<int:item_id>/clear", methods=["POST"])
@organiser_only
def clear_reports(slug: str, item_id: int):
    gathering = gathering_or_404(slug)
    item = next((i for i in gathering.active_agenda if i.id == item_id), None)
    if item is None:
        abort(404)
    if not QaChoiceForm().validate_on_submit():
        abort(400)
    services.clear_item_reports(gathering, item)
    db.session.commit()
    flash(f"Poll results and Q&A of {item.title} removed.", "success")
    return redirect(url_for("meetings.zoom_reports_page", slug=slug), 303)
