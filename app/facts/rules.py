"""Who counts as what: the one place these words are defined.

- registered: a confirmed registration (the people who held a place on the day).
- present: the attendance rule was met: checked in for any agenda item, or at least
  the gathering's minimum minutes in one session (one attendance record).
- attended: registered and present. A cancelled or waitlisted person who was present
  is not "attended": they are counted apart, as present without a place, so they
  never push a rate past 100%.
- no-show: registered and not present (meaningful only once attendance is recorded).
- walk-in: someone present with no registration at all, counted by email or name.
- invited: a registration holding a survey link (emailed, or opened from their page).
- responded: an invited person who sent their answers.
- attendance rate: attended / registered; response rate: responded / invited. Both
  parts are subsets of their whole by construction, so neither can pass 100%.

Everything here is pure: frames in, frames, sets and numbers out; `present_condition`
and `attended_condition` say the same as SQL, for lists filtered in the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, or_, select

from app.choices import RegistrationStatus
from app.models import Gathering, Registration
from app.models.attendance import AttendanceRecord, AttendanceSource, walk_in_identity

if TYPE_CHECKING:
    import pandas as pd

REGISTERED_STATUS = RegistrationStatus.CONFIRMED.value


def meets_rule(attendance: pd.DataFrame, threshold_minutes: int) -> pd.Series:
    """Per attendance record: does it, on its own, make its person present?"""
    import pandas as pd

    minutes = pd.to_numeric(attendance["minutes"], errors="coerce").fillna(0)
    return (attendance["source"] == AttendanceSource.CHECKIN.value) | (minutes >= threshold_minutes)


def present_condition(gathering: Gathering) -> ColumnElement[bool]:
    """`present` for the Registration of each row of a query: it has a record of this
    gathering that meets the rule on its own (`meets_rule`)."""
    return Registration.id.in_(
        select(AttendanceRecord.registration_id).where(
            AttendanceRecord.gathering_id == gathering.id,
            AttendanceRecord.registration_id.is_not(None),
            or_(
                AttendanceRecord.source == AttendanceSource.CHECKIN.value,
                AttendanceRecord.minutes >= gathering.attendance_threshold_minutes,
            ),
        )
    )


def attended_condition(gathering: Gathering) -> ColumnElement[bool]:
    """`attended` (registered and present) for the Registration of each row."""
    return and_(Registration.status == REGISTERED_STATUS, present_condition(gathering))


def _registered_rows(attendance: pd.DataFrame) -> pd.DataFrame:
    return attendance[attendance["registration_id"].notna()]


def present_ids(attendance: pd.DataFrame, threshold_minutes: int) -> set[int]:
    """Registrations (any status) with at least one record that meets the rule."""
    if not len(attendance):
        return set()
    rows = _registered_rows(attendance)
    rows = rows[meets_rule(rows, threshold_minutes)]
    return set(rows["registration_id"].astype(int))


def present_by_item(attendance: pd.DataFrame, threshold_minutes: int) -> dict[int, set[int]]:
    """Registrations present in each agenda item (records for the whole day are left out)."""
    if not len(attendance):
        return {}
    rows = _registered_rows(attendance)
    rows = rows[meets_rule(rows, threshold_minutes) & rows["agenda_item_id"].notna()]
    return {
        int(item): set(group.astype(int))
        for item, group in rows.groupby("agenda_item_id")["registration_id"]
    }


def walk_in_count(attendance: pd.DataFrame, threshold_minutes: int) -> int:
    """Distinct walk-ins (by email, else folded name) who met the rule."""
    if not len(attendance):
        return 0
    rows = attendance[attendance["registration_id"].isna()]
    rows = rows[meets_rule(rows, threshold_minutes)]
    return len(set(rows["dedupe_key"].map(walk_in_identity)))


def annotate(registrations: pd.DataFrame, present: set[int]) -> pd.DataFrame:
    """The registrations frame with the boolean columns registered, present, attended,
    no_show and present_without_place."""
    frame = registrations.copy()
    frame["registered"] = frame["status"] == REGISTERED_STATUS
    frame["present"] = frame["id"].isin(present)
    frame["attended"] = frame["registered"] & frame["present"]
    frame["no_show"] = frame["registered"] & ~frame["present"]
    frame["present_without_place"] = ~frame["registered"] & frame["present"]
    return frame


def registered(registrations: pd.DataFrame) -> pd.DataFrame:
    return registrations[registrations["status"] == REGISTERED_STATUS]


def attended(registrations: pd.DataFrame) -> pd.DataFrame:
    """Registered people who met the rule; needs the ``present`` column of
    :func:`annotate` (a frame without it has no attendance, so nobody attended)."""
    if "present" not in registrations:
        return registrations.iloc[0:0]
    return registrations[
        (registrations["status"] == REGISTERED_STATUS) & registrations["present"].astype(bool)
    ]


def rate(part: int, whole: int) -> float | None:
    """part / whole, None when there is no whole to speak of."""
    return part / whole if whole else None


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"
