"""Dashboard tables: one query into pandas, then plain lists for the template."""

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

from app.choices import HEALTH_REGION_SHORT, HealthRegion, OrganisationType, RegistrationStatus
from app.extensions import db
from app.models import Gathering, Registration


@dataclass
class CrossTable:
    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[int]]  # rows x columns, last row and column are totals


def registrations_frame(gathering: Gathering) -> pd.DataFrame:
    rows = db.session.execute(
        select(
            Registration.id,
            Registration.status,
            Registration.health_region,
            Registration.organisation_type,
            Registration.role,
            Registration.assigned_breakout_id,
            Registration.first_choice_id,
        ).where(Registration.gathering_id == gathering.id)
    ).all()
    columns = [
        "id",
        "status",
        "health_region",
        "organisation_type",
        "role",
        "assigned_breakout_id",
        "first_choice_id",
    ]
    return pd.DataFrame(rows, columns=columns)


def status_counts(frame: pd.DataFrame) -> dict[str, int]:
    counts = frame["status"].value_counts() if not frame.empty else pd.Series(dtype=int)
    return {status.value: int(counts.get(status.value, 0)) for status in RegistrationStatus}


def organisation_by_region(frame: pd.DataFrame) -> CrossTable:
    """Confirmed registrations: organisation type down, health region across, with totals.
    Every choice appears, so a region nobody came from shows as 0 rather than vanishing."""
    confirmed = frame[frame["status"] == RegistrationStatus.CONFIRMED.value]
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
