"""The day-of view: for each agenda item, who is expected, who has checked in and who is
present by the latest attendance report; the needs to be met in each room; and the people
expected in a breakout who have not checked in yet. A few grouped queries, so it stays
quick with ten thousand registrants and can be refreshed every half minute."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select

from app.choices import AgendaKind, RegistrationStatus, UserRole
from app.extensions import db
from app.facts import current_facts
from app.models import AgendaItem, AttendanceRecord, Gathering, Registration, User
from app.models.accommodations import AccommodationRequest, AccommodationStatus
from app.models.attendance import AttendanceSource, ImportBatch
from app.needs import NEED_KINDS, need_kinds

CONFIRMED = RegistrationStatus.CONFIRMED.value
CHECKIN = AttendanceSource.CHECKIN.value
NOT_CHECKED_IN_LISTED = 200
STATUS_WORDS = {
    AccommodationStatus.REQUESTED.value: "not arranged yet",
    AccommodationStatus.ARRANGED.value: "arranged, not confirmed to the person",
    AccommodationStatus.CONFIRMED.value: "arranged and confirmed",
    AccommodationStatus.DELIVERED.value: "delivered",
    AccommodationStatus.EVALUATED.value: "delivered",
}


@dataclass
class ItemNow:
    item: AgendaItem
    expected: int = 0
    checked_in: int = 0
    present: int | None = None  # None: no attendance report imported for it yet
    imported_at: datetime | None = None
    needs: list[str] = field(default_factory=list)  # e.g. "Captions: 2 arranged and confirmed"
    running: bool = False


@dataclass
class DayOf:
    items: list[ItemNow]
    waiting: list[tuple[str, str]]  # (name, room title) of people not checked in yet
    waiting_total: int
    room_filter: AgendaItem | None


def visible_items(gathering: Gathering, user: User) -> list[AgendaItem]:
    """Organisers see every item; a facilitator the breakouts they staff."""
    items = gathering.active_agenda
    if user.role == UserRole.ORGANISER:
        return list(items)
    from app.breakouts.access import can_staff

    return [item for item in items if item.kind == AgendaKind.BREAKOUT and can_staff(user, item)]


def _expected_counts(gathering: Gathering) -> tuple[int, dict[int, int]]:
    rows = db.session.execute(
        select(Registration.assigned_breakout_id, func.count())
        .where(Registration.gathering_id == gathering.id, Registration.status == CONFIRMED)
        .group_by(Registration.assigned_breakout_id)
    )
    by_room = {room_id: count for room_id, count in rows}
    return sum(by_room.values()), by_room


def _attendance_counts(gathering: Gathering) -> tuple[dict[int, int], dict[int, int]]:
    """Check-ins per item, and people present per item by the imported reports (a report's
    record meets the gathering's minimum minutes)."""
    checked: dict[int, int] = {}
    present: dict[int, int] = {}
    rows = db.session.execute(
        select(AttendanceRecord.agenda_item_id, AttendanceRecord.source, func.count())
        .where(
            AttendanceRecord.gathering_id == gathering.id,
            AttendanceRecord.agenda_item_id.is_not(None),
            (AttendanceRecord.source == CHECKIN)
            | (AttendanceRecord.minutes >= gathering.attendance_threshold_minutes),
        )
        .group_by(AttendanceRecord.agenda_item_id, AttendanceRecord.source)
    )
    for item_id, source, count in rows:
        target = checked if source == CHECKIN else present
        target[item_id] = target.get(item_id, 0) + count
    return checked, present


def _latest_imports(gathering: Gathering) -> dict[int | None, datetime]:
    rows = db.session.execute(
        select(ImportBatch.agenda_item_id, func.max(ImportBatch.confirmed_at))
        .where(ImportBatch.gathering_id == gathering.id, ImportBatch.confirmed_at.is_not(None))
        .group_by(ImportBatch.agenda_item_id)
    )
    return {item_id: moment for item_id, moment in rows}


def _needs_by_room(gathering: Gathering, registered: Callable[[], dict]) -> dict:
    """What each room must provide, without names: the accommodation requests by need
    and how far each got (arranged, confirmed to the person, delivered); before any
    request exists, the needs people wrote when they registered, by kind (`registered`,
    kept with the gathering's facts)."""
    rows = db.session.execute(
        select(
            Registration.assigned_breakout_id,
            AccommodationRequest.kind,
            AccommodationRequest.status,
            func.count(),
        )
        .join(Registration, Registration.id == AccommodationRequest.registration_id)
        .where(
            AccommodationRequest.gathering_id == gathering.id,
            Registration.status == CONFIRMED,
        )
        .group_by(
            Registration.assigned_breakout_id,
            AccommodationRequest.kind,
            AccommodationRequest.status,
        )
    ).all()
    if not rows:
        return registered()
    counts: dict[object, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for room_id, kind, status, count in rows:
        for key in (room_id, "all"):
            counts[key][NEED_KINDS.get(kind, kind)][STATUS_WORDS.get(status, status)] += count
    return _lines(counts)


def _registered_needs(gathering: Gathering) -> dict:
    counts: dict[object, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for room_id, text in db.session.execute(
        select(Registration.assigned_breakout_id, Registration.accessibility_needs).where(
            Registration.gathering_id == gathering.id,
            Registration.status == CONFIRMED,
            Registration.accessibility_needs != "",
        )
    ):
        for kind in need_kinds(text):
            for key in (room_id, "all"):
                counts[key][NEED_KINDS[kind]]["asked, no request yet"] += 1
    return _lines(counts)


def _lines(counts: dict) -> dict[object, list[str]]:
    return {
        key: [
            f"{need}: " + ", ".join(f"{n} {word}" for word, n in sorted(states.items()))
            for need, states in sorted(by_need.items())
        ]
        for key, by_need in counts.items()
    }


@dataclass(frozen=True)
class _Counts:
    """Everything the view counts from registrations and attendance: kept with the
    gathering's facts (`facts.current_facts`) until a registration or a check-in changes
    them, so a page that refreshes every half minute reads them once per change."""

    everyone: int
    by_room: dict
    checked: dict
    present: dict
    imports: dict
    waiting: list
    waiting_total: int


def _counts(gathering: Gathering, waiting_rooms: tuple[int, ...]) -> _Counts:
    everyone, by_room = _expected_counts(gathering)
    checked, present = _attendance_counts(gathering)
    waiting, total = _waiting(gathering, waiting_rooms, NOT_CHECKED_IN_LISTED)
    return _Counts(everyone, by_room, checked, present, _latest_imports(gathering), waiting, total)


def _waiting(gathering: Gathering, room_ids: tuple[int, ...], limit: int) -> tuple[list, int]:
    """People assigned to these rooms with no check-in there yet, by name."""
    if not room_ids:
        return [], 0
    checked = select(AttendanceRecord.id).where(
        AttendanceRecord.agenda_item_id == Registration.assigned_breakout_id,
        AttendanceRecord.source == CHECKIN,
        AttendanceRecord.registration_id == Registration.id,
    )
    conditions = and_(
        Registration.gathering_id == gathering.id,
        Registration.status == CONFIRMED,
        Registration.assigned_breakout_id.in_(room_ids),
        ~checked.exists(),
    )
    total = db.session.scalar(select(func.count(Registration.id)).where(conditions)) or 0
    rows = db.session.execute(
        select(Registration.name, Registration.assigned_breakout_id)
        .where(conditions)
        .order_by(Registration.name, Registration.id)
        .limit(limit)
    )
    return [(name, room_id) for name, room_id in rows], total


def day_of(gathering: Gathering, user: User, *, now: datetime, room_id: int | None = None) -> DayOf:
    items = visible_items(gathering, user)
    rooms = [item for item in items if item.kind == AgendaKind.BREAKOUT]
    chosen = next((room for room in rooms if room.id == room_id), None)
    waiting_rooms = tuple(room.id for room in ([chosen] if chosen else rooms))
    facts = current_facts(gathering)
    counts = facts.remember(("day_of", waiting_rooms), lambda: _counts(gathering, waiting_rooms))
    needs = _needs_by_room(
        gathering,
        lambda: facts.remember(
            "day_of_needs", lambda: _registered_needs(gathering), attendance=False
        ),
    )
    rows = []
    for item in items:
        breakout = item.kind == AgendaKind.BREAKOUT
        imported = counts.imports.get(item.id)
        rows.append(
            ItemNow(
                item=item,
                expected=counts.by_room.get(item.id, 0) if breakout else counts.everyone,
                checked_in=counts.checked.get(item.id, 0),
                present=counts.present.get(item.id, 0) if imported else None,
                imported_at=imported,
                needs=needs.get(item.id if breakout else "all", []),
                running=item.starts_at <= now < item.ends_at,
            )
        )
    titles = {room.id: room.title for room in rooms}
    waiting = [(name, titles[room]) for name, room in counts.waiting]
    return DayOf(
        items=rows, waiting=waiting, waiting_total=counts.waiting_total, room_filter=chosen
    )
