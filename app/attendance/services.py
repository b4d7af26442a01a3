"""Attendance rules: who attended, walk-ins and the threshold.

Other areas rely on :func:`attended_registration_ids`; its meaning is stable:
a registration attended when it was checked in for any agenda item, or when any
imported record for it reaches the gathering's ``attendance_threshold_minutes``.
Importing reports lives in :mod:`app.attendance.review`, live check-in in
:mod:`app.attendance.checkin`.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from app.attendance.matching import name_key, normalise_email
from app.extensions import db
from app.models import AgendaItem, AttendanceRecord, AttendanceSource, Gathering

MAX_THRESHOLD_MINUTES = 600


class AttendanceError(ValueError):
    """Something a person asked for that cannot be done; the message says why."""


# --- who attended -----------------------------------------------------------------------


def attended_registration_ids(gathering: Gathering) -> set[int]:
    """IDs of registrations that attended the gathering.

    Attended means checked in for any agenda item, or present in an imported Zoom or
    Teams report (or a manual entry) for at least ``gathering.attendance_threshold_minutes``
    on any one item. Walk-ins are not registrations and are not included.
    """
    threshold = gathering.attendance_threshold_minutes
    query = select(AttendanceRecord.registration_id).where(
        AttendanceRecord.gathering_id == gathering.id,
        AttendanceRecord.registration_id.is_not(None),
        or_(
            AttendanceRecord.source == AttendanceSource.CHECKIN.value,
            AttendanceRecord.minutes >= threshold,
        ),
    )
    return set(db.session.scalars(query.distinct()))


def attended_by_item(gathering: Gathering) -> dict[int | None, set[int]]:
    """Registration IDs that attended each agenda item (None: records for the whole day)."""
    threshold = gathering.attendance_threshold_minutes
    rows = db.session.execute(
        select(AttendanceRecord.agenda_item_id, AttendanceRecord.registration_id).where(
            AttendanceRecord.gathering_id == gathering.id,
            AttendanceRecord.registration_id.is_not(None),
            or_(
                AttendanceRecord.source == AttendanceSource.CHECKIN.value,
                AttendanceRecord.minutes >= threshold,
            ),
        )
    )
    result: dict[int | None, set[int]] = {}
    for item_id, registration_id in rows:
        result.setdefault(item_id, set()).add(registration_id)
    return result


def walk_in_count(gathering: Gathering) -> int:
    """Distinct walk-ins (by email or folded name) who reached the threshold or checked in."""
    threshold = gathering.attendance_threshold_minutes
    rows = db.session.execute(
        select(AttendanceRecord.walk_in_name, AttendanceRecord.walk_in_email).where(
            AttendanceRecord.gathering_id == gathering.id,
            AttendanceRecord.registration_id.is_(None),
            or_(
                AttendanceRecord.source == AttendanceSource.CHECKIN.value,
                AttendanceRecord.minutes >= threshold,
            ),
        )
    )
    return len({walk_in_key(name, email) for name, email in rows})


def set_attendance_threshold(gathering: Gathering, minutes: int) -> None:
    if not 0 <= minutes <= MAX_THRESHOLD_MINUTES:
        raise AttendanceError(f"The minimum must be between 0 and {MAX_THRESHOLD_MINUTES} minutes.")
    gathering.attendance_threshold_minutes = minutes


def check_item(gathering: Gathering, item: AgendaItem | None) -> None:
    if item is not None and item.gathering_id != gathering.id:
        raise AttendanceError("That agenda item belongs to another gathering.")


def walk_in_key(name: str, email: str) -> str:
    return normalise_email(email) or name_key(name) or name.strip().casefold()
