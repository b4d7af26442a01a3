"""Dashboard tables: the read model's frames (app.facts) into plain lists for the template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, select

from app.choices import HEALTH_REGION_SHORT, HealthRegion, OrganisationType, RegistrationStatus
from app.extensions import db
from app.facts import rules

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class CrossTable:
    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[int]]  # rows x columns, last row and column are totals


def organisation_by_region(frame: pd.DataFrame) -> CrossTable:
    """Confirmed registrations: organisation type down, health region across, with totals.
    Every choice appears, so a region nobody came from shows as 0 rather than vanishing."""
    import pandas as pd

    confirmed = rules.registered(frame)
    table = pd.crosstab(confirmed["organisation_type"], confirmed["health_region"])
    table = table.reindex(
        index=[o.value for o in OrganisationType],
        columns=[r.value for r in HealthRegion],
        fill_value=0,
    )
    table["total"] = table.sum(axis=1)
    table.loc["total"] = table.sum(axis=0)
    return CrossTable(
        row_labels=[o.label for o in OrganisationType] + ["Total"],
        column_labels=[HEALTH_REGION_SHORT[r] for r in HealthRegion] + ["Total"],
        cells=table.astype(int).values.tolist(),
    )


def list_counts(query: Select) -> dict[str, int]:
    """For the registrants a filter matches, in one query: how many ("total"), how many
    of each status, and how many with accessibility needs ("needs")."""
    matched = query.order_by(None).subquery()
    has_needs = func.length(func.trim(matched.c.accessibility_needs)) > 0
    rows = db.session.execute(
        select(matched.c.status, func.count(), func.count().filter(has_needs)).group_by(
            matched.c.status
        )
    ).all()
    counts = {status.value: 0 for status in RegistrationStatus}
    counts.update({status: total for status, total, _needs in rows})
    counts["total"] = sum(total for _status, total, _needs in rows)
    counts["needs"] = sum(needs for _status, _total, needs in rows)
    return counts
