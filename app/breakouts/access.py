"""Who may work in a breakout room: organisers everywhere, facilitator accounts only in the
rooms they were given. Check-in (app/attendance) asks the same question."""

from sqlalchemy import select

from app.choices import AgendaKind, UserRole
from app.extensions import db
from app.models import AgendaItem, BreakoutStaff, User


def can_staff(user: User, item: AgendaItem) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == UserRole.ORGANISER:
        return True
    if user.role != UserRole.FACILITATOR or item.kind != AgendaKind.BREAKOUT:
        return False
    if item.removed_at is not None:
        return False
    staff_id = db.session.scalar(
        select(BreakoutStaff.id).where(
            BreakoutStaff.agenda_item_id == item.id, BreakoutStaff.user_id == user.id
        )
    )
    return staff_id is not None
