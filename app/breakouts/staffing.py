"""Who runs each breakout room: facilitators and note-takers."""

from sqlalchemy import select

from app.choices import AgendaKind, UserRole
from app.extensions import db
from app.models import AgendaItem, BreakoutStaff, Gathering, StaffRole, User


class StaffRefused(Exception):
    """The message is shown to the organiser."""


def facilitator_accounts() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == UserRole.FACILITATOR, User.active.is_(True))
            .order_by(User.name, User.email)
        )
    )


def add_staff(room: AgendaItem, user: User, role: str) -> BreakoutStaff:
    """Give a facilitator account a job in a room; giving it again changes the job."""
    if user.role != UserRole.FACILITATOR:
        raise StaffRefused("Only facilitator accounts can be given a breakout room.")
    if role not in {r.value for r in StaffRole}:
        raise StaffRefused("Choose facilitator or note-taker.")
    staff = db.session.scalar(
        select(BreakoutStaff).where(
            BreakoutStaff.agenda_item_id == room.id, BreakoutStaff.user_id == user.id
        )
    )
    if staff is None:
        staff = BreakoutStaff(agenda_item=room, user=user, role=role)
        db.session.add(staff)
    else:
        staff.role = role
    return staff


def room_staff(room: AgendaItem) -> list[BreakoutStaff]:
    return list(
        db.session.scalars(
            select(BreakoutStaff)
            .join(User)
            .where(BreakoutStaff.agenda_item_id == room.id)
            .order_by(BreakoutStaff.role, User.name, User.email)
        )
    )


def staffed_rooms(user: User) -> list[AgendaItem]:
    """The rooms a person works in, latest gathering first; organisers see every room."""
    query = select(AgendaItem).where(
        AgendaItem.kind == AgendaKind.BREAKOUT, AgendaItem.removed_at.is_(None)
    )
    if user.role != UserRole.ORGANISER:
        query = query.join(BreakoutStaff, BreakoutStaff.agenda_item_id == AgendaItem.id).where(
            BreakoutStaff.user_id == user.id
        )
    query = query.join(Gathering, Gathering.id == AgendaItem.gathering_id).order_by(
        Gathering.starts_at.desc(), AgendaItem.starts_at, AgendaItem.id
    )
    return list(db.session.scalars(query))


def staff_role(user: User, room: AgendaItem) -> str | None:
    return db.session.scalar(
        select(BreakoutStaff.role).where(
            BreakoutStaff.agenda_item_id == room.id, BreakoutStaff.user_id == user.id
        )
    )
