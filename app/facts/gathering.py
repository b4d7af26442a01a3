"""The facts of one gathering, read once: every count a page or the report shows."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from flask import current_app

from app.choices import RegistrationStatus
from app.facts import frames, rules
from app.facts.vocabulary import Headcount
from app.models import Gathering

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")
KEPT_GATHERINGS = 8
KEPT_DERIVED = 200
_kept_lock = threading.Lock()


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
    # Values worked out from these facts, or from the same rows, kept with them: those
    # from the registrations alone apart, as they outlive a change of attendance. The
    # facts themselves never change; these two memos do, from request and job threads
    # alike, so they are only touched under `_memo_lock`.
    derived: OrderedDict[Any, Any] = field(default_factory=OrderedDict, repr=False, compare=False)
    from_registrations: OrderedDict[Any, Any] = field(
        default_factory=OrderedDict, repr=False, compare=False
    )
    _memo_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def remember(self, key: Any, compute: Callable[[], T], *, attendance: bool = True) -> T:
        """`compute()` once for these facts: for anything that depends only on the
        gathering's registrations, survey links and (unless `attendance` is false)
        attendance; see `current_facts`. The last KEPT_DERIVED values of each kind are
        kept. `compute` runs outside the lock (it may be slow); should two threads
        compute the same key at once, both get the value stored first."""
        kept = self.derived if attendance else self.from_registrations
        with self._memo_lock:
            if key in kept:
                kept.move_to_end(key)
                return kept[key]
        value = compute()
        with self._memo_lock:
            if key in kept:
                return kept[key]
            kept[key] = value
            while len(kept) > KEPT_DERIVED:
                kept.popitem(last=False)
        return value

    def carry_from_registrations(self, earlier: GatheringFacts) -> None:
        """Keep what `earlier` worked out from the same registrations."""
        with earlier._memo_lock:
            carried = list(earlier.from_registrations.items())
        with self._memo_lock:
            self.from_registrations.update(carried)

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

    def headcount(self) -> Headcount:
        """Registered, attended, walk-ins, took part and the survey, as every page and
        the report name them (app.facts.vocabulary)."""
        return Headcount(
            registered=self.registered,
            attended=self.attended if self.has_attendance else None,
            walk_ins=self.walk_ins if self.has_attendance else 0,
            invited=self.survey.invited,
            responded=self.survey.responded,
        )

    @property
    def attended_ids(self) -> frozenset[int]:
        frame = self.registrations
        return self.remember(
            "attended_ids", lambda: frozenset(frame.loc[frame["attended"], "id"].astype(int))
        )

    @property
    def present_ids(self) -> set[int]:
        frame = self.registrations
        return set(frame.loc[frame["present"], "id"].astype(int))

    @property
    def registered_ids(self) -> set[int]:
        frame = self.registrations
        return set(frame.loc[frame["registered"], "id"].astype(int))

    def registered_by(self, column: str) -> dict[Any, int]:
        """Registered people counted by the values of one column (none for a missing
        value); kept with the facts."""

        def count() -> dict[Any, int]:
            values = self.registrations.loc[self.registrations["registered"], column].dropna()
            if values.dtype.kind == "f":  # ids with gaps come back as floats
                values = values.astype(int)
            return {key: int(n) for key, n in values.value_counts().items()}

        return self.remember(("registered_by", column), count, attendance=False)

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
    invited, responded = frames.invitation_counts(survey_id)
    return Survey(id=survey_id, invited=invited, responded=responded)


def gathering_facts(
    gathering: Gathering, *, registrations: pd.DataFrame | None = None
) -> GatheringFacts:
    """One query per table for this gathering, then the rules. `registrations`: the
    frame of facts read earlier, when only the attendance has changed since."""
    threshold = gathering.attendance_threshold_minutes
    attendance = frames.attendance(gathering.id)
    if registrations is None:
        registrations = frames.registrations(gathering.id)
    return GatheringFacts(
        gathering_id=gathering.id,
        threshold_minutes=threshold,
        registrations=rules.annotate(registrations, rules.present_ids(attendance, threshold)),
        attendance=attendance,
        present_by_item=rules.present_by_item(attendance, threshold),
        walk_ins=rules.walk_in_count(attendance, threshold),
        survey=survey_counts(gathering.id),
    )


def current_facts(gathering: Gathering) -> GatheringFacts:
    """`gathering_facts` for pages: worked out once and kept in this process until the
    gathering's versions (app.facts.changes) or attendance threshold change, so a page
    showing the numbers of 10,000 people does not read them all again. When only the
    attendance changed (a check-in), the registrations and what was worked out from them
    alone are kept."""
    registrations = (gathering.id, gathering.created_at, gathering.facts_version)
    stamp = (*registrations, gathering.attendance_version, gathering.attendance_threshold_minutes)
    kept: OrderedDict[int, tuple[tuple, GatheringFacts]]
    kept = current_app.extensions.setdefault("kept_facts", OrderedDict())
    with _kept_lock:
        entry = kept.get(gathering.id)
        if entry is not None and entry[0] == stamp:
            kept.move_to_end(gathering.id)
            return entry[1]
    if entry is not None and entry[0][:3] == registrations:
        earlier = entry[1]
        facts = gathering_facts(gathering, registrations=earlier.registrations)
        facts.carry_from_registrations(earlier)
    else:
        facts = gathering_facts(gathering)
    with _kept_lock:
        kept[gathering.id] = (stamp, facts)
        kept.move_to_end(gathering.id)
        while len(kept) > KEPT_GATHERINGS:
            kept.popitem(last=False)
    return facts
