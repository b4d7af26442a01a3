"""The day-of view: for each agenda item, who is expected, who has checked in and who is
present by the latest attendance report; the needs to be met in each room; and the people
expected in a breakout who have not checked in yet. A few grouped queries, so it stays
quick with ten thousand registrants and can be refreshed every half minute."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select

from app.choices import AgendaKind, RegistrationStatus, UserRole
from app.extensions import db
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


def _needs_by_room(gathering: Gathering) -> dict[int | str | None, list[str]]:
    """What each room must provide, without names: the accommodation requests by need
    and how far each got (arranged, confirmed to the person, delivered); before any
    request exists, the needs people wrote when they registered, by kind."""
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
    counts: dict[object, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    if rows:
        for room_id, kind, status, count in rows:
            for key in (room_id, "all"):
                counts[key][NEED_KINDS.get(kind, kind)][STATUS_WORDS.get(status, status)] += count
    else:
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
    return {
        key: [
            f"{need}: " + ", ".join(f"{n} {word}" for word, n in sorted(states.items()))
            for need, states in sorted(by_need.items())
        ]
        for key, by_need in counts.items()
    }


def _waiting(
    gathering: Gathering, rooms: list[AgendaItem], limit: int
) -> tuple[list[tuple[str, str]], int]:
    """People assigned to these rooms with no check-in there yet, by name."""
    if not rooms:
        return [], 0
    titles = {room.id: room.title for room in rooms}
    checked = select(AttendanceRecord.id).where(
        AttendanceRecord.agenda_item_id == Registration.assigned_breakout_id,
        AttendanceRecord.source == CHECKIN,
        AttendanceRecord.registration_id == Registration.id,
    )
    conditions = and_(
        Registration.gathering_id == gathering.id,
        Registration.status == CONFIRMED,
        Registration.assigned_breakout_id.in_(list(titles)),
        ~checked.exists(),
    )
    total = db.session.scalar(select(func.count(Registration.id)).where(conditions)) or 0
    rows = db.session.execute(
        select(Registration.name, Registration.assigned_breakout_id)
        .where(conditions)
        .order_by(Registration.name, Registration.id)
        .limit(limit)
    )
    return [(name, titles[room_id]) for name, room_id in rows], total


def day_of(gathering: Gathering, user: User, *, now: datetime, room_id: int | None = None) -> DayOf:
    items = visible_items(gathering, user)
    everyone, by_room = _expected_counts(gathering)
    checked, present = _attendance_counts(gathering)
    imports = _latest_imports(gathering)
    needs = _needs_by_room(gathering)
    rows = []
    for item in items:
        breakout = item.kind == AgendaKind.BREAKOUT
        imported = imports.get(item.id)
        rows.append(
            ItemNow(
                item=item,
                expected=by_room.get(item.id, 0) if breakout else everyone,
                checked_in=checked.get(item.id, 0),
                present=present.get(item.id, 0) if imported else None,
                imported_at=imported,
                needs=needs.get(item.id if breakout else "all", []),
                running=item.starts_at <= now < item.ends_at,
            )
        )
    rooms = [row.item for row in rows if row.item.kind == AgendaKind.BREAKOUT]
    chosen = next((room for room in rooms if room.id == room_id), None)
    waiting, total = _waiting(gathering, [chosen] if chosen else rooms, NOT_CHECKED_IN_LISTED)
    return DayOf(items=rows, waiting=waiting, waiting_total=total, room_filter=chosen)
