"""The people who made a gathering possible, as the report counts them: contributors
(names only of those who agreed to be thanked by name), accommodation requests by how
far they got, and the public's accessibility feedback by status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.choices import RegistrationStatus
from app.extensions import db
from app.models import Registration
from app.models.accommodations import (
    AccessibilityFeedback,
    AccommodationOutcome,
    AccommodationRequest,
    AccommodationStatus,
    FeedbackStatus,
)
from app.models.contributors import Contributor, Recognition


@dataclass(frozen=True)
class ContributorFacts:
    role: str
    declined: bool
    honorarium_cents: int
    expenses_approved_cents: int
    paid: bool
    # Empty unless the person agreed to be thanked by name.
    thanked_as: str
    nation: str


def contributors(gathering_id: int) -> list[ContributorFacts]:
    rows = db.session.scalars(
        select(Contributor)
        .where(Contributor.gathering_id == gathering_id)
        .order_by(Contributor.role, Contributor.preferred_name, Contributor.name, Contributor.id)
    ).all()
    return [
        ContributorFacts(
            role=row.role,
            declined=row.recognition == Recognition.DECLINED,
            honorarium_cents=(
                row.honorarium_cents if row.recognition == Recognition.HONORARIUM else 0
            ),
            expenses_approved_cents=row.expenses_approved_cents,
            paid=row.paid_on is not None,
            thanked_as=row.written_name if row.named_in_thanks else "",
            nation=row.nation if row.named_in_thanks else "",
        )
        for row in rows
    ]


def accommodation_counts(gathering_id: int) -> dict[str, int]:
    """Requests of people still registered: how many, and how many reached arranged,
    were answered in the survey, and worked."""
    rows = db.session.execute(
        select(AccommodationRequest.status, AccommodationRequest.outcome)
        .join(Registration, Registration.id == AccommodationRequest.registration_id)
        .where(
            AccommodationRequest.gathering_id == gathering_id,
            Registration.status != RegistrationStatus.CANCELLED,
        )
    ).all()
    reached = {"requested": len(rows), "arranged": 0, "evaluated": 0, "worked": 0}
    for status, outcome in rows:
        if status != AccommodationStatus.REQUESTED:
            reached["arranged"] += 1
        if status == AccommodationStatus.EVALUATED:
            reached["evaluated"] += 1
            if outcome == AccommodationOutcome.WORKED:
                reached["worked"] += 1
    return reached


def feedback_counts(since: datetime | None = None) -> dict[str, int]:
    """Accessibility feedback by status (received from `since`, when given)."""
    query = select(AccessibilityFeedback.status, func.count()).group_by(
        AccessibilityFeedback.status
    )
    if since is not None:
        query = query.where(AccessibilityFeedback.created_at >= since)
    tally = dict(db.session.execute(query).all())
    return {status.value: int(tally.get(status.value, 0)) for status in FeedbackStatus}
