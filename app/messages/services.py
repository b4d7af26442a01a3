"""Messages to groups of registrants, scheduled reminders and the sent log.

Everything goes through the outbox (app.outbound.mail) in the caller's transaction. A message
names its recipients in `message_recipients`, whose unique pair means nobody gets the
same message twice; a reminder is claimed by a conditional UPDATE, so two sweeps never
both send it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, update

from app.choices import RegistrationStatus
from app.extensions import db
from app.facts import gathering_facts
from app.jobs import every_sweep
from app.models import (
    AgendaItem,
    EmailTemplate,
    Gathering,
    Message,
    MessageRecipient,
    MessageTemplate,
    OutboundEmail,
    Registration,
    Reminder,
)
from app.outbound import notifications
from app.outbound.invites import InviteFactory
from app.outbound.mail import queue_email
from app.outbound.manage_tokens import issue_manage_token
from app.outbound.public_links import public_url
from app.outbound.wording import STANDARD_EMAILS, render, template_for, values_for
from app.reach import reachable_registrations

SEGMENTS = {
    "confirmed": "Everyone confirmed",
    "waitlisted": "Everyone on the waitlist",
    "attendees": "People who attended",
    "no_shows": "Confirmed people who did not attend",
    "room": "The people in one breakout room",
    "selected": "The people selected on the registrants list",
}
DEFAULT_REMINDER_DAYS = (7, 1)
MAX_SELECTED = 5000
PREVIEW_LINK_TOKEN = "your-private-link"  # noqa: S105 - a visible stand-in, not a secret


class MessageRefused(Exception):
    """The message is shown to the organiser."""


@dataclass(frozen=True)
class Audience:
    segment: str
    room_id: int | None = None
    selected: tuple[int, ...] = ()

    def describe(self, gathering: Gathering) -> str:
        if self.segment == "room":
            room = db.session.get(AgendaItem, self.room_id) if self.room_id else None
            return f"The people in “{room.title}”" if room else "A breakout room"
        if self.segment == "selected":
            return f"{len(self.selected)} selected people"
        return SEGMENTS.get(self.segment, self.segment)


def _base(gathering: Gathering) -> Select:
    return reachable_registrations(gathering.id, statuses=None)


def audience_query(gathering: Gathering, audience: Audience) -> Select:
    """Who a message to this audience goes to. Cancelled people get messages only when
    an organiser selected them by name."""
    query = _base(gathering)
    confirmed = Registration.status == RegistrationStatus.CONFIRMED
    match audience.segment:
        case "confirmed":
            query = query.where(confirmed)
        case "waitlisted":
            query = query.where(Registration.status == RegistrationStatus.WAITLISTED)
        case "attendees" | "no_shows":
            attended = Registration.id.in_(gathering_facts(gathering).attended_ids)
            query = query.where(
                confirmed, attended if audience.segment == "attendees" else ~attended
            )
        case "room":
            query = query.where(confirmed, Registration.assigned_breakout_id == audience.room_id)
        case "selected":
            query = query.where(Registration.id.in_(audience.selected[:MAX_SELECTED]))
        case _:
            raise MessageRefused("Choose who the message is for.")
    return query.order_by(Registration.name, Registration.id)


def recipients(gathering: Gathering, audience: Audience) -> list[Registration]:
    return list(db.session.scalars(audience_query(gathering, audience)))


def count(gathering: Gathering, audience: Audience) -> int:
    return db.session.scalar(
        select(func.count()).select_from(audience_query(gathering, audience).subquery())
    )


@dataclass(frozen=True)
class Draft:
    """What the organiser wrote, and what they chose to add around it."""

    subject: str
    body: str
    greeting: bool = False
    title_in_subject: bool = False


def _as_sent(
    registration: Registration, draft: Draft, *, token: str, now: datetime
) -> tuple[str, str, str]:
    manage_url = public_url("registration.manage", token=token)
    subject, text, html = render(
        draft.subject, draft.body, values_for(registration, manage_url=manage_url)
    )
    return notifications.organiser_message_as_sent(
        registration,
        subject=subject,
        text=text,
        html=html,
        token=token,
        now=now,
        greeting=draft.greeting,
        title_in_subject=draft.title_in_subject,
    )


def preview(registration: Registration, draft: Draft, *, now: datetime) -> tuple[str, str, str]:
    """(subject, text, HTML) exactly as this person would receive them, with a stand-in
    for their private link (a real one is made only when the message is sent)."""
    return _as_sent(registration, draft, token=PREVIEW_LINK_TOKEN, now=now)


def send_test(
    gathering: Gathering, audience: Audience, draft: Draft, *, to: str, now: datetime
) -> OutboundEmail:
    """The message as the first recipient would get it, to the organiser's own address
    only (with the stand-in private link)."""
    people = recipients(gathering, audience)
    if not people:
        raise MessageRefused("Nobody is in this group, so there is no one to show it as.")
    subject, text, html = preview(people[0], draft, now=now)
    return queue_email(
        to=to,
        subject=subject,
        text=text,
        html=html,
        kind="message_test",
        reply_to=gathering.contact_email,
        now=now,
        cause="A test of a message, sent to the organiser who wrote it",
    )


def _message(
    gathering: Gathering,
    audience: Audience,
    draft: Draft,
    *,
    count: int,
    sent_by_id: int | None,
    now: datetime,
) -> Message:
    message = Message(
        gathering_id=gathering.id,
        subject=draft.subject,
        body=draft.body,
        greeting=draft.greeting,
        title_in_subject=draft.title_in_subject,
        segment=audience.describe(gathering),
        recipient_count=count,
        sent_by_id=sent_by_id,
        created_at=now,
        audience={
            "segment": audience.segment,
            "room_id": audience.room_id,
            "selected": list(audience.selected),
        },
    )
    db.session.add(message)
    db.session.flush()
    return message


def send(
    gathering: Gathering,
    audience: Audience,
    draft: Draft,
    *,
    expected: int,
    sent_by_id: int | None,
    now: datetime,
) -> Message:
    """Queue one email per recipient. `expected` is the count the organiser confirmed:
    if the audience changed since, nothing is sent and they see the new count."""
    people = recipients(gathering, audience)
    if len(people) != expected:
        raise MessageRefused(
            f"The number of people changed from {expected} to {len(people)} since you "
            "looked. Check the preview and confirm again."
        )
    if not people:
        raise MessageRefused("Nobody is in this group, so there is nobody to send to.")
    message = _message(
        gathering, audience, draft, count=len(people), sent_by_id=sent_by_id, now=now
    )
    _deliver(message, people, draft, now=now)
    return message


def _deliver(message: Message, people: list[Registration], draft: Draft, *, now: datetime):
    cause = f"Message “{message.subject}” to {message.segment.lower()}"
    for registration in people:
        recipient = MessageRecipient(message_id=message.id, registration_id=registration.id)
        db.session.add(recipient)
        db.session.flush()  # the unique pair refuses a second copy before any email exists
        recipient.outbound_email = _queue_message(registration, draft, now=now, cause=cause)
    db.session.flush()


def _queue_message(
    registration: Registration, draft: Draft, *, now: datetime, cause: str
) -> OutboundEmail | None:
    token = issue_manage_token(registration)
    manage_url = public_url("registration.manage", token=token)
    subject, text, html = render(
        draft.subject, draft.body, values_for(registration, manage_url=manage_url)
    )
    return notifications.organiser_message(
        registration,
        subject=subject,
        text=text,
        html=html,
        now=now,
        token=token,
        greeting=draft.greeting,
        title_in_subject=draft.title_in_subject,
        cause=cause,
    )


def schedule(
    gathering: Gathering,
    audience: Audience,
    draft: Draft,
    *,
    send_at: datetime,
    sent_by_id: int | None,
    now: datetime,
) -> Message:
    """Keep the message until `send_at`; it then goes to the audience as it is at that
    moment (`send_scheduled_messages`), unless it was cancelled."""
    if send_at <= now:
        raise MessageRefused("Choose a time in the future, or leave it empty to send now.")
    message = _message(
        gathering,
        audience,
        draft,
        count=len(recipients(gathering, audience)),
        sent_by_id=sent_by_id,
        now=now,
    )
    message.status = "scheduled"
    message.scheduled_for = send_at
    return message


def cancel_scheduled(message: Message) -> None:
    if message.status != "scheduled":
        raise MessageRefused("This message is not waiting to be sent, so it cannot be cancelled.")
    message.status = "cancelled"


@every_sweep
def send_scheduled_messages(*, now: datetime) -> int:
    """Send each scheduled message whose time has come, once: claimed by a conditional
    UPDATE, so two sweeps never both send it. Returns how many were sent."""
    due = db.session.scalars(
        select(Message.id).where(Message.status == "scheduled", Message.scheduled_for <= now)
    ).all()
    sent = 0
    for message_id in due:
        claimed = db.session.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == "scheduled")
            .values(status="sent")
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            db.session.rollback()
            continue
        message = db.session.get(Message, message_id)
        db.session.refresh(message)
        stored = message.audience or {}
        audience = Audience(
            stored.get("segment", "confirmed"),
            room_id=stored.get("room_id"),
            selected=tuple(stored.get("selected") or ()),
        )
        draft = Draft(message.subject, message.body, message.greeting, message.title_in_subject)
        people = recipients(message.gathering, audience)
        message.recipient_count = len(people)
        _deliver(message, people, draft, now=now)
        db.session.commit()
        sent += 1
    return sent


# --- saved templates -----------------------------------------------------------------


def message_templates() -> list[MessageTemplate]:
    return list(db.session.scalars(select(MessageTemplate).order_by(MessageTemplate.name)))


def save_message_template(
    name: str, draft: Draft, *, saved_by_id: int | None, now: datetime
) -> MessageTemplate:
    """Save under `name`, replacing a template of that name."""
    template = db.session.scalar(select(MessageTemplate).where(MessageTemplate.name == name))
    if template is None:
        template = MessageTemplate(name=name)
        db.session.add(template)
    template.subject = draft.subject
    template.body = draft.body
    template.greeting = draft.greeting
    template.title_in_subject = draft.title_in_subject
    template.saved_by_id = saved_by_id
    template.updated_at = now
    db.session.flush()
    return template


def sent_log(gathering: Gathering, *, limit: int = 500) -> list[OutboundEmail]:
    """Every email to this gathering's registrants, newest first."""
    return list(
        db.session.scalars(
            select(OutboundEmail)
            .join(Registration, Registration.id == OutboundEmail.registration_id)
            .where(Registration.gathering_id == gathering.id)
            .order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc())
            .limit(limit)
        )
    )


