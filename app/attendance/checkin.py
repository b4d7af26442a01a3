"""Live check-in: who is expected in a room, search as you type, present and walk-ins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, bindparam, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from app.addresses import normalise_email
from app.attendance.names import fold_text
from app.attendance.services import AttendanceError, check_item, walk_in_key
from app.choices import RegistrationStatus, UserRole
from app.extensions import db
from app.facts.changes import in_gatherings
from app.models import AgendaItem, AttendanceRecord, AttendanceSource, Gathering, Registration, User
from app.models.attendance import dedupe_key
from app.reach import is_reachable, reachable


def can_check_in(user: User, item: AgendaItem) -> bool:
    """Organisers check in anyone anywhere; facilitators only in breakouts they staff
    (the breakouts area's rule, shared with breakout notes)."""
    from app.breakouts.access import can_staff

    return bool(can_staff(user, item))


def sees_everyone(user: User) -> bool:
    """Organisers search all registrations and see organisations and emails; a
    facilitator sees only the names of the people assigned to their room."""
    return user.role == UserRole.ORGANISER


# The page's statements are built once, with bound parameters (:gathering, :item,
# :limit): a plenary's page runs six, and building each one (and its cache key) cost more
# CPU than SQLite running it.
_GATHERING = bindparam("gathering")
_ITEM = bindparam("item")
# The item's check-ins (an item's records are all of its own gathering), found by the
# index of item, source and person alone.
_HERE = (
    AttendanceRecord.agenda_item_id == _ITEM,
    AttendanceRecord.source == AttendanceSource.CHECKIN.value,
)
_CHECKED_IN = select(AttendanceRecord.registration_id).where(*_HERE)
_IS_HERE = _CHECKED_IN.where(AttendanceRecord.registration_id == Registration.id).exists()
# Registrations as check-in lists them: the columns the list shows and whether they are
# checked in here, as plain rows (a plenary lists hundreds, and building ORM objects for
# them cost more than the query).
_LISTED = select(
    Registration.id,
    Registration.name,
    Registration.folded_name,
    Registration.folded_email,
    Registration.organisation_name,
    Registration.status,
    Registration.assigned_breakout_id,
    _IS_HERE.label("present"),
)
# Who is expected, by whether the item is a breakout: everyone confirmed for a plenary,
# the people assigned to a breakout.
_EXPECTED = {
    False: (Registration.gathering_id == _GATHERING, reachable()),
    True: (
        Registration.gathering_id == _GATHERING,
        reachable(),
        Registration.assigned_breakout_id == _ITEM,
    ),
}
_EXPECTED_PEOPLE = {
    breakout: _LISTED.where(*expected)
    .order_by(Registration.name, Registration.id)
    .limit(bindparam("limit"))
    for breakout, expected in _EXPECTED.items()
}
# count(*), not count(id): a plenary's thousands are counted from the index of
# reachable people alone.
_EXPECTED_COUNT = {
    breakout: select(func.count()).select_from(Registration).where(*expected)
    for breakout, expected in _EXPECTED.items()
}
_UNEXPECTED = {
    # A plenary expects everyone confirmed: start from the few who are not.
    False: _LISTED.where(
        Registration.gathering_id == _GATHERING,
        Registration.status.in_(
            [s.value for s in RegistrationStatus if s != RegistrationStatus.CONFIRMED]
        ),
        _IS_HERE,
    ).order_by(Registration.name, Registration.id),
    # A room's check-ins are few: start from them.
    True: _LISTED.where(
        Registration.id.in_(_CHECKED_IN),
        or_(
            Registration.status != RegistrationStatus.CONFIRMED.value,
            Registration.assigned_breakout_id.is_(None),
            Registration.assigned_breakout_id != _ITEM,
        ),
    ).order_by(Registration.name, Registration.id),
}
_CHECKED_IN_COUNT = select(func.count()).select_from(AttendanceRecord).where(*_HERE)
_WALK_INS = (
    select(AttendanceRecord.id, AttendanceRecord.walk_in_name, AttendanceRecord.walk_in_email)
    .where(*_HERE, AttendanceRecord.registration_id.is_(None))
    .order_by(AttendanceRecord.created_at)
)


def _of(gathering: Gathering, item: AgendaItem) -> dict[str, int]:
    return {"gathering": gathering.id, "item": item.id}


def opens_at(gathering: Gathering) -> datetime:
    """Check-in opens at the start of the gathering's day, in its own time zone."""
    zone = ZoneInfo(gathering.timezone)
    day = gathering.starts_at.astimezone(zone).date()
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def is_open(gathering: Gathering, *, now: datetime) -> bool:
    return now >= opens_at(gathering)


def expected_people(gathering: Gathering, item: AgendaItem, *, limit: int) -> list[Row]:
    """The first `limit` people expected in the room, by name."""
    query = _EXPECTED_PEOPLE[item.is_breakout]
    return list(db.session.execute(query, {**_of(gathering, item), "limit": limit}))


def expected_count(gathering: Gathering, item: AgendaItem) -> int:
    return db.session.scalar(_EXPECTED_COUNT[item.is_breakout], _of(gathering, item))


def fold_for_search(registration: Registration) -> None:
    """What search as you type looks in: the folded name, and the address for staff who
    may see it ("emilie" finds "Émilie"). Runs before every insert or update of a
    registration (app/transaction_hooks.py)."""
    registration.folded_name = fold_text(registration.name or "")
    registration.folded_email = fold_text(registration.email or "")


def search_registrations(
    gathering: Gathering, item: AgendaItem, text: str, *, by_email: bool = True, limit: int = 50
) -> list[Row]:
    """Every registration of the gathering that is not cancelled whose folded name (or,
    with `by_email`, address: organisers only) contains every word typed, by name. A
    room's check-in finds people placed elsewhere too: they joined the wrong room, and
    are checked in against their own registration (the page says where they were placed)."""
    words = fold_text(text).split()[:8]
    if not words:
        return []
    conditions = [
        Registration.gathering_id == gathering.id,
        Registration.status != RegistrationStatus.CANCELLED.value,
        reachable(statuses=None),
    ]
    columns = (
        (Registration.folded_name, Registration.folded_email)
        if by_email
        else (Registration.folded_name,)
    )
    # A word has no spaces, so it is in the name or in the address, never across both.
    found = [or_(*(column.contains(word, autoescape=True) for column in columns)) for word in words]
    query = _LISTED.where(*conditions, *found)
    query = query.order_by(Registration.folded_name, Registration.id).limit(limit)
    return list(db.session.execute(query, {"item": item.id}))


def checked_in_count(gathering: Gathering, item: AgendaItem) -> int:
    """Everyone checked in here, walk-ins included."""
    return db.session.scalar(_CHECKED_IN_COUNT, {"item": item.id})


def walk_ins(gathering: Gathering, item: AgendaItem) -> list[Row]:
    """The walk-ins checked in here, first recorded first, as plain rows."""
    return list(db.session.execute(_WALK_INS, {"item": item.id}))


def present_unexpected(gathering: Gathering, item: AgendaItem) -> list[Row]:
    """People checked in here who are not expected (found by search), by name."""
    return list(db.session.execute(_UNEXPECTED[item.is_breakout], _of(gathering, item)))


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
    if not is_reachable(registration):
        raise AttendanceError("That registration was erased.")
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
    result = db.session.execute(
        delete(AttendanceRecord).where(AttendanceRecord.dedupe_key == key),
        execution_options=in_gatherings(gathering.id),
    )
    return bool(result.rowcount)


def registered_match(gathering: Gathering, *, name: str, email: str) -> Registration | None:
    """The registration a "walk-in" really is: the same address, or else the same name
    (folded) when exactly one registration has it. Cancelled people count: they came."""
    candidates = select(Registration).where(
        Registration.gathering_id == gathering.id, reachable(statuses=None)
    )
    address = normalise_email(email) if email else ""
    if address:
        found = db.session.scalar(candidates.where(Registration.email == address).limit(1))
        if found is not None:
            return found
    folded = fold_text(" ".join(name.split()))
    if not folded:
        return None
    named = db.session.scalars(candidates.where(Registration.folded_name == folded).limit(2)).all()
    return named[0] if len(named) == 1 else None


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
    one walk-in. Someone whose address or name matches a registration is checked in
    against it instead (the record then names the registration), never counted as a
    walk-in."""
    check_item(gathering, item)
    name = " ".join(name.split())
    email = email.strip()
    if not name:
        raise AttendanceError("Enter the person's name.")
    registration = registered_match(gathering, name=name, email=email)
    if registration is not None:
        return check_in(gathering, item, registration, user=user, now=now)
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
        ),
        execution_options=in_gatherings(gathering.id),
    )
    return bool(result.rowcount)
