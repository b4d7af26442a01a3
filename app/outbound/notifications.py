"""Emails to participants about their registration.

Each function only records messages in the current session (app.outbound.mail.queue_email), so
they are saved in the same transaction as the change that causes them. A message to one
person is only recorded (kind, method, token): the delivery job renders it just before
sending (`render_recorded`), so the request inserts a row and nothing more. A change
that concerns everyone confirmed records one job, which writes the updated invites in
batches of FAN_OUT_BATCH: one query for the people, one INSERT of their new private links,
one of the finished emails, with what every copy shares (templates, the gathering's
details, the per-room agendas) prepared once (`_Composer`). Confirmed people
get their personal invite attached as text/calendar (REQUEST, or CANCEL when they
cancel); every message that carries an invite or a link gets a fresh manage token, so
the link in the calendar entry always works: only a token's hash is stored, so a link
can only be written when its token is made, and the links sent before keep working.
"""

import re
from dataclasses import replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Row, delete, or_

from app import timefmt
from app.calendar import Method, PersonalInvite, personal_invite, safe_uri
from app.choices import RegistrationStatus
from app.cleaning import one_line
from app.extensions import db
from app.jobs import checkpoint, job, submit
from app.models import AgendaItem, Gathering, MailStatus, OutboundEmail, Registration, utcnow
from app.outbound.invites import InviteFactory
from app.outbound.mail import (
    Attachment,
    Outgoing,
    PermanentFailure,
    queue_email,
    queue_emails,
    queue_recorded,
)
from app.outbound.manage_tokens import issue_manage_token, issue_manage_tokens
from app.outbound.public_links import public_url
from app.outbound.wording import render as render_wording
from app.outbound.wording import values_for, wording_for
from app.reach import is_reachable, reachable_registrations

_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_BLANK_RUNS = re.compile(r"\n{3,}")


