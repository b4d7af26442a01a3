"""Each registrant's history, written as registrations change.

`write_history`, run after every flush (app/transaction_hooks.py), sees every change to a
registration, whichever feature made it (registration, waitlist promotion, room
assignment, organiser edits), so no rule has to remember to write history. Details name
fields and rooms, never personal data, so the history survives erasure."""

from dataclasses import dataclass
from datetime import datetime

from flask import g
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.choices import RegistrationStatus
from app.extensions import db
from app.models import (
    AgendaItem,
    AttendanceRecord,
    AttendanceSource,
    EventKind,
    OutboundEmail,
    RegistrantEvent,
    Registration,
    utcnow,
)
from app.outbound.mail import mail_state
from app.registration.fields import editable_fields


def _actor_id() -> int | None:
    """The signed-in staff member, if a request made the change; read from what
    Flask-Login already loaded, so the listener never queries during a flush."""
    try:
        user = getattr(g, "_login_user", None)
    except RuntimeError:
        return None
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


def _changed(state, attribute: str) -> tuple[bool, object]:
    history = state.attrs[attribute].history
    if not history.has_changes():
        return False, None
    return True, history.deleted[0] if history.deleted else None


def _room_titles(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.connection().execute(
        select(AgendaItem.id, AgendaItem.title).where(AgendaItem.id.in_(ids))
    )
    return dict(rows.all())


def _events_for(session: Session) -> list[dict]:
    actor = _actor_id()
    now = utcnow()
    rows: list[dict] = []
    room_changes: list[tuple[Registration, int | None, int | None, datetime]] = []
    for obj in session.new:
        if isinstance(obj, Registration) and obj.id is not None:
            waitlisted = obj.status == RegistrationStatus.WAITLISTED
            rows.append(
                {
                    "registration_id": obj.id,
                    "kind": (EventKind.WAITLISTED if waitlisted else EventKind.REGISTERED).value,
                    "detail": "",
                    "actor_id": actor,
                    "created_at": obj.created_at or now,
                }
            )
    for obj in session.dirty:
        if not isinstance(obj, Registration):
            continue
        state = inspect(obj)
        # A service that stamps the change itself (updated_at=now, as room assignment
        # does) dates its history line the same; otherwise the clock does.
        stamped, _ = _changed(state, "updated_at")
        when = obj.updated_at if stamped and obj.updated_at is not None else now
        status_changed, before = _changed(state, "status")
        if status_changed and before is not None:
            kind = _status_event(str(before), obj.status)
            if kind is not None:
                rows.append(_row(obj, kind, "", actor, when))
        room_changed, room_before = _changed(state, "assigned_breakout_id")
        if room_changed and room_before != obj.assigned_breakout_id:
            room_changes.append((obj, room_before, obj.assigned_breakout_id, when))
        edited = [
            label
            for attribute, label in editable_fields().items()
            if _changed(state, attribute)[0]
            and state.attrs[attribute].history.deleted
            and state.attrs[attribute].history.deleted[0] != getattr(obj, attribute)
        ]
        if edited and obj.erased_at is None:
            rows.append(_row(obj, EventKind.EDITED, "Changed: " + ", ".join(edited), actor, when))
    titles = _room_titles(
        session, {room for _, a, b, _ in room_changes for room in (a, b) if room is not None}
    )
    for obj, before, after, when in room_changes:
        detail = f"{titles.get(before, 'No room')} → {titles.get(after, 'No room')}"
        rows.append(_row(obj, EventKind.ROOM, detail, actor, when))
    return rows


def _status_event(before: str, after: str) -> EventKind | None:
    if after == RegistrationStatus.CANCELLED:
        return EventKind.CANCELLED
    if before == RegistrationStatus.CANCELLED:
        return EventKind.REREGISTERED
    if before == RegistrationStatus.WAITLISTED and after == RegistrationStatus.CONFIRMED:
        return EventKind.PROMOTED
    if after == RegistrationStatus.WAITLISTED:
        return EventKind.WAITLISTED
    return None


def _row(obj: Registration, kind: EventKind, detail: str, actor, now: datetime) -> dict:
    return {
        "registration_id": obj.id,
        "kind": kind.value,
        "detail": detail,
        "actor_id": actor,
        "created_at": now,
    }


def write_history(session: Session) -> None:
    """After every flush (app/transaction_hooks.py): the history rows of the
    registrations it changed, whatever changed them."""
    rows = _events_for(session)
    if rows:
        session.connection().execute(RegistrantEvent.__table__.insert(), rows)


def record(
    registration: Registration, kind: EventKind, *, detail: str = "", actor_id=None, now
) -> None:
    """An event that is not a change of the registration row itself."""
    db.session.add(
        RegistrantEvent(
            registration_id=registration.id,
            kind=kind.value,
            detail=detail,
            actor_id=actor_id,
            created_at=now,
        )
    )


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    what: str
    detail: str
    by: str = ""
    state: str = ""  # an email's delivery state


def history(registration: Registration) -> list[HistoryLine]:
    """Events, attendance and every email, oldest first."""
    lines = [
        HistoryLine(
            at=e.created_at,
            what=EventKind.label_for(e.kind),
            detail=e.detail,
            by=(e.actor.name or e.actor.email) if e.actor else "",
        )
        for e in db.session.scalars(
            select(RegistrantEvent).where(RegistrantEvent.registration_id == registration.id)
        )
    ]
    for record_ in db.session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.registration_id == registration.id)
    ):
        where = record_.agenda_item.title if record_.agenda_item else "the whole gathering"
        minutes = f", {record_.minutes} minutes" if record_.minutes else ""
        lines.append(
            HistoryLine(
                at=record_.first_join or record_.created_at,
                what="Attendance: " + AttendanceSource.label_for(record_.source),
                detail=f"{where}{minutes}",
            )
        )
    for email in db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.registration_id == registration.id)
    ):
        lines.append(
            HistoryLine(
                at=email.created_at,
                what="Email",
                detail=email.subject,
                state=mail_state(email),
            )
        )
    return sorted(lines, key=lambda line: line.at)