def messages(gathering: Gathering) -> list[Message]:
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.gathering_id == gathering.id)
            .order_by(Message.created_at.desc())
        )
    )


def message_recipients(message: Message) -> list[MessageRecipient]:
    return list(
        db.session.scalars(
            select(MessageRecipient)
            .where(MessageRecipient.message_id == message.id)
            .order_by(MessageRecipient.id)
        )
    )


# --- reminders -----------------------------------------------------------------------


def reminders(gathering: Gathering) -> list[Reminder]:
    return list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.gathering_id == gathering.id)
            .order_by(Reminder.days_before.desc())
        )
    )


def set_reminders(gathering: Gathering, days: list[int]) -> None:
    """Keep reminders already sent; add and remove the others to match `days`."""
    wanted = set(days)
    for reminder in reminders(gathering):
        if reminder.days_before not in wanted and reminder.sent_at is None:
            db.session.delete(reminder)
        wanted.discard(reminder.days_before)
    for day in sorted(wanted, reverse=True):
        db.session.add(Reminder(gathering_id=gathering.id, days_before=day))
    db.session.flush()


def schedule_default_reminders(gathering: Gathering) -> None:
    set_reminders(gathering, list(DEFAULT_REMINDER_DAYS))


def due_at(gathering: Gathering, reminder: Reminder) -> datetime:
    return gathering.starts_at - timedelta(days=reminder.days_before)