class _Composer:
    """Writes one kind of message for the people of one gathering. What every copy
    shares (the templates, the gathering's part of the context, the invite factory with
    its per-room agendas, the organiser's own wording) is prepared once, so a fan-out to
    thousands costs little more per person than that person's own part."""

    def __init__(self, gathering: Gathering, kind: str, factory: InviteFactory | None = None):
        zone = gathering.timezone
        self.gathering = gathering
        self.kind = kind
        self.factory = factory or InviteFactory(gathering)
        environment = current_app.jinja_env
        self.text_template = environment.get_template(f"email/{kind}.txt")
        self.html_template = environment.get_template(f"email/{kind}.html")
        # What render_template would add (context processors), worked out once.
        self.context: dict = {}
        current_app.update_template_context(self.context)
        self.context.update(
            kind=kind,
            gathering_title=gathering.title,
            date=timefmt.long_date(gathering.starts_at, zone),
            times=timefmt.time_range(gathering.starts_at, gathering.ends_at, zone),
            zone_name=timefmt.zone_name(zone),
            meeting_url=safe_uri(gathering.meeting_url),
            gathering_url=public_url("public.gathering", slug=gathering.slug),
            contact_name=gathering.contact_name,
            contact_email=gathering.contact_email,
            contact_phone=gathering.contact_phone,
        )
        self.wording = wording_for(gathering.id, kind)
        self._agendas: dict[int, list[dict]] = {}

    def _agenda_rows(self, invite: PersonalInvite) -> list[dict]:
        """The agenda as the email shows it, once per room (the factory shares the
        agendas, so the same tuple means the same rows)."""
        key = id(invite.agenda)
        if key not in self._agendas:
            zone = self.gathering.timezone
            self._agendas[key] = [
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
        return self._agendas[key]

    def compose(
        self,
        registration: Registration,
        *,
        subject: str,
        method: Method | None,
        token: str,
        now: datetime,
        extra: dict,
        sequence: int | None = None,
    ) -> tuple[str, str, str, list[Attachment]]:
        """(subject, text, HTML, attachments) for one person. `registration` needs only
        the columns the invite and the greeting use (a Row of them will do) unless the
        organiser wrote their own wording for this kind of message."""
        manage_url = public_url("registration.manage", token=token)
        invite = self.factory.invite(registration, manage_url=manage_url)
        if sequence is not None:
            invite = replace(invite, sequence=sequence)
        attachments = []
        if method is not None:
            # The invite's DTSTAMP is written to the second, so every delivery run in the
            # same second shares the frame app.calendar keeps for each moment.
            attachments.append(
                Attachment(
                    filename="invite.ics",
                    content=personal_invite(invite, method=method, now=now.replace(microsecond=0)),
                    mimetype=f"text/calendar; method={method}",
                )
            )
        context = {
            **self.context,
            "name": one_line(registration.name),
            "status": registration.status,
            "manage_url": manage_url,
            "agenda": self._agenda_rows(invite),
            "breakout": invite.breakout,
            "has_invite": method is not None,
            **extra,
        }
        if self.wording is not None:
            subject, context["custom_text"], context["custom_html"] = render_wording(
                self.wording.subject,
                self.wording.body,
                values_for(registration, manage_url=manage_url),
            )
        text = self.text_template.render(context)
        text = _BLANK_RUNS.sub("\n\n", _TRAILING_SPACE.sub("\n", text)).strip() + "\n"
        html = self.html_template.render(context)
        # An organiser's message says whether the title follows the subject (the composer
        # shows it and lets them switch it off); every other email carries it.
        if extra.get("title_in_subject", True):
            subject = f"{subject}: {self.gathering.title}"
        return subject, text, html, attachments


def _render(
    registration: Registration,
    *,
    kind: str,
    subject: str,
    method: Method | None,
    token: str,
    factory: InviteFactory | None,
    now: datetime,
    extra: dict,
    sequence: int | None = None,
) -> tuple[str, str, str, list[Attachment]]:
    return _Composer(registration.gathering, kind, factory).compose(
        registration,
        subject=subject,
        method=method,
        token=token,
        now=now,
        extra=extra,
        sequence=sequence,
    )


def _queue(
    registration: Registration,
    *,
    kind: str,
    subject: str,
    method: Method | None,
    token: str | None = None,
    factory: InviteFactory | None = None,
    now: datetime | None = None,
    cause: str = "",
    **extra,
) -> OutboundEmail | None:
    """Render and queue at once: for jobs (fan-out, reminders), which share one
    InviteFactory, and for messages an organiser has just written. Nothing for a person
    whose data was erased."""
    if not is_reachable(registration):
        return None
    moment = now or utcnow()
    token = token or issue_manage_token(registration)
    title, text, html, attachments = _render(
        registration,
        kind=kind,
        subject=subject,
        method=method,
        token=token,
        factory=factory,
        now=moment,
        extra=extra,
    )
    return queue_email(
        to=registration.email,
        subject=title,
        text=text,
        html=html,
        attachments=attachments,
        kind=kind,
        registration_id=registration.id,
        reply_to=registration.gathering.contact_email,
        now=moment,
        cause=cause,
    )


# Updates about the gathering or one's room. A newer one replaces one not yet sent, and
# each waits MAIL_UPDATE_HOLD_SECONDS first, so several changes made in a row reach each
# person as one email (rendered from the state after the last of them).
UPDATE_KINDS = ("schedule_changed", "item_removed", "room_assigned", "registration_changed")


def _update_hold(now: datetime) -> datetime:
    return now + timedelta(seconds=int(current_app.config["MAIL_UPDATE_HOLD_SECONDS"]))


def _replace_pending_updates(registration_ids: list[int]) -> None:
    if registration_ids:
        db.session.execute(
            delete(OutboundEmail)
            .where(
                OutboundEmail.registration_id.in_(registration_ids),
                OutboundEmail.kind.in_(UPDATE_KINDS),
                OutboundEmail.status == MailStatus.QUEUED.value,
                OutboundEmail.attempts == 0,
                OutboundEmail.claim_token.is_(None),
            )
            .execution_options(synchronize_session=False)
        )


def _record(
    registration: Registration,
    *,
    kind: str,
    subject: str,
    method: Method | None,
    token: str | None = None,
    cause: str = "",
    **extra,
) -> None:
    """Record the message for the delivery job to render (no rendering); nothing for a
    person whose data was erased. An update replaces this person's update not yet sent,
    and waits a little for the next one."""
    if not is_reachable(registration):
        return
    if registration.id is None:
        db.session.flush()  # its id names the token and the message
    token = token or issue_manage_token(registration)
    gathering = registration.gathering
    send_at = None
    if kind in UPDATE_KINDS:
        _replace_pending_updates([registration.id])
        send_at = _update_hold(utcnow())
    queue_recorded(
        cause=cause,
        send_at=send_at,
        to=registration.email,
        subject=f"{subject}: {gathering.title}",
        kind=kind,
        registration_id=registration.id,
        reply_to=gathering.contact_email,
        render_args={
            "subject": subject,
            "method": str(method) if method is not None else None,
            "token": token,
            # The invite keeps the version of the moment it was recorded, so a message
            # rendered after a later change never outranks that change's own message.
            "sequence": (gathering.calendar_sequence or 0) + (registration.calendar_sequence or 0),
            "extra": extra,
        },
    )


def render_recorded(email: OutboundEmail, *, now: datetime, composers: dict | None = None) -> None:
    """Fill in a recorded message from the registration as it is now, its links built
    from PUBLIC_URL (app.outbound.public_links). A delivery run passes `composers`, so its
    messages of one kind for one gathering share one."""
    registration = email.registration
    if registration is None:
        raise PermanentFailure("the registration this message was about no longer exists")
    if not is_reachable(registration):
        raise PermanentFailure("the person's data was erased")
    args = email.render_args or {}
    key = (registration.gathering_id, email.kind)
    composer = (composers or {}).get(key)
    if composer is None:
        composer = _Composer(registration.gathering, email.kind)
        if composers is not None:
            composers[key] = composer
    email.subject, email.text_body, email.html_body, attachments = composer.compose(
        registration,
        subject=args["subject"],
        method=Method(args["method"]) if args.get("method") else None,
        token=args["token"],
        now=now,
        extra=args.get("extra") or {},
        sequence=args.get("sequence"),
    )
    email.attachments = attachments


def registration_received(registration: Registration, token: str) -> None:
    if registration.status == RegistrationStatus.WAITLISTED:
        _record(
            registration,
            kind="registration_waitlisted",
            subject="You are on the waitlist",
            method=None,
            token=token,
        )
    else:
        _record(
            registration,
            kind="registration_confirmed",
            subject="You are registered",
            method=Method.REQUEST,
            token=token,
        )


# The subject and calendar method of each message an action may announce: the confirm
# page renders its example (`preview`) with the same ones the delivery will use.
ANNOUNCED = {
    "promoted": ("A place opened: you are registered", Method.REQUEST),
    "registration_changed": ("Your registration was updated", Method.REQUEST),
    "cancelled": ("Your registration is cancelled", Method.CANCEL),
    "schedule_changed": ("Updated schedule", Method.REQUEST),
    "item_removed": ("Agenda change", Method.REQUEST),
    "room_assigned": ("Your breakout room", Method.REQUEST),
    "accommodation_arranged": ("Your accessibility needs are arranged", None),
}
PREVIEW_TOKEN = "your-private-link"  # noqa: S105 - a visible stand-in, not a secret


def preview(registration: Registration, kind: str, *, now: datetime, **extra) -> dict[str, str]:
    """The message `kind` as `registration` would receive it now (subject and text),
    with a stand-in private link: nothing is queued and no token is issued."""
    subject, method = ANNOUNCED[kind]
    title, text, _html, _attachments = _Composer(registration.gathering, kind).compose(
        registration, subject=subject, method=method, token=PREVIEW_TOKEN, now=now, extra=extra
    )
    return {"to": registration.email, "subject": title, "text": text}


def promoted(registration: Registration, *, cause: str = "") -> None:
    _record(
        registration,
        kind="promoted",
        subject=ANNOUNCED["promoted"][0],
        method=Method.REQUEST,
        cause=cause,
    )


def registration_changed(registration: Registration, *, cause: str = "") -> None:
    if registration.status == RegistrationStatus.CANCELLED:
        return
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    _record(
        registration,
        kind="registration_changed",
        subject=ANNOUNCED["registration_changed"][0],
        method=Method.REQUEST if confirmed else None,
        cause=cause,
    )


def cancelled(registration: Registration, *, had_invite: bool, cause: str = "") -> None:
    """A CANCEL goes only to people who had an invite, i.e. were confirmed."""
    _record(
        registration,
        kind="cancelled",
        subject=ANNOUNCED["cancelled"][0],
        method=Method.CANCEL if had_invite else None,
        cause=cause,
    )


def manage_link(registration: Registration) -> None:
    _record(registration, kind="manage_link", subject="Your private link", method=None)


# What an updated invite needs of each person: no more is read for a fan-out.
FAN_OUT_COLUMNS = (
    Registration.id,
    Registration.name,
    Registration.email,
    Registration.status,
    Registration.calendar_uid,
    Registration.calendar_sequence,
    Registration.assigned_breakout_id,
    Registration.first_choice_id,
)


def _confirmed(gathering: Gathering, *conditions, after_id: int, limit: int) -> list[Row]:
    query = (
        reachable_registrations(gathering.id)
        .with_only_columns(*FAN_OUT_COLUMNS)
        .where(Registration.id > after_id, *conditions)
    )
    return list(db.session.execute(query.order_by(Registration.id).limit(limit)))


FAN_OUT_BATCH = 500


def schedule_changed(gathering: Gathering, *, cause: str = "") -> None:
    """Time, title, link or agenda changed, and the organiser chose to tell people:
    everyone confirmed gets the updated invite (a job writes them)."""
    submit("notifications.schedule_changed", gathering_id=gathering.id, cause=cause)


def concerned_by_removal(gathering: Gathering, item: AgendaItem) -> list[Registration]:
    """A plenary concerns everyone confirmed; a breakout only the people headed there
    (their first choice, or an assignment not yet cleared)."""
    query = reachable_registrations(gathering.id)
    if item.is_breakout:
        query = query.where(
            or_(
                Registration.first_choice_id == item.id,
                Registration.assigned_breakout_id == item.id,
            )
        )
    return list(db.session.scalars(query.order_by(Registration.id)))


def item_removed(
    gathering: Gathering, item: AgendaItem, *, headed_there: list[int] | None, cause: str = ""
) -> None:
    """`headed_there`: for a breakout, the people who were going to it, worked out
    before the assignments were cleared (None for a plenary: everyone confirmed)."""
    submit(
        "notifications.item_removed",
        gathering_id=gathering.id,
        item_id=item.id,
        registration_ids=headed_there,
        cause=cause,
    )


def _fan_out(
    gathering_id: int,
    *conditions,
    after_id: int,
    kind: str,
    subject: str,
    cause: str = "",
    **extra,
):
    """Write the updated invites in batches: per batch one query for the people, one
    INSERT of their new private links and one of the finished emails, committed with
    the job's checkpoint, so a run picked up after a crash sends nobody a second copy.
    Each replaces the person's update not yet sent, and waits like every update."""
    gathering = db.session.get(Gathering, gathering_id)
    if gathering is None:
        return
    composer = _Composer(gathering, kind)
    now = utcnow()
    while batch := _confirmed(gathering, *conditions, after_id=after_id, limit=FAN_OUT_BATCH):
        ids = [person.id for person in batch]
        _replace_pending_updates(ids)
        tokens = issue_manage_tokens(ids, now=now)
        queue_emails(
            [
                _updated_invite(composer, person, token, subject=subject, now=now, extra=extra)
                for person, token in zip(batch, tokens, strict=True)
            ],
            now=now,
            cause=cause,
            send_at=_update_hold(now),
        )
        after_id = batch[-1].id
        checkpoint(after_id=after_id)
        db.session.commit()


def _updated_invite(
    composer: _Composer, person: Row, token: str, *, subject: str, now: datetime, extra: dict
) -> Outgoing:
    title, text, html, attachments = composer.compose(
        person, subject=subject, method=Method.REQUEST, token=token, now=now, extra=extra
    )
    return Outgoing(
        to=person.email,
        subject=title,
        text=text,
        html=html,
        kind=composer.kind,
        registration_id=person.id,
        reply_to=composer.gathering.contact_email,
        attachments=attachments,
    )


@job("notifications.schedule_changed")
def schedule_changed_job(gathering_id: int, after_id: int = 0, cause: str = "") -> None:
    _fan_out(
        gathering_id,
        after_id=after_id,
        kind="schedule_changed",
        subject=ANNOUNCED["schedule_changed"][0],
        cause=cause,
    )


@job("notifications.item_removed")
def item_removed_job(
    gathering_id: int,
    item_id: int,
    registration_ids: list[int] | None,
    after_id: int = 0,
    cause: str = "",
) -> None:
    item = db.session.get(AgendaItem, item_id)
    if item is None:
        return
    conditions = [] if registration_ids is None else [Registration.id.in_(registration_ids)]
    _fan_out(
        gathering_id,
        *conditions,
        after_id=after_id,
        kind="item_removed",
        subject=ANNOUNCED["item_removed"][0],
        cause=cause,
        removed_title=item.title,
        removed_breakout=item.is_breakout,
    )


def room_assigned(registration: Registration, *, cause: str = "") -> None:
    """Only for people whose room changed: where they now go, with the updated invite."""
    _record(
        registration,
        kind="room_assigned",
        subject=ANNOUNCED["room_assigned"][0],
        method=Method.REQUEST,
        cause=cause,
    )


def reminder(
    registration: Registration, *, days: int, factory: InviteFactory, now: datetime
) -> OutboundEmail | None:
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
    registration: Registration,
    *,
    subject: str,
    text: str,
    html: str,
    token: str,
    now: datetime,
    greeting: bool = False,
    title_in_subject: bool = False,
    cause: str = "",
) -> OutboundEmail | None:
    """An organiser's own message, already filled in for this person (with `token`):
    the greeting and the title after the subject only when they asked for them."""
    return _queue(
        registration,
        kind="message",
        subject=subject,
        method=None,
        token=token,
        now=now,
        cause=cause,
        message_text=text,
        message_html=html,
        subject_line=subject,
        greeting=greeting,
        title_in_subject=title_in_subject,
    )


def organiser_message_as_sent(
    registration: Registration,
    *,
    subject: str,
    text: str,
    html: str,
    token: str,
    now: datetime,
    greeting: bool,
    title_in_subject: bool,
) -> tuple[str, str, str]:
    """(subject, text, HTML) exactly as `organiser_message` would write them: the
    composer's preview and its test send use this, so they cannot differ from the email."""
    title, text_body, html_body, _attachments = _render(
        registration,
        kind="message",
        subject=subject,
        method=None,
        token=token,
        factory=None,
        now=now,
        extra={
            "message_text": text,
            "message_html": html,
            "subject_line": subject,
            "greeting": greeting,
            "title_in_subject": title_in_subject,
        },
    )
    return title, text_body, html_body


def accommodation_arranged(
    registration: Registration, *, arrangements: list[dict], cause: str = ""
) -> None:
    """What was arranged for the person's accessibility needs: [{"need", "what"}]."""
    subject, method = ANNOUNCED["accommodation_arranged"]
    _record(
        registration,
        kind="accommodation_arranged",
        subject=subject,
        method=method,
        cause=cause,
        arrangements=arrangements,
    )
