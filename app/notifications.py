"""Emails to participants about their registration.

Each function only queues messages in the current session (app.mail.queue_email), so
they are saved in the same transaction as the change that causes them. Confirmed people
get their personal invite attached as text/calendar (REQUEST, or CANCEL when they
cancel); every message that carries an invite or a link gets a fresh manage token, so
the link in the calendar entry always works.
"""

import re
from datetime import datetime

from flask import render_template
from sqlalchemy import inspect, or_, select

from app import timefmt
from app.calendar import Method, PersonalInvite, personal_invite, safe_uri
from app.choices import RegistrationStatus
from app.cleaning import one_line
from app.extensions import db
from app.invites.services import InviteFactory, external_url
from app.mail import Attachment, queue_email
from app.messages.wording import custom_wording
from app.models import AgendaItem, Gathering, OutboundEmail, Registration, utcnow
from app.registration.tokens import issue_manage_token

_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_BLANK_RUNS = re.compile(r"\n{3,}")


def _agenda_rows(invite: PersonalInvite, zone: str) -> list[dict]:
    return [
        {
            "when": timefmt.time_range(event.starts_at, event.ends_at, zone),
            "title": event.title,
            "presenter": event.presenter,
            "is_breakout": event.is_breakout,
            "room_url": safe_uri(event.link) if event.is_breakout else "",
        }
        for event in invite.agenda
        if not event.cancelled
    ]


def _queue(
    registration: Registration,
    *,
    kind: str,
    subject: str,
    method: Method | None,
    token: str | None = None,
    factory: InviteFactory | None = None,
    now: datetime | None = None,
    **extra,
) -> OutboundEmail:
    moment = now or utcnow()
    gathering = registration.gathering
    factory = factory or InviteFactory(gathering)
    token = token or issue_manage_token(registration)
    manage_url = external_url("registration.manage", token=token)
    invite = factory.invite(registration, manage_url=manage_url)
    attachments = []
    if method is not None:
        attachments.append(
            Attachment(
                filename="invite.ics",
                content=personal_invite(invite, method=method, now=moment),
                mimetype=f"text/calendar; method={method}",
            )
        )
    zone = gathering.timezone
    context = {
        "kind": kind,
        "name": one_line(registration.name),
        "status": registration.status,
        "gathering_title": gathering.title,
        "date": timefmt.long_date(gathering.starts_at, zone),
        "times": timefmt.time_range(gathering.starts_at, gathering.ends_at, zone),
        "zone_name": timefmt.zone_name(zone),
        "meeting_url": safe_uri(gathering.meeting_url),
        "gathering_url": external_url("public.gathering", slug=gathering.slug),
        "manage_url": manage_url,
        "agenda": _agenda_rows(invite, zone),
        "breakout": invite.breakout,
        "has_invite": method is not None,
        "contact_name": gathering.contact_name,
        "contact_email": gathering.contact_email,
        "contact_phone": gathering.contact_phone,
        **extra,
    }
    custom = custom_wording(registration, kind, context)
    if custom is not None:
        subject, context["custom_text"], context["custom_html"] = custom
    text = render_template(f"email/{kind}.txt", **context)
    text = _BLANK_RUNS.sub("\n\n", _TRAILING_SPACE.sub("\n", text)).strip() + "\n"
    return queue_email(
        to=registration.email,
        subject=f"{subject}: {gathering.title}",
        text=text,
        html=render_template(f"email/{kind}.html", **context),
        attachments=attachments,
        kind=kind,
        registration_id=registration.id,
        reply_to=gathering.contact_email,
        now=moment,
    )


def _previous(registration: Registration, attribute: str):
    """The value an attribute had before this unit of work changed it, if it did."""
    history = inspect(registration).attrs[attribute].history
    return history.deleted[0] if history.deleted else getattr(registration, attribute)


