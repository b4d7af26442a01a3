"""Calendar files: the public feed, the personal invite and the organiser downloads."""

from datetime import UTC, datetime

from flask import Response, abort, render_template
from flask_login import current_user

from app.auth.access import participant, public, roles_required
from app.breakouts.staffing import staffed_rooms
from app.calendar import Method, file_stem
from app.choices import RegistrationStatus, UserRole
from app.extensions import db
from app.facts import current_facts
from app.invites import bp
from app.lookups import gathering_or_404
from app.models import AgendaItem, Gathering, MailStatus, Registration
from app.outbound import invites as services
from app.outbound.mail import status_counts as mail_status_counts
from app.outbound.public_links import public_url

organiser_only = roles_required(UserRole.ORGANISER)
organiser_or_facilitator = roles_required(UserRole.ORGANISER, UserRole.FACILITATOR)


def _ics(data: bytes, filename: str, *, method: Method = Method.PUBLISH) -> Response:
    response = Response(data, mimetype="text/calendar")
    response.headers["Content-Type"] = f"text/calendar; charset=utf-8; method={method}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/g/<slug>/calendar.ics")
@public
def gathering_calendar(slug: str):
    """The public feed: agenda times and titles, no personal data, no meeting links."""
    gathering = gathering_or_404(slug)
    data = services.gathering_feed(gathering, now=datetime.now(UTC), links=False)
    response = _ics(data, f"{file_stem(gathering.slug)}.ics")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/r/<token>/invite.ics")
@participant
def personal_invite(registration: Registration, token: str):
    """The person's own invite; a cancelled registration downloads as a CANCEL."""
    if registration.status == RegistrationStatus.WAITLISTED:
        page = render_template(
            "errors/error.html",
            code=404,
            title="No calendar invitation yet",
            text="You are on the waitlist. Your invitation comes by email when a place opens.",
        )
        return page, 404
    method = (
        Method.CANCEL if registration.status == RegistrationStatus.CANCELLED else Method.PUBLISH
    )
    manage_url = public_url("registration.manage", token=token)
    data = services.invite_file(
        registration, method=method, now=datetime.now(UTC), manage_url=manage_url
    )
    stem = file_stem(registration.gathering.slug)
    return _ics(data, f"{stem}-invite.ics", method=method)


def _own_rooms(gathering: Gathering) -> set[int] | None:
    """None for an organiser (every room); a facilitator's rooms in this published
    gathering, refused (403) when they staff none of them."""
    if current_user.role == UserRole.ORGANISER:
        return None
    rooms = {room.id for room in staffed_rooms(current_user) if room.gathering_id == gathering.id}
    if not rooms or gathering.published_at is None:
        abort(403)
    return rooms


@bp.route("/organiser/g/<slug>/calendar.ics")
@organiser_or_facilitator
def organiser_calendar(slug: str):
    """The full agenda with meeting and room links, for organisers to pass on; for a
    facilitator, with the links of their own rooms only."""
    gathering = gathering_or_404(slug)
    own_rooms = _own_rooms(gathering)
    data = services.gathering_feed(
        gathering, now=datetime.now(UTC), links=True, own_rooms=own_rooms
    )
    return _ics(data, f"{file_stem(gathering.slug)}-agenda.ics")


@bp.route("/organiser/g/<slug>/agenda/<int:item_id>.ics")
@organiser_or_facilitator
def item_calendar(slug: str, item_id: int):
    gathering = gathering_or_404(slug)
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.gathering_id != gathering.id:
        abort(404)
    own_rooms = _own_rooms(gathering)
    if own_rooms is not None and item.is_breakout and item.id not in own_rooms:
        abort(403)
    data = services.breakout_file(item, now=datetime.now(UTC))
    method = Method.CANCEL if item.removed_at is not None else Method.PUBLISH
    return _ics(data, f"{file_stem(gathering.slug)}-{file_stem(item.title)}.ics", method=method)


@bp.route("/organiser/g/<slug>/invites.zip")
@organiser_only
def invites_zip(slug: str):
    gathering = gathering_or_404(slug)
    data = services.invites_archive(gathering, now=datetime.now(UTC))
    response = Response(data, mimetype="application/zip")
    name = f"{file_stem(gathering.slug)}-invites.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/organiser/g/<slug>/calendar")
@organiser_only
def calendar_page(slug: str):
    """Downloads for one gathering and its email outbox at a glance."""
    gathering = gathering_or_404(slug)
    counts = mail_status_counts(gathering.id)
    confirmed = current_facts(gathering).registered
    feed_url = public_url("invites.gathering_calendar", slug=gathering.slug)
    return render_template(
        "invites/calendar.html",
        gathering=gathering,
        counts=counts,
        confirmed=confirmed,
        feed_url=feed_url,
        webcal_url=webcal(feed_url),
        MailStatus=MailStatus,
    )


def webcal(url: str) -> str:
    """Subscription link: the same feed with the webcal scheme calendar apps claim."""
    return "webcal://" + url.split("://", 1)[1] if "://" in url else url
