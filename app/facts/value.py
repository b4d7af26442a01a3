"""Value created, months later: the follow-up's counts for one gathering. Counts only;
stories only where their writer agreed to be quoted. No name reaches this."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.choices import VALUE_CYCLE_SHORT, ValueCycle
from app.extensions import db
from app.models.value import ValueFollowUp, ValueInvitation, ValueResponse


@dataclass(frozen=True)
class ValueTally:
    invited: int = 0
    respondents: int = 0
    # (ValueCycle, how many respondents ticked it), in the cycles' order.
    cycles: list[tuple[ValueCycle, int]] = field(default_factory=list)
    # Stories their writers agreed to have quoted, without names.
    stories: list[str] = field(default_factory=list)

    @property
    def asked(self) -> bool:
        return self.invited > 0

    def shown(self, threshold: int | None) -> ValueSummary:
        """As pages print it: with a threshold, counts from 1 to threshold-1 read "<N",
        and every count does while fewer than the threshold have answered."""
        from app.documents.suppression import format_count

        rows = [(VALUE_CYCLE_SHORT[c], format_count(n, threshold)) for c, n in self.cycles]
        few = threshold is not None and 0 < self.respondents < threshold
        if few:
            rows = [(label, f"<{threshold}") for label, _ in rows]
        return ValueSummary(
            asked=self.asked,
            invited=format_count(self.invited, None),
            respondents=format_count(self.respondents, threshold),
            rows=rows,
            stories=list(self.stories),
            hidden=few or any(cell.startswith("<") for _, cell in rows),
        )


@dataclass(frozen=True)
class ValueSummary:
    """The follow-up's results as printed: cells already suppressed where asked."""

    asked: bool
    invited: str
    respondents: str
    rows: list[tuple[str, str]]
    stories: list[str]
    hidden: bool


def value_tally(gathering_id: int) -> ValueTally:
    followup_id = db.session.scalar(
        select(ValueFollowUp.id).where(ValueFollowUp.gathering_id == gathering_id)
    )
    if followup_id is None:
        return ValueTally()
    invited = db.session.scalar(
        select(func.count())
        .select_from(ValueInvitation)
        .where(ValueInvitation.followup_id == followup_id, ValueInvitation.invited_at.is_not(None))
    )
    rows = db.session.execute(
        select(ValueResponse.cycles, ValueResponse.story, ValueResponse.story_consent)
        .where(ValueResponse.followup_id == followup_id)
        .order_by(ValueResponse.id)
    ).all()
    ticked = {cycle: 0 for cycle in ValueCycle}
    stories = []
    for cycles, story, consent in rows:
        for code in set(cycles.split()):
            try:
                ticked[ValueCycle(code)] += 1
            except ValueError:
                continue
        if consent and story.strip():
            stories.append(story.strip())
    return ValueTally(
        invited=invited or 0,
        respondents=len(rows),
        cycles=list(ticked.items()),
        stories=stories,
    )
