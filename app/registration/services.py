"""Registering, editing and cancelling, with capacity and a first-come waitlist.

Every change that can move someone on or off the waitlist first takes the gathering's
write lock (app.writer_lock.lock_gathering), so concurrent requests are serialised on SQLite
and PostgreSQL alike and capacity is never exceeded."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, bindparam, func, select

from app.addresses import normalise_email
from app.choices import AgendaKind, RegistrationStatus
from app.extensions import db
from app.models import AgendaItem, Gathering, Registration
from app.outbound import notifications
from app.outbound.manage_tokens import issue_manage_token
from app.reach import reachable_registrations
from app.registrant_answers import RegistrationData
from app.writer_lock import lock_gathering


class RegistrationRefused(Exception):
    """Registration is not possible: `reason` is 'not_open', 'closed' or 'full'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class AlreadyRegistered(Exception):
    """The address has a registration (not cancelled). `refused` is what a new address
    would have been told instead of a place ('full'), so the page can say the same."""

    def __init__(self, registration: Registration, refused: str | None = None):
        super().__init__(registration.email)
        self.registration = registration
        self.refused = refused


class EmailInUse(Exception):
    """Another registration for the same gathering already uses this email."""


@dataclass
class Outcome:
    registration: Registration
    token: str
    # A cancelled registration with this address was taken up again: whoever typed the
    # address may not be its owner, so the private link goes only to the address.
    revived: bool = False


def count_by_status(gathering: Gathering, status: RegistrationStatus) -> int:
    return db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.gathering_id == gathering.id, Registration.status == status
        )
    )


def find_by_email(gathering: Gathering, email: str) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.gathering_id == gathering.id,
            Registration.email == normalise_email(email),
        )
    )


def register_again(registration: Registration, *, now: datetime) -> str | None:
    """For a cancelled registration: "place" or "waitlist" when registering again would
    get one (registration open, and a place free or a waitlist kept), else None."""
    gathering = registration.gathering
    if registration.status != RegistrationStatus.CANCELLED:
        return None
    if gathering.registration_state(now) != "open":
        return None
    waiting = count_by_status(gathering, RegistrationStatus.WAITLISTED)
    if has_room(gathering) and not waiting:
        return "place"
    return "waitlist" if gathering.waitlist_enabled else None


def has_room(gathering: Gathering) -> bool:
    if gathering.capacity is None:
        return True
    return count_by_status(gathering, RegistrationStatus.CONFIRMED) < gathering.capacity


# Built once: making the statement costs more CPU than SQLite's running it.
_PLACES_TAKEN = select(
    func.count(Registration.id).filter(Registration.status == RegistrationStatus.CONFIRMED),
    func.count(Registration.id).filter(Registration.status == RegistrationStatus.WAITLISTED),
    select(Registration.id)
    .where(
        Registration.gathering_id == bindparam("gathering_id"),
        Registration.email == bindparam("email"),
    )
    .scalar_subquery(),
).where(Registration.gathering_id == bindparam("gathering_id"))


def _places_taken(gathering: Gathering, email: str) -> tuple[int, int, int | None]:
    """How many are confirmed, how many wait, and the id of any registration this address
    already has, in one query."""
    # Plain columns, no objects: run on the session's connection, past the ORM's handling
    # (which would also have flushed what this transaction added: done here instead).
    db.session.flush()
    confirmed, waiting, earlier_id = (
        db.session.connection()
        .execute(_PLACES_TAKEN, {"gathering_id": gathering.id, "email": email})
        .one()
    )
    return confirmed, waiting, earlier_id


_BREAKOUT_ROOMS = (
    select(AgendaItem.id, AgendaItem.title)
    .where(
        AgendaItem.gathering_id == bindparam("gathering_id"),
        AgendaItem.kind == AgendaKind.BREAKOUT.value,
        AgendaItem.removed_at.is_(None),
    )
    .order_by(AgendaItem.starts_at, AgendaItem.id)
)


def breakout_rooms(gathering: Gathering) -> list[AgendaItem] | list[Row]:
    """The breakouts one can choose, in agenda order, each with its id and title (what the
    registration form's choices need): the agenda as loaded if it is, else two columns of
    them rather than every agenda item as an object."""
    if "agenda_items" in gathering.__dict__:
        return gathering.breakouts
    return list(db.session.connection().execute(_BREAKOUT_ROOMS, {"gathering_id": gathering.id}))


