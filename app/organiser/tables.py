"""Dashboard tables: one query into pandas, then plain lists for the template."""

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

from app.choices import HealthRegion, OrganisationType, RegistrationStatus
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


def region_by_organisation(frame: pd.DataFrame) -> CrossTable:
    """Confirmed registrations: health region down, organisation type across, with totals.
    Every choice appears, so a missing region shows as a 0 rather than vanishing."""
    confirmed = frame[frame["status"] == RegistrationStatus.CONFIRMED.value]
    table = pd.crosstab(confirmed["health_region"], confirmed["organisation_type"])
    table = table.reindex(
        index=[r.value for r in HealthRegion],
        columns=[o.value for o in OrganisationType],
        fill_value=0,
    )
    table["total"] = table.sum(axis=1)
    table.loc["total"] = table.sum(axis=0)
    return CrossTable(
        row_labels=[r.label for r in HealthRegion] + ["Total"],
        column_labels=[o.label for o in OrganisationType] + ["Total"],
        cells=table.astype(int).values.tolist(),
    )
