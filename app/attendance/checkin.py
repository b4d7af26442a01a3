"""Live check-in: who is expected in a room, search as you type, present and walk-ins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.attendance.matching import fold_text
from app.attendance.services import AttendanceError, check_item, walk_in_key
from app.choices import AgendaKind, RegistrationStatus, UserRole
from app.extensions import db
from app.models import AgendaItem, AttendanceRecord, AttendanceSource, Gathering, Registration, User
from app.models.attendance import dedupe_key


def can_check_in(user: User, item: AgendaItem) -> bool:
    """Organisers check in anyone anywhere; facilitators only in breakouts they staff
    (the breakouts area's rule, shared with breakout notes)."""
    from app.breakouts.access import can_staff

    return bool(can_staff(user, item))


def sees_everyone(user: User) -> bool:
    """Organisers search all registrations and see organisations and emails; a
    facilitator sees only the names of the people assigned to their room."""
    return user.role == UserRole.ORGANISER


def expected_people(gathering: Gathering, item: AgendaItem) -> list[Registration]:
    """Who is expected in the room: the people assigned to a breakout, or everyone
    confirmed for a plenary."""
    query = select(Registration).where(
        Registration.gathering_id == gathering.id,
        Registration.status == RegistrationStatus.CONFIRMED.value,
    )
    if item.kind == AgendaKind.BREAKOUT:
        query = query.where(Registration.assigned_breakout_id == item.id)
    return list(db.session.scalars(query.order_by(Registration.name, Registration.id)))


def search_text(*parts: str) -> str:
    """Accent- and case-free text for search as you type ("emilie" finds "Émilie")."""
    return " ".join(fold_text(part) for part in parts)


def _contains_all(haystack: str, words: list[str]) -> bool:
    return all(word in haystack for word in words)


def search_registrations(gathering: Gathering, text: str, *, limit: int = 50) -> list[Registration]:
    """Registrations (not cancelled) whose name or email contains every word typed.

    Folding happens in Python because SQLite's LIKE ignores case for ASCII only.
    """
    words = fold_text(text).split()[:8]
    if not words:
        return []
    rows = db.session.execute(
        select(Registration.id, Registration.name, Registration.email).where(
            Registration.gathering_id == gathering.id,
            Registration.status != RegistrationStatus.CANCELLED.value,
        )
    )
    ids = [id_ for id_, name, email in rows if _contains_all(search_text(name, email), words)][
        : limit * 4
    ]
    if not ids:
        return []
    found = db.session.scalars(select(Registration).where(Registration.id.in_(ids)))
    return sorted(found, key=lambda r: (fold_text(r.name), r.id))[:limit]


def checkin_records(gathering: Gathering, item: AgendaItem) -> list[AttendanceRecord]:
    return list(
        db.session.scalars(
            select(AttendanceRecord)
            .where(
                AttendanceRecord.gathering_id == gathering.id,
                AttendanceRecord.agenda_item_id == item.id,
                AttendanceRecord.source == AttendanceSource.CHECKIN.value,
            )
            .order_by(AttendanceRecord.created_at)
        )
    )


def _checkin_key(gathering: Gathering, item: AgendaItem, **who: Any) -> str:
    return dedupe_key(
        gathering_id=gathering.id,
        agenda_item_id=item.id,
        source=AttendanceSource.CHECKIN.value,
        **who,
    )


def check_in(
    gathering: Gathering,
    item: AgendaItem,
    registration: Registration,
    *,
    user: User | None,
    now: datetime,
) -> AttendanceRecord:
    """Mark a registration present; doing it twice changes nothing."""
    check_item(gathering, item)
    if registration.gathering_id != gathering.id:
        raise AttendanceError("That person is registered for another gathering.")
    key = _checkin_key(gathering, item, registration_id=registration.id)
    return _get_or_add(
        key,
        lambda: AttendanceRecord(
            gathering_id=gathering.id,
            agenda_item_id=item.id,
            registration_id=registration.id,
            source=AttendanceSource.CHECKIN.value,
            first_join=now,
            recorded_by_id=user.id if user else None,
            dedupe_key=key,
            created_at=now,
            updated_at=now,
        ),
    )


def _get_or_add(key: str, build: Callable[[], AttendanceRecord]) -> AttendanceRecord:
    """The record with this key, or a new one. Two devices checking the same person in
    at the same moment both succeed: the loser of the race gets the winner's record."""
    query = select(AttendanceRecord).where(AttendanceRecord.dedupe_key == key)
    record = db.session.scalar(query)
    if record is not None:
        return record
    record = build()
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        record = db.session.scalar(query)
        if record is None:
            raise
    return record


def undo_check_in(gathering: Gathering, item: AgendaItem, registration: Registration) -> bool:
    key = _checkin_key(gathering, item, registration_id=registration.id)
    result = db.session.execute(delete(AttendanceRecord).where(AttendanceRecord.dedupe_key == key))
    return bool(result.rowcount)


def add_walk_in(
    gathering: Gathering,
    item: AgendaItem,
    *,
    name: str,
    email: str,
    user: User | None,
    now: datetime,
) -> AttendanceRecord:
    """Record someone who came without registering; the same name or email twice is
    one walk-in."""
    check_item(gathering, item)
    name = " ".join(name.split())
    email = email.strip()
    if not name:
        raise AttendanceError("Enter the person's name.")
    key = _checkin_key(gathering, item, walk_in_key=walk_in_key(name, email))
    return _get_or_add(
        key,
        lambda: AttendanceRecord(
            gathering_id=gathering.id,
            agenda_item_id=item.id,
            walk_in_name=name[:200],
            walk_in_email=email[:254],
            source=AttendanceSource.CHECKIN.value,
            first_join=now,
            recorded_by_id=user.id if user else None,
            dedupe_key=key,
            created_at=now,
            updated_at=now,
        ),
    )


def remove_walk_in(gathering: Gathering, item: AgendaItem, record_id: int) -> bool:
    result = db.session.execute(
        delete(AttendanceRecord).where(
            AttendanceRecord.id == record_id,
            AttendanceRecord.gathering_id == gathering.id,
            AttendanceRecord.agenda_item_id == item.id,
            AttendanceRecord.registration_id.is_(None),
            AttendanceRecord.source == AttendanceSource.CHECKIN.value,
        )
    )
    return bool(result.rowcount)
