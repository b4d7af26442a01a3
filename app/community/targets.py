"""Representation targets: how many people (or what share) the organisers hope to hear
from each health region and kind of organisation, against who has registered so far.

"Registered" is the read model's word (app.facts.rules): a confirmed registration."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from app.choices import HEALTH_REGION_SHORT, HealthRegion, OrganisationType
from app.extensions import db
from app.facts import GatheringFacts, gathering_facts
from app.models import Gathering, RepresentationTarget, TargetDimension, TargetKind

DIMENSIONS: dict[str, tuple[str, type]] = {
    TargetDimension.HEALTH_REGION.value: ("health_region", HealthRegion),
    TargetDimension.ORGANISATION_TYPE.value: ("organisation_type", OrganisationType),
}
MAX_COUNT = 10_000


class TargetError(ValueError):
    """Targets that cannot be saved; the message names the problem."""


@dataclass(frozen=True)
class TargetInput:
    dimension: str
    code: str
    kind: str
    value: int


def targets_of(gathering: Gathering) -> list[RepresentationTarget]:
    return list(
        db.session.scalars(
            select(RepresentationTarget).where(RepresentationTarget.gathering_id == gathering.id)
        )
    )


def save_targets(
    gathering: Gathering, dimension: str, targets: Iterable[TargetInput], *, now: datetime
) -> None:
    """Replace one dimension's targets. Shares of one dimension may not add up to more
    than 100%, and every code must be one of the dimension's choices."""
    if dimension not in DIMENSIONS:
        raise TargetError("Unknown kind of target.")
    choices = DIMENSIONS[dimension][1]
    targets = list(targets)
    codes = {c.value for c in choices}
    for target in targets:
        if target.dimension != dimension or target.code not in codes:
            raise TargetError("A target names a choice that does not exist.")
        if target.kind not in {k.value for k in TargetKind}:
            raise TargetError("Choose numbers of people or shares of registrations.")
        top = 100 if target.kind == TargetKind.SHARE else MAX_COUNT
        if not 0 <= target.value <= top:
            raise TargetError(f"Each target is a whole number from 0 to {top}.")
    if sum(t.value for t in targets if t.kind == TargetKind.SHARE) > 100:
        raise TargetError("The shares add up to more than 100%.")
    db.session.execute(
        delete(RepresentationTarget).where(
            RepresentationTarget.gathering_id == gathering.id,
            RepresentationTarget.dimension == dimension,
        )
    )
    for target in targets:
        db.session.add(
            RepresentationTarget(
                gathering_id=gathering.id,
                dimension=dimension,
                code=target.code,
                kind=target.kind,
                value=target.value,
                updated_at=now,
            )
        )


@dataclass(frozen=True)
class TargetRow:
    dimension_label: str
    label: str
    target_label: str
    needed: int
    registered: int
    gap: int
    registered_share_label: str
    bar_percent: int
    target_percent: int

    @property
    def met(self) -> bool:
        return self.gap == 0


def _label(dimension: str, code: str) -> str:
    choices = DIMENSIONS[dimension][1]
    if choices is HealthRegion:
        try:
            return HEALTH_REGION_SHORT[HealthRegion(code)]
        except ValueError:
            return code
    return choices.label_for(code)


def target_rows(gathering: Gathering, facts: GatheringFacts | None = None) -> list[TargetRow]:
    """Each target with the registered people it counts and the gap still to close.
    A share target needs that share of everyone registered, rounded up."""
    targets = targets_of(gathering)
    if not targets:
        return []
    facts = facts or gathering_facts(gathering)
    counts: dict[tuple[str, str], int] = {}
    for dimension, (column, _choices) in DIMENSIONS.items():
        for code, n in facts.registered_by(column).items():
            counts[(dimension, code)] = n
    total = sum(n for (dim, _), n in counts.items() if dim == TargetDimension.HEALTH_REGION)
    order = {
        (dimension, choice.value): i
        for dimension, (_column, choices) in DIMENSIONS.items()
        for i, choice in enumerate(choices)
    }
    measured = []
    for target in sorted(
        targets,
        key=lambda t: (list(DIMENSIONS).index(t.dimension), order.get((t.dimension, t.code), 99)),
    ):
        registered = counts.get((target.dimension, target.code), 0)
        if target.kind == TargetKind.SHARE:
            needed = math.ceil(target.value * total / 100)
            target_label = f"{target.value}%"
        else:
            needed = target.value
            target_label = f"{target.value:,}"
        measured.append((target, registered, needed, target_label))
    scale = max([max(r, n) for _, r, n, _ in measured] + [1])
    rows = [
        TargetRow(
            dimension_label=TargetDimension.label_for(target.dimension),
            label=_label(target.dimension, target.code),
            target_label=target_label,
            needed=needed,
            registered=registered,
            gap=max(0, needed - registered),
            registered_share_label=f"{100 * registered / total:.0f}%" if total else "–",
            bar_percent=round(100 * registered / scale),
            target_percent=round(100 * needed / scale),
        )
        for target, registered, needed, target_label in measured
    ]
    return rows


def dashboard_targets(
    gathering: Gathering, facts: GatheringFacts, *, now: datetime
) -> list[TargetRow]:
    """The dashboard shows targets only while registration is open."""
    if gathering.registration_state(now) != "open":
        return []
    return target_rows(gathering, facts)
