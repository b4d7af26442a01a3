"""Who may be contacted or acted for: the one rule every fan-out, archive, reminder,
survey mailing, waitlist promotion, room assignment, check-in and attendance mark goes
through.

A person whose data was erased, or who asked to be erased and waits for an organiser to
confirm it, is never written to, given a new private link, promoted, placed in a room or
marked present; an erased row stays only as an anonymous count. A
cancelled person is reached only where a caller names that status on purpose (an
organiser's message to people chosen by name, the cancellation's own confirmation)."""

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, select

from app.choices import RegistrationStatus
from app.models import Registration

CONFIRMED_ONLY = (RegistrationStatus.CONFIRMED,)


class Unreachable(Exception):
    """The registration was erased, or its person asked to be: nothing may be sent to it
    or done for it."""


def reachable(statuses: Iterable[str] | None = CONFIRMED_ONLY) -> ColumnElement[bool]:
    """The condition, for queries that read other columns or join other tables.
    `statuses=None` admits every status (never an erased person)."""
    condition = and_(
        Registration.erased_at.is_(None), Registration.erasure_requested_at.is_(None)
    )
    if statuses is not None:
        condition = and_(condition, Registration.status.in_([str(s) for s in statuses]))
    return condition


def reachable_registrations(
    gathering_id: int, *, statuses: Iterable[str] | None = CONFIRMED_ONLY
) -> Select[tuple[Registration]]:
    """The people of one gathering we may contact or act for, confirmed by default.
    Callers add their own conditions and order; `.with_only_columns(...)` keeps the rule
    when only some columns are needed."""
    return select(Registration).where(
        Registration.gathering_id == gathering_id, reachable(statuses)
    )


def is_reachable(registration: Registration) -> bool:
    return registration.erased_at is None and registration.erasure_requested_at is None


def require_reachable(registration: Registration) -> None:
    if not is_reachable(registration):
        if registration.erased_at is None:
            raise Unreachable("This person asked for their data to be erased.")
        raise Unreachable("This registration was erased; only its anonymous count remains.")