def register(gathering: Gathering, data: RegistrationData, *, now: datetime) -> Outcome:
    """The lock comes first and one query then gives the places and any earlier
    registration with this address, so the request reads, locks, inserts and commits and
    no more. Two people racing with the same address are told apart by the unique
    (gathering, email) constraint."""
    state = gathering.registration_state(now)
    if state != "open":
        raise RegistrationRefused(state)
    if not data.consent_collection:
        raise ValueError("consent to the collection notice is required")
    lock_gathering(gathering.id)
    confirmed, waiting, earlier_id = _places_taken(gathering, normalise_email(data.email))
    registration = db.session.get(Registration, earlier_id) if earlier_id else None
    has_place = gathering.capacity is None or confirmed < gathering.capacity
    if has_place and waiting == 0:
        status = RegistrationStatus.CONFIRMED
    elif gathering.waitlist_enabled:
        status = RegistrationStatus.WAITLISTED
    else:
        status = None
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        raise AlreadyRegistered(registration, refused=None if status else "full")
    if status is None:
        raise RegistrationRefused("full")

    # Every query comes before the new row, so one flush writes it.
    waitlisted_at = (
        _place_in_line(gathering, now) if status == RegistrationStatus.WAITLISTED else None
    )
    if registration is None:
        registration = Registration(gathering_id=gathering.id, consent_collection_at=now)
        db.session.add(registration)
    else:
        registration.calendar_sequence += 1
        registration.cancelled_at = None
        registration.assigned_breakout_id = None
    _apply(registration, data, now=now)
    registration.consent_collection_at = now
    registration.status = status
    registration.waitlisted_at = waitlisted_at
    # The registration's row first: its id names the token and the message, which then
    # go in with one INSERT each rather than as objects for the session to flush.
    db.session.flush()
    token = issue_manage_token(registration)
    notifications.registration_received(registration, token)
    return Outcome(registration, token, revived=earlier_id is not None)


def _place_in_line(gathering: Gathering, now: datetime) -> datetime:
    """The waitlist time, after everyone already in line. `now` was read before the lock,
    so a request that waited for it could otherwise be placed ahead of one that got in first."""
    last = db.session.scalar(
        select(func.max(Registration.waitlisted_at)).where(
            Registration.gathering_id == gathering.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
    )
    return max(now, last + timedelta(microseconds=1)) if last else now


def _apply(registration: Registration, data: RegistrationData, *, now: datetime) -> None:
    registration.name = data.name.strip()
    registration.email = normalise_email(data.email)
    registration.role = data.role
    registration.organisation_name = data.organisation_name.strip()
    registration.organisation_type = data.organisation_type
    registration.health_region = data.health_region
    registration.hsda = data.hsda or None
    registration.first_choice_id = data.first_choice_id
    registration.second_choice_id = data.second_choice_id
    registration.accessibility_needs = data.accessibility_needs.strip()
    registration.indigenous_identity = " ".join(data.indigenous_identity)
    registration.territory = data.territory.strip()
    if data.consent_followup and registration.consent_followup_at is None:
        registration.consent_followup_at = now
    elif not data.consent_followup:
        registration.consent_followup_at = None


def update_registration(
    registration: Registration, data: RegistrationData, *, now: datetime
) -> None:
    """Edit a registration; a new room choice raises the invite's sequence. Nobody is
    emailed here: the caller decides (`notifications.registration_changed`)."""
    if normalise_email(data.email) != registration.email:
        other = find_by_email(registration.gathering, data.email)
        if other is not None and other.id != registration.id:
            raise EmailInUse(data.email)
    before = registration.breakout_for_invite
    _apply(registration, data, now=now)
    db.session.flush()
    db.session.refresh(registration)
    if registration.breakout_for_invite != before:
        registration.calendar_sequence += 1


def cancel(registration: Registration, *, now: datetime) -> list[Registration]:
    """Cancel and promote whoever is first in line; returns the people promoted. Nobody
    is emailed here: the caller tells them (`notifications.cancelled`, `.promoted`)."""
    if registration.status == RegistrationStatus.CANCELLED:
        return []
    gathering = registration.gathering
    lock_gathering(gathering.id)
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.waitlisted_at = None
    registration.calendar_sequence += 1
    db.session.flush()
    return promote_waitlist(gathering, now=now) if was_confirmed else []


def promote_waitlist(gathering: Gathering, *, now: datetime) -> list[Registration]:
    """Confirm people from the front of the waitlist while there is room."""
    lock_gathering(gathering.id)
    promoted: list[Registration] = []
    while has_room(gathering):
        nxt = db.session.scalar(
            reachable_registrations(gathering.id, statuses=[RegistrationStatus.WAITLISTED])
            .order_by(Registration.waitlisted_at, Registration.id)
            .limit(1)
        )
        if nxt is None:
            break
        _confirm_from_waitlist(nxt)
        promoted.append(nxt)
    return promoted


class OverCapacity(Exception):
    """Giving this place would pass the gathering's capacity; the organiser may confirm."""


def promote(registration: Registration, *, now: datetime, over_capacity: bool = False) -> None:
    """An organiser gives one waitlisted person a place, out of line if need be. With no
    room left this needs `over_capacity`, the organiser's explicit confirmation."""
    if registration.status != RegistrationStatus.WAITLISTED:
        raise ValueError("only a waitlisted registration can be given a place")
    lock_gathering(registration.gathering_id)
    if not has_room(registration.gathering) and not over_capacity:
        raise OverCapacity(registration.gathering.capacity)
    _confirm_from_waitlist(registration)


def _confirm_from_waitlist(registration: Registration) -> None:
    registration.status = RegistrationStatus.CONFIRMED
    registration.waitlisted_at = None
    registration.calendar_sequence += 1
    db.session.flush()


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.gathering_id == registration.gathering_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            (Registration.waitlisted_at < registration.waitlisted_at)
            | (
                (Registration.waitlisted_at == registration.waitlisted_at)
                & (Registration.id < registration.id)
            ),
        )
    )
    return ahead + 1


def resend_manage_link(registration: Registration) -> None:
    notifications.manage_link(registration)
