"""Attendance tables for the organiser dashboard: counts and rates by health region,
organisation type and breakout, built from the read model (app.facts).

This dashboard is for organisers only, so counts are not suppressed here; anything
shared beyond them goes through app.reporting's suppression.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.choices import HealthRegion, OrganisationType
from app.facts import GatheringFacts, rules, vocabulary

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class RateRow:
    label: str
    registered: int
    attended: int

    @property
    def rate(self) -> float | None:
        return rules.rate(self.attended, self.registered)

    @property
    def percent(self) -> str:
        return rules.percent(self.rate)


@dataclass(slots=True)
class AttendanceSummary:
    total: RateRow
    by_region: list[RateRow] = field(default_factory=list)
    by_organisation_type: list[RateRow] = field(default_factory=list)
    by_breakout: list[RateRow] = field(default_factory=list)
    walk_ins: int = 0
    no_shows: int = 0
    present_without_place: dict[str, int] = field(default_factory=dict)
    threshold_minutes: int = 10
    has_records: bool = False
    took_part: int = 0
    definitions: list[tuple[str, str]] = field(default_factory=list)


def _rates(frame: pd.DataFrame, column: str, labels: Mapping[str, str]) -> list[RateRow]:
    grouped = frame.groupby(column, observed=False)[["registered", "attended"]].sum()
    grouped = grouped.reindex(list(labels), fill_value=0)
    return [
        RateRow(labels[code], int(row.registered), int(row.attended))
        for code, row in grouped.iterrows()
    ]


def attendance_summary(
    facts: GatheringFacts, *, breakouts: Iterable[tuple[int, str]] = ()
) -> AttendanceSummary:
    """Registered against attended (app.facts.rules), overall, per group and per room.

    People present without a confirmed place are reported beside the tables by status,
    never added to them."""
    frame = facts.registrations[facts.registrations["registered"]]
    by_breakout = []
    for item_id, title in breakouts:
        assigned = frame[frame["assigned_breakout_id"] == item_id]
        in_room = facts.attended_in_room(item_id)
        by_breakout.append(RateRow(title, len(assigned), int(assigned["id"].isin(in_room).sum())))
    return AttendanceSummary(
        total=RateRow("All registrants", facts.registered, facts.attended),
        by_region=_rates(frame, "health_region", {r.value: r.label for r in HealthRegion}),
        by_organisation_type=_rates(
            frame, "organisation_type", {o.value: o.label for o in OrganisationType}
        ),
        by_breakout=by_breakout,
        walk_ins=facts.walk_ins,
        no_shows=facts.no_shows,
        present_without_place=facts.present_without_place(),
        threshold_minutes=facts.threshold_minutes,
        has_records=facts.has_attendance,
        took_part=facts.headcount().took_part or 0,
        definitions=vocabulary.definitions(facts.threshold_minutes)[:4],
    )
