"""The facts of one gathering, read once: every count a page or the report shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.choices import RegistrationStatus
from app.facts import frames, rules
from app.models import Gathering

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Survey:
    """Survey links and answers. ``invited`` counts links held by registered people
    and others alike; ``responded`` counts the answers sent through them."""

    id: int | None
    invited: int = 0
    responded: int = 0

    @property
    def response_rate(self) -> float | None:
        return rules.rate(self.responded, self.invited)


@dataclass(frozen=True)
class GatheringFacts:
    gathering_id: int
    threshold_minutes: int
    registrations: pd.DataFrame  # annotated by rules.annotate
    attendance: pd.DataFrame
    present_by_item: dict[int, set[int]] = field(default_factory=dict)
    walk_ins: int = 0
    survey: Survey = Survey(None)

    @property
    def has_attendance(self) -> bool:
        return bool(len(self.attendance))

    @property
    def registered(self) -> int:
        return int(self.registrations["registered"].sum())

    @property
    def attended(self) -> int:
        return int(self.registrations["attended"].sum())

    @property
    def no_shows(self) -> int:
        return int(self.registrations["no_show"].sum()) if self.has_attendance else 0

    @property
    def attended_ids(self) -> set[int]:
        frame = self.registrations
        return set(frame.loc[frame["attended"], "id"].astype(int))

    @property
    def present_ids(self) -> set[int]:
        frame = self.registrations
        return set(frame.loc[frame["present"], "id"].astype(int))

    @property
    def registered_ids(self) -> set[int]:
        frame = self.registrations
        return set(frame.loc[frame["registered"], "id"].astype(int))

    def status_counts(self) -> dict[str, int]:
        counts = self.registrations["status"].value_counts()
        return {status.value: int(counts.get(status.value, 0)) for status in RegistrationStatus}

    def present_without_place(self) -> dict[str, int]:
        """Cancelled and waitlisted people who met the rule anyway, by status."""
        frame = self.registrations
        counts = frame.loc[frame["present_without_place"], "status"].value_counts()
        return {
            status.value: int(counts.get(status.value, 0))
            for status in RegistrationStatus
            if status.value != rules.REGISTERED_STATUS
        }

    def attended_in_room(self, item_id: int) -> set[int]:
        """Registered people present in this breakout (any room they were present in)."""
        return self.present_by_item.get(item_id, set()) & self.registered_ids


def survey_counts(gathering_id: int) -> Survey:
    survey_id = frames.survey_id(gathering_id)
    if survey_id is None:
        return Survey(None)
    links = frames.invitations(survey_id)
    return Survey(
        id=survey_id,
        invited=len(links),
        responded=int(links["responded"].astype(bool).sum()) if len(links) else 0,
    )


def gathering_facts(gathering: Gathering) -> GatheringFacts:
    """One query per table for this gathering, then the rules."""
    threshold = gathering.attendance_threshold_minutes
    attendance = frames.attendance(gathering.id)
    return GatheringFacts(
        gathering_id=gathering.id,
        threshold_minutes=threshold,
        registrations=rules.annotate(
            frames.registrations(gathering.id), rules.present_ids(attendance, threshold)
        ),
        attendance=attendance,
        present_by_item=rules.present_by_item(attendance, threshold),
        walk_ins=rules.walk_in_count(attendance, threshold),
        survey=survey_counts(gathering.id),
    )
