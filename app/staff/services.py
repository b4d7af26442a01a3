"""Inviting, changing and deactivating staff accounts. Plain functions: they change the
session and queue emails; the route commits."""

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from app.auth.emails import queue_invitation
from app.auth.links import drop_links
from app.auth.services import (
    AddressLock,
    create_user,
    end_sessions,
    find_user,
    has_password,
    locks_of,
)
from app.breakouts.staffing import add_staff
from app.choices import AgendaKind, UserRole
from app.extensions import db
from app.models import AgendaItem, BreakoutStaff, Gathering, StaffRole, User


class StaffRefused(ValueError):
    """A change that would break a rule; the message says why, for the person."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class AccountRow:
    id: int
    name: str
    email: str
    role: str
    status: str
    status_label: str
    rooms: list[str]
    can_resend: bool


def account_status(
    user: User, *, now: datetime, lock: AddressLock | None = None
) -> tuple[str, str]:
    """`lock`: the address's sign-in locks (`auth.services.locks_of`). A lock falls on the
    address typed from one network, so it says from how many, and when it lifts."""
    if not user.active:
        return "deactivated", "Deactivated"
    if not has_password(user):
        return "invited", "Invited, no password yet"
    if lock is not None and lock.until > now:
        minutes = max(1, math.ceil((lock.until - now).total_seconds() / 60))
        networks = "one network" if lock.networks == 1 else f"{lock.networks} networks"
        return "locked", (
            f"Locked from {networks} after wrong passwords, for {minutes} more "
            f"minute{'s' if minutes != 1 else ''}"
        )
    return "active", "Active"


def room_label(room: AgendaItem) -> str:
    return f"{room.gathering.title}: {room.title}"


def rooms_of(user_ids: list[int]) -> dict[int, list[str]]:
    rows = db.session.execute(
        select(BreakoutStaff.user_id, AgendaItem)
        .join(AgendaItem, AgendaItem.id == BreakoutStaff.agenda_item_id)
        .join(Gathering, Gathering.id == AgendaItem.gathering_id)
        .where(BreakoutStaff.user_id.in_(user_ids), AgendaItem.removed_at.is_(None))
        .order_by(Gathering.starts_at.desc(), AgendaItem.starts_at, AgendaItem.id)
    ).all()
    rooms: dict[int, list[str]] = {}
    for user_id, room in rows:
        rooms.setdefault(user_id, []).append(room_label(room))
    return rooms


def account_rows(*, now: datetime) -> list[AccountRow]:
    users = list(db.session.scalars(select(User).order_by(User.role, User.name, User.email)))
    rooms = rooms_of([user.id for user in users])
    locks = locks_of([user.email for user in users], now=now)
    rows = []
    for user in users:
        status, label = account_status(user, now=now, lock=locks.get(user.email))
        rows.append(
            AccountRow(
                id=user.id,
                name=user.name,
                email=user.email,
                role=user.role,
                status=status,
                status_label=label,
                rooms=rooms.get(user.id, []),
                can_resend=status == "invited",
            )
        )
    return rows


def open_rooms() -> list[AgendaItem]:
    """Breakout rooms a facilitator can be given: those of gatherings not archived."""
    return list(
        db.session.scalars(
            select(AgendaItem)
            .join(Gathering, Gathering.id == AgendaItem.gathering_id)
            .where(
                AgendaItem.kind == AgendaKind.BREAKOUT,
                AgendaItem.removed_at.is_(None),
                Gathering.archived_at.is_(None),
            )
            .order_by(Gathering.starts_at.desc(), AgendaItem.starts_at, AgendaItem.id)
        )
    )


def _check_role(role: str) -> str:
    if role not in {r.value for r in UserRole}:
        raise StaffRefused("Choose organiser, facilitator or steering committee.", "role")
    return role


def invite(
    *,
    email: str,
    name: str,
    role: str,
    rooms: list[AgendaItem] = (),
    room_role: str = StaffRole.FACILITATOR.value,
    invited_by: User | None,
    now: datetime,
) -> User:
    """A new account without a password, and an email with a one-time link to set one."""
    _check_role(role)
    if room_role not in {r.value for r in StaffRole}:
        raise StaffRefused("Choose facilitator or note-taker.", "room_role")
    if rooms and role != UserRole.FACILITATOR:
        raise StaffRefused("Only facilitators are given breakout rooms.", "rooms")
    if find_user(email) is not None:
        raise StaffRefused("There is already an account for this email address.", "email")
    user = create_user(email, None, role=role, name=name)
    db.session.flush()
    for room in rooms:
        add_staff(room, user, room_role)
    queue_invitation(user, now=now, invited_by=invited_by, rooms=[room_label(r) for r in rooms])
    return user


def add_to_room_by_email(
    room: AgendaItem, *, email: str, name: str, room_role: str, invited_by: User, now: datetime
) -> tuple[User, bool]:
    """Give a room to the facilitator with this address; invite them first when there is
    no account yet. Returns the account and whether it was invited just now."""
    if room_role not in {r.value for r in StaffRole}:
        raise StaffRefused("Choose facilitator or note-taker.", "room_role")
    user = find_user(email)
    if user is None:
        user = invite(
            email=email,
            name=name,
            role=UserRole.FACILITATOR.value,
            rooms=[room],
            room_role=room_role,
            invited_by=invited_by,
            now=now,
        )
        return user, True
    if user.role != UserRole.FACILITATOR:
        raise StaffRefused(
            "This address has an account that is not a facilitator account; change its role "
            "on the staff accounts page first.",
            "email",
        )
    if not user.active:
        raise StaffRefused("This facilitator account is deactivated.", "email")
    add_staff(room, user, room_role)
    return user, False


def resend_invitation(user: User, *, invited_by: User | None, now: datetime) -> None:
    """A fresh link; the earlier one stops working."""
    if not user.active or has_password(user):
        raise StaffRefused("Only invited accounts that have no password yet get an invitation.")
    rooms = rooms_of([user.id]).get(user.id, [])
    queue_invitation(user, now=now, invited_by=invited_by, rooms=rooms)


def _active_organisers() -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(User.role == UserRole.ORGANISER, User.active.is_(True))
    )


def update_account(user: User, *, name: str, role: str, acting: User) -> bool:
    """Name and role. Returns True when the role changed; a facilitator who becomes
    something else leaves their rooms (their notes stay)."""
    _check_role(role)
    if user.role == UserRole.ORGANISER and role != UserRole.ORGANISER:
        if user.id == acting.id:
            raise StaffRefused("You cannot take away your own organiser role.", "role")
        if user.active and _active_organisers() <= 1:
            raise StaffRefused("There must always be at least one active organiser.", "role")
    user.name = name
    if role == user.role:
        return False
    if user.role == UserRole.FACILITATOR:
        db.session.execute(delete(BreakoutStaff).where(BreakoutStaff.user_id == user.id))
    user.role = role
    db.session.flush()
    # The new role opens other pages: sessions under the old one end.
    end_sessions(user)
    return True


def deactivate(user: User, *, acting: User) -> None:
    """The account can no longer sign in, and every session it has ends now."""
    if user.id == acting.id:
        raise StaffRefused("You cannot deactivate your own account.")
    if user.role == UserRole.ORGANISER and user.active and _active_organisers() <= 1:
        raise StaffRefused("There must always be at least one active organiser.")
    user.active = False
    drop_links(user)
    db.session.flush()
    end_sessions(user)


def reactivate(user: User) -> None:
    user.active = True
    user.failed_logins = 0
    user.locked_until = None
