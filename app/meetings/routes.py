"""Pages of the meeting bridge: the Zoom pre-assignment files, the room list for Teams,
the day-of view."""

from datetime import UTC, datetime

from flask import Response, abort, current_app, render_template, request
from flask_login import current_user

from app import timefmt
from app.auth.access import roles_required
from app.choices import UserRole
from app.forms_common import db_int
from app.lookups import gathering_or_404
from app.meetings import bp, dayof, services
from app.meetings.forms import AccountDomainsForm, split_domains

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
