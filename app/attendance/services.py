"""Attendance: the threshold an organiser sets, and checks shared by import and check-in.

Who counts as attended is defined in app.facts.rules, from the records written by
:mod:`app.attendance.review` (imported reports) and :mod:`app.attendance.checkin`.
"""

from __future__ import annotations

from app.attendance.names import walk_in_key
from app.models import AgendaItem, Gathering

__all__ = [
    "MAX_THRESHOLD_MINUTES",
    "AttendanceError",
    "check_item",
    "set_attendance_threshold",
    "walk_in_key",
]

MAX_THRESHOLD_MINUTES = 600


class AttendanceError(ValueError):
    """Something a person asked for that cannot be done; the message says why."""


def set_attendance_threshold(gathering: Gathering, minutes: int) -> None:
    if not 0 <= minutes <= MAX_THRESHOLD_MINUTES:
        raise AttendanceError(f"The minimum must be between 0 and {MAX_THRESHOLD_MINUTES} minutes.")
    gathering.attendance_threshold_minutes = minutes


def check_item(gathering: Gathering, item: AgendaItem | None) -> None:
    if item is not None and item.gathering_id != gathering.id:
        raise AttendanceError("That agenda item belongs to another gathering.")
