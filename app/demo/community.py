"""The demo's community: the Perinatal Community of Practice and its gatherings, what
became of each gathering's recommendations before the next one, certificates ready for
the past gatherings and representation targets for the one whose registration is open."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.community.certificates import stored_settings
from app.community.targets import TargetInput, save_targets, targets_of
from app.extensions import db
from app.models import (
    CertificateSettings,
    Community,
    Gathering,
    Recommendation,
    RecommendationStatus,
    RecommendationUpdate,
)

DEMO_COMMUNITY_SLUG = "perinatal-cop"

MAINPRO = (
    "This one-credit-per-hour Group Learning program meets the certification criteria of "
    "the College of Family Physicians of Canada and has been certified by the BC Chapter "
    "for up to 3 Mainpro+ credits."
)

# Where each recommendation had got to by the next gathering, with what was said.
PROGRESS = [
    (
        RecommendationStatus.DONE,
        [
            (
                RecommendationStatus.ACCEPTED,
                "Accepted at the January meeting.",
            ),
            (
                RecommendationStatus.DONE,
                "Published on the Community of Practice's web page and shared with every Division.",
            ),
        ],
    ),
    (
        RecommendationStatus.IN_PROGRESS,
        [
            (RecommendationStatus.ACCEPTED, "Accepted; the working group leads."),
            (
                RecommendationStatus.IN_PROGRESS,
                "Three health authorities have started; the others begin in the spring.",
            ),
        ],
    ),
    (
        RecommendationStatus.ACCEPTED,
        [(RecommendationStatus.ACCEPTED, "Accepted; waiting for the strategic plan's budget.")],
    ),
    (
        RecommendationStatus.DECLINED,
        [
            (
                RecommendationStatus.DECLINED,
                "Outside the Community of Practice's mandate; passed to Perinatal Services BC.",
            )
        ],
    ),
    (RecommendationStatus.PROPOSED, []),
]

REGION_TARGETS = {"fraser": 25, "vch": 20, "island": 18, "interior": 18, "northern": 15}
ORGANISATION_TARGETS = {
    "indigenous_org": 6,
    "fnha": 4,
    "patient_partner": 8,
    "community": 6,
    "pcn": 8,
}


DEMO_RETENTION_MONTHS = 120


def seed_demo_community(*, now: datetime) -> Community:
    """Create the community once and place every gathering that has none in it (the demo
    database holds only the community's own gatherings), then its between-gatherings
    data. Running it again changes nothing that is already there."""
    community = db.session.scalar(select(Community).where(Community.slug == DEMO_COMMUNITY_SLUG))
    if community is None:
        community = Community(
            slug=DEMO_COMMUNITY_SLUG,
            name="Perinatal Community of Practice",
            # The demo's 2021 and 2022 gatherings are long past the default 24 months: the
            # retention sweep would erase them a minute after `make run` starts.
            retention_months=DEMO_RETENTION_MONTHS,
            short_description=(
                "Shared Care's provincial community of practice for perinatal care: family "
                "physicians, nurse practitioners, midwives, health authorities, patient "
                "partners and community partners from every health region of BC."
            ),
        )
        db.session.add(community)
        db.session.flush()
    for gathering in db.session.scalars(select(Gathering).where(Gathering.community_id.is_(None))):
        gathering.community = community
    db.session.flush()
    gatherings = list(
        db.session.scalars(
            select(Gathering)
            .where(Gathering.community_id == community.id)
            .order_by(Gathering.starts_at)
        )
    )
    past = [g for g in gatherings if g.ends_at <= now]
    for gathering, following in zip(past, past[1:], strict=False):
        _progress(gathering, before=following.starts_at)
    for gathering in past:
        _certificates(gathering)
    for gathering in gatherings:
        if gathering.registration_state(now) == "open" and not targets_of(gathering):
            _targets(gathering, now=now)
    db.session.flush()
    return community


def _progress(gathering: Gathering, *, before: datetime) -> None:
    """Dated updates spread between the gathering and the next one, once: a gathering
    whose recommendations have any update already is left as it is."""
    rng = random.Random(f"{gathering.slug}-recommendations")
    recommendations = list(
        db.session.scalars(
            select(Recommendation)
            .where(Recommendation.gathering_id == gathering.id)
            .order_by(Recommendation.id)
        )
    )
    if any(r.updates for r in recommendations):
        return
    span = (before - gathering.ends_at).days
    for index, recommendation in enumerate(recommendations):
        status, steps = PROGRESS[index % len(PROGRESS)]
        day = gathering.ends_at
        for step_status, note in steps:
            day = day + timedelta(days=rng.randint(20, max(21, span // (len(steps) + 1))))
            db.session.add(
                RecommendationUpdate(
                    recommendation=recommendation,
                    status=step_status.value,
                    note=note,
                    evidence_url=(
                        "https://sharedcare.example/perinatal-cop/updates"
                        if step_status == RecommendationStatus.DONE
                        else ""
                    ),
                    created_at=day,
                )
            )
        recommendation.status = status.value
        recommendation.updated_at = day
        if status in (RecommendationStatus.DONE, RecommendationStatus.DECLINED):
            recommendation.closed_at = day
        if status == RecommendationStatus.IN_PROGRESS:
            recommendation.due_on = (before + timedelta(days=120)).date()


def _certificates(gathering: Gathering) -> None:
    if stored_settings(gathering) is not None:
        return
    db.session.add(
        CertificateSettings(
            gathering=gathering,
            attendance_final_at=gathering.ends_at + timedelta(days=7),
            require_survey=False,
            accreditation_statement=MAINPRO,
            credits_per_hour=Decimal("1.00"),
            updated_at=gathering.ends_at + timedelta(days=7),
        )
    )


def _targets(gathering: Gathering, *, now: datetime) -> None:
    save_targets(
        gathering,
        "health_region",
        [TargetInput("health_region", code, "count", n) for code, n in REGION_TARGETS.items()],
        now=now,
    )
    save_targets(
        gathering,
        "organisation_type",
        [
            TargetInput("organisation_type", code, "count", n)
            for code, n in ORGANISATION_TARGETS.items()
        ],
        now=now,
    )
