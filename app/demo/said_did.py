"""The demo's "You said, we did": public owners (organisations and roles) for the 2022
recommendations, and dated updates since the gathering, so the page has something to say
once an organiser publishes it. The page itself is left unpublished."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Gathering, Recommendation, RecommendationStatus, RecommendationUpdate

PUBLIC_OWNERS = (
    "Perinatal Services BC",
    "Shared Care Committee",
    "Health authority perinatal leads",
    "The steering committee's education working group",
    "Divisions of Family Practice (through their perinatal leads)",
)

STEPS = (
    (
        RecommendationStatus.ACCEPTED,
        "The steering committee took it on at its first meeting after the gathering.",
    ),
    (
        RecommendationStatus.IN_PROGRESS,
        "A working group has started; a first draft is shared with partners for comment.",
    ),
    (RecommendationStatus.DONE, "Completed and shared with every Division and health authority."),
)


def seed_demo_said_did(gathering: Gathering, *, now: datetime) -> None:
    """Once: a gathering whose recommendations already have updates is left as it is."""
    recommendations = list(
        db.session.scalars(
            select(Recommendation)
            .where(Recommendation.gathering_id == gathering.id)
            .order_by(Recommendation.id)
        )
    )
    if not recommendations or any(r.updates for r in recommendations):
        return
    rng = random.Random(f"{gathering.slug}-said-did")
    span = max(30, (now - gathering.ends_at).days)
    for index, recommendation in enumerate(recommendations):
        recommendation.public_owner = PUBLIC_OWNERS[index % len(PUBLIC_OWNERS)]
        steps = STEPS[: 1 + index % len(STEPS)]
        day = gathering.ends_at
        for status, note in steps:
            day = min(now, day + timedelta(days=rng.randint(14, max(15, span // 4))))
            db.session.add(
                RecommendationUpdate(
                    recommendation=recommendation,
                    status=status.value,
                    note=note,
                    evidence_url=(
                        "https://sharedcare.example/perinatal-cop/updates"
                        if status == RecommendationStatus.DONE
                        else ""
                    ),
                    created_at=day,
                )
            )
        recommendation.status = steps[-1][0].value
        recommendation.updated_at = day
        if steps[-1][0] == RecommendationStatus.DONE:
            recommendation.closed_at = day
    db.session.flush()