@every_sweep
def queue_due_reminders(*, now: datetime) -> int:
    """Queue every reminder whose time has come and whose gathering has not started;
    each one once, to the people confirmed at that moment. When several of a gathering's
    reminders are due together (it was set up late), only the nearest is sent and the
    others are marked as passed, so nobody gets two reminders in one minute. Returns the
    emails queued. The periodic sweep calls this; it commits each gathering's work."""
    rows = db.session.execute(
        select(Reminder.id, Reminder.days_before, Gathering.id, Gathering.starts_at)
        .join(Gathering, Gathering.id == Reminder.gathering_id)
        .where(Reminder.sent_at.is_(None), Gathering.starts_at > now)
        .order_by(Gathering.id, Reminder.days_before)
    ).all()
    due: dict[int, list[tuple[int, int]]] = {}
    for reminder_id, days, gathering_id, starts_at in rows:
        if now >= starts_at - timedelta(days=days):
            due.setdefault(gathering_id, []).append((reminder_id, days))
    queued = 0
    for gathering_id, reminders_due in due.items():
        (send_id, days), *passed = reminders_due
        claimed = db.session.execute(
            update(Reminder)
            .where(Reminder.id.in_([rid for rid, _ in reminders_due]), Reminder.sent_at.is_(None))
            .values(sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != len(reminders_due):
            db.session.rollback()  # another sweep got there first
            continue
        gathering = db.session.get(Gathering, gathering_id)
        factory = InviteFactory(gathering)
        people = recipients(gathering, Audience("confirmed"))
        for registration in people:
            notifications.reminder(registration, days=days, factory=factory, now=now)
        db.session.execute(
            update(Reminder)
            .where(Reminder.id == send_id)
            .values(recipient_count=len(people))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        queued += len(people)
    return queued


# --- editable wording ----------------------------------------------------------------


def save_template(gathering: Gathering, key: str, *, subject: str, body: str) -> EmailTemplate:
    if key not in STANDARD_EMAILS:
        raise MessageRefused("There is no such email.")
    template = template_for(gathering.id, key)
    if template is None:
        template = EmailTemplate(gathering_id=gathering.id, kind=key, subject=subject, body=body)
        db.session.add(template)
    template.subject = subject
    template.body = body
    db.session.flush()
    return template


def reset_template(gathering: Gathering, key: str) -> None:
    template = template_for(gathering.id, key)
    if template is not None:
        db.session.delete(template)
        db.session.flush()
