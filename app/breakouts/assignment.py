"""Who goes to which breakout room: automatic placement and moves by hand.

Plain functions: they change the session and never commit; the caller commits."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from app.choices import AgendaKind, RegistrationStatus
from app.extensions import db
from app.models import AgendaItem, Gathering, Registration
from app.reach import reachable_registrations
from app.writer_lock import lock_gathering


class AssignmentRefused(Exception):
    """A manual change that would break a rule; the message is shown to the organiser."""


@dataclass(frozen=True)
class AssignmentResult:
    first_choice: int = 0
    second_choice: int = 0
    other_room: int = 0
    no_room: int = 0
    kept_locked: int = 0
    kept: int = 0
    changed: int = 0
    # People whose invite now names another room than before: the ones an email about
    # their room would tell something new (someone placed in the first choice their
    # confirmation already named learns nothing).
    told_of_new_room: tuple[Registration, ...] = field(default=(), compare=False)


def confirmed_registrations(gathering: Gathering) -> list[Registration]:
    """Confirmed people in the order they registered: earlier registrants get their
    choices first, which keeps the outcome the same however often it is run."""
    return list(
        db.session.scalars(
            reachable_registrations(gathering.id).order_by(
                Registration.created_at, Registration.id
            )
        )
    )


def room_counts(gathering: Gathering) -> dict[int, int]:
    """Confirmed people per assigned room."""
    rows = db.session.execute(
        select(Registration.assigned_breakout_id, func.count())
        .where(
            Registration.gathering_id == gathering.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.assigned_breakout_id.is_not(None),
        )
        .group_by(Registration.assigned_breakout_id)
    )
    return {room_id: count for room_id, count in rows}


def _set_room(registration: Registration, room: AgendaItem | None, *, now: datetime) -> bool:
    """Whether the room the person's invite names changed (nobody is emailed here)."""
    before = registration.breakout_for_invite
    registration.assigned_breakout_id = room.id if room is not None else None
    registration.assigned_breakout = room
    registration.calendar_sequence = (registration.calendar_sequence or 0) + 1
    registration.updated_at = now
    return registration.breakout_for_invite is not before


def assign_automatically(
    gathering: Gathering, *, now: datetime, keep_existing: bool = False
) -> AssignmentResult:
    """Place confirmed people in breakout rooms.

    Everyone's first choice is honoured before anyone's second choice, within each room's
    capacity (None means no limit). People with no choice that fits go to the least-full
    open room. Locked rooms keep exactly their members and take nobody new. With
    `keep_existing`, people who already have an open room stay there and only the others
    are placed. Each person whose room changes gets a new invite sequence; who would
    learn something from an email is in `told_of_new_room`.
    """
    lock_gathering(gathering.id)
    rooms = gathering.breakouts
    open_rooms = [room for room in rooms if not room.room_locked]
    locked_ids = {room.id for room in rooms if room.room_locked}
    by_id = {room.id: room for room in open_rooms}
    order = {room.id: index for index, room in enumerate(open_rooms)}
    counts = dict.fromkeys(by_id, 0)
    tally = dict.fromkeys(
        ("first_choice", "second_choice", "other_room", "no_room", "kept_locked", "kept"), 0
    )

    pool: list[Registration] = []
    for registration in confirmed_registrations(gathering):
        current = registration.assigned_breakout_id
        if current in locked_ids:
            tally["kept_locked"] += 1
        elif keep_existing and current in by_id:
            counts[current] += 1
            tally["kept"] += 1
        else:
            pool.append(registration)

    def has_space(room_id: int) -> bool:
        capacity = by_id[room_id].capacity
        return capacity is None or counts[room_id] < capacity

    placed: dict[int, AgendaItem | None] = {}
    for outcome, attribute in (
        ("first_choice", "first_choice_id"),
        ("second_choice", "second_choice_id"),
    ):
        for registration in pool:
            choice = getattr(registration, attribute)
            if registration.id in placed or choice not in by_id or not has_space(choice):
                continue
            placed[registration.id] = by_id[choice]
            counts[choice] += 1
            tally[outcome] += 1

    for registration in pool:
        if registration.id in placed:
            continue
        candidates = [room_id for room_id in by_id if has_space(room_id)]
        if not candidates:
            placed[registration.id] = None
            tally["no_room"] += 1
            continue
        room_id = min(candidates, key=lambda rid: (counts[rid], order[rid]))
        placed[registration.id] = by_id[room_id]
        counts[room_id] += 1
        tally["other_room"] += 1

    changed = 0
    told: list[Registration] = []
    for registration in pool:
        room = placed[registration.id]
        if registration.assigned_breakout_id != (room.id if room is not None else None):
            if _set_room(registration, room, now=now):
                told.append(registration)
            changed += 1
    return AssignmentResult(**tally, changed=changed, told_of_new_room=tuple(told))


def _check_room(gathering: Gathering, room: AgendaItem) -> None:
    if (
        room.gathering_id != gathering.id
        or room.kind != AgendaKind.BREAKOUT
        or room.removed_at is not None
    ):
        raise AssignmentRefused("That breakout room is not part of this gathering.")


def move_person(
    registration: Registration,
    room: AgendaItem | None,
    *,
    now: datetime,
) -> bool:
    """Move one person by hand (room None = no room). Locked rooms neither lose nor gain
    members, and a full room takes nobody more. Returns whether anything changed."""
    lock_gathering(registration.gathering_id)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise AssignmentRefused(f"{registration.name} is not confirmed, so has no room.")
    current = registration.assigned_breakout
    if room is not None:
        _check_room(registration.gathering, room)
    if (current.id if current else None) == (room.id if room else None):
        return False
    if current is not None and current.room_locked and current.removed_at is None:
        raise AssignmentRefused(
            f"“{current.title}” is locked. Unlock it before moving people out of it."
        )
    if room is not None:
        if room.room_locked:
            raise AssignmentRefused(
                f"“{room.title}” is locked. Unlock it before moving people into it."
            )
        if (
            room.capacity is not None
            and room_counts(registration.gathering).get(room.id, 0) >= room.capacity
        ):
            raise AssignmentRefused(
                f"“{room.title}” is full ({room.capacity} places). Raise its capacity on the "
                "agenda page, or move someone out first."
            )
    _set_room(registration, room, now=now)
    return True


def set_room_locked(room: AgendaItem, locked: bool) -> None:
    room.room_locked = locked


def room_members(room: AgendaItem) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.assigned_breakout_id == room.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .order_by(Registration.name, Registration.id)
        )
    )


def member_names(room: AgendaItem) -> list[str]:
    """What a facilitator may know about their room: names, nothing else."""
    return list(
        db.session.scalars(
            select(Registration.name)
            .where(
                Registration.assigned_breakout_id == room.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .order_by(Registration.name, Registration.id)
        )
    )


def member_needs(room: AgendaItem) -> list[str]:
    """The accessibility needs people in the room asked for, so its facilitator can plan
    for them: the needs alone, in no order that points back to a name."""
    needs = db.session.scalars(
        select(Registration.accessibility_needs).where(
            Registration.assigned_breakout_id == room.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.accessibility_needs != "",
        )
    )
    return sorted({text.strip() for text in needs if text.strip()}, key=str.casefold)


def without_room(gathering: Gathering) -> list[Registration]:
    """Confirmed people with no room, or whose room was removed from the agenda."""
    open_ids = [room.id for room in gathering.breakouts]
    return [
        registration
        for registration in confirmed_registrations(gathering)
        if registration.assigned_breakout_id not in open_ids
    ]
