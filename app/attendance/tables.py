"""Attendance tables for the organiser dashboard: counts and rates by health region,
organisation type and breakout.

:func:`attendance_summary` is pure (frames and sets in, plain dataclasses out);
:func:`dashboard_attendance` loads the data with one query per table and calls it.
This dashboard is for organisers only, so counts are not suppressed here; anything
shared beyond them goes through app.reporting's suppression.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select

from app.attendance import services
from app.choices import HealthRegion, OrganisationType, RegistrationStatus
from app.extensions import db
from app.models import AgendaItem, Gathering, Registration


@dataclass(frozen=True, slots=True)
class RateRow:
    label: str
    registered: int
    attended: int

    @property
    def rate(self) -> float | None:
        return self.attended / self.registered if self.registered else None

    @property
    def percent(self) -> str:
        rate = self.rate
        return "–" if rate is None else f"{rate:.0%}"


@dataclass(slots=True)
class AttendanceSummary:
    total: RateRow
    by_region: list[RateRow] = field(default_factory=list)
    by_organisation_type: list[RateRow] = field(default_factory=list)
    by_breakout: list[RateRow] = field(default_factory=list)
    walk_ins: int = 0
    threshold_minutes: int = 10
    has_records: bool = False


def _rates(frame: pd.DataFrame, column: str, labels: Mapping[str, str]) -> list[RateRow]:
    grouped = frame.groupby(column, observed=False)[["registered", "attended"]].sum()
    grouped = grouped.reindex(list(labels), fill_value=0)
    return [
        RateRow(labels[code], int(row.registered), int(row.attended))
        for code, row in grouped.iterrows()
    ]


def attendance_summary(
    registrations: pd.DataFrame,
    attended_ids: set[int],
    *,
    breakouts: Iterable[tuple[int, str]] = (),
    attended_by_item: Mapping[int | None, set[int]] | None = None,
    walk_ins: int = 0,
    threshold_minutes: int = 10,
) -> AttendanceSummary:
    """Registered (confirmed) against attended, overall and per group.

    ``registrations`` needs the columns id, status, health_region, organisation_type
    and assigned_breakout_id. People who attended without a confirmed place (came off
    the waitlist on the day, or cancelled and came anyway) count as attended and are
    added to the registered count too, so a rate never passes 100%.
    """
    frame = registrations.copy()
    frame["attended"] = frame["id"].isin(attended_ids)
    frame["registered"] = (frame["status"] == RegistrationStatus.CONFIRMED.value) | frame[
        "attended"
    ]
    frame = frame[frame["registered"]]
    total = RateRow("All registrants", int(frame["registered"].sum()), int(frame["attended"].sum()))
    by_item = attended_by_item or {}
    by_breakout = []
    for item_id, title in breakouts:
        assigned = frame[frame["assigned_breakout_id"] == item_id]
        in_room = by_item.get(item_id, set())
        by_breakout.append(RateRow(title, len(assigned), int(assigned["id"].isin(in_room).sum())))
    return AttendanceSummary(
        total=total,
        by_region=_rates(frame, "health_region", {r.value: r.label for r in HealthRegion}),
        by_organisation_type=_rates(
            frame, "organisation_type", {o.value: o.label for o in OrganisationType}
        ),
        by_breakout=by_breakout,
        walk_ins=walk_ins,
        threshold_minutes=threshold_minutes,
        has_records=bool(attended_ids) or walk_ins > 0 or bool(by_item),
    )


def _registrations_frame(gathering: Gathering) -> pd.DataFrame:
    rows = db.session.execute(
        select(
            Registration.id,
            Registration.status,
            Registration.health_region,
            Registration.organisation_type,
            Registration.assigned_breakout_id,
        ).where(Registration.gathering_id == gathering.id)
    ).all()
    return pd.DataFrame(
        rows,
        columns=["id", "status", "health_region", "organisation_type", "assigned_breakout_id"],
    )


def dashboard_attendance(gathering: Gathering) -> AttendanceSummary:
    """Everything templates/attendance/_dashboard_attendance.html shows."""
    breakouts: list[AgendaItem] = gathering.breakouts
    return attendance_summary(
        _registrations_frame(gathering),
        services.attended_registration_ids(gathering),
        breakouts=[(item.id, item.title) for item in breakouts],
        attended_by_item=services.attended_by_item(gathering),
        walk_ins=services.walk_in_count(gathering),
        threshold_minutes=gathering.attendance_threshold_minutes,
    )