def registration_received(registration: Registration, token: str) -> None:
    if registration.status == RegistrationStatus.WAITLISTED:
        _queue(
            registration,
            kind="registration_waitlisted",
            subject="You are on the waitlist",
            method=None,
            token=token,
        )
    else:
        _queue(
            registration,
            kind="registration_confirmed",
            subject="You are registered",
            method=Method.REQUEST,
            token=token,
        )


def promoted(registration: Registration) -> None:
    _queue(
        registration,
        kind="promoted",
        subject="A place opened: you are registered",
        method=Method.REQUEST,
    )


def registration_changed(registration: Registration) -> None:
    if registration.status == RegistrationStatus.CANCELLED:
        return
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    _queue(
        registration,
        kind="registration_changed",
        subject="Your registration was updated",
        method=Method.REQUEST if confirmed else None,
    )


def cancelled(registration: Registration) -> None:
    """A CANCEL goes only to people who had an invite, i.e. were confirmed."""
    had_invite = _previous(registration, "status") == RegistrationStatus.CONFIRMED or (
        registration.status == RegistrationStatus.CONFIRMED
    )
    _queue(
        registration,
        kind="cancelled",
        subject="Your registration is cancelled",
        method=Method.CANCEL if had_invite else None,
    )


def manage_link(registration: Registration) -> None:
    _queue(registration, kind="manage_link", subject="Your private link", method=None)


def _confirmed(gathering: Gathering, *conditions) -> list[Registration]:
    query = select(Registration).where(
        Registration.gathering_id == gathering.id,
        Registration.status == RegistrationStatus.CONFIRMED,
        *conditions,
    )
    return list(db.session.scalars(query.order_by(Registration.id)))


def schedule_changed(gathering: Gathering) -> None:
    """Time, title or link changed: everyone confirmed gets the updated invite."""
    factory = InviteFactory(gathering)
    now = utcnow()
    for registration in _confirmed(gathering):
        _queue(
            registration,
            kind="schedule_changed",
            subject="Updated schedule",
            method=Method.REQUEST,
            factory=factory,
            now=now,
        )


def concerned_by_removal(gathering: Gathering, item: AgendaItem) -> list[Registration]:
    """A plenary concerns everyone confirmed; a breakout only the people headed there
    (their first choice, or an assignment not yet cleared)."""
    conditions = []
    if item.is_breakout:
        conditions.append(
            or_(
                Registration.first_choice_id == item.id,
                Registration.assigned_breakout_id == item.id,
            )
        )
    return _confirmed(gathering, *conditions)


def item_removed(gathering: Gathering, item: AgendaItem) -> None:
    factory = InviteFactory(gathering)
    now = utcnow()
    for registration in concerned_by_removal(gathering, item):
        _queue(
            registration,
            kind="item_removed",
            subject="Agenda change",
            method=Method.REQUEST,
            factory=factory,
            now=now,
            removed_title=item.title,
            removed_breakout=item.is_breakout,
        )


def room_assigned(registration: Registration) -> None:
    """Only for people whose room changed: where they now go, with the updated invite."""
    _queue(
        registration,
        kind="room_assigned",
        subject="Your breakout room",
        method=Method.REQUEST,
    )


def reminder(
    registration: Registration, *, days: int, factory: InviteFactory, now: datetime
) -> OutboundEmail:
    """A scheduled reminder: the personal invite again and the private link."""
    return _queue(
        registration,
        kind="reminder",
        subject="In 1 day" if days == 1 else f"In {days} days",
        method=Method.REQUEST,
        factory=factory,
        now=now,
        days=days,
    )


def organiser_message(
    registration: Registration, *, subject: str, text: str, html: str, token: str, now: datetime
) -> OutboundEmail:
    """An organiser's own message, already rendered for this person (with `token`)."""
    return _queue(
        registration,
        kind="message",
        subject=subject,
        method=None,
        token=token,
        now=now,
        message_text=text,
        message_html=html,
        subject_line=subject,
    )
