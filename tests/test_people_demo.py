"""The demo's contributors and accommodations: an Elder, two patient partners and
speakers with plans in different states; accommodation requests in every state; a
second seed adds nothing."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from app.demo import DEMO_SLUG, UPCOMING_SLUG, seed_demo
from app.extensions import db
from app.models import AccessibilityFeedback, AccommodationRequest, Contributor, Gathering
from app.models.accommodations import AccommodationStatus

NOW = datetime(2026, 11, 26, 19, tzinfo=UTC)


def _gathering(slug: str) -> Gathering:
    return db.session.scalar(select(Gathering).where(Gathering.slug == slug))


def test_demo_people_and_accommodations(app):
    seed_demo(now=NOW)
    past = _gathering(DEMO_SLUG)
    rows = db.session.scalars(select(Contributor).where(Contributor.gathering_id == past.id)).all()
    by_role: dict[str, list[Contributor]] = {}
    for row in rows:
        by_role.setdefault(row.role, []).append(row)
    assert len(by_role["elder"]) == 1 and len(by_role["patient_partner"]) == 2
    assert len(by_role["speaker"]) >= 2
    elder = by_role["elder"][0]
    assert elder.protocol_tobacco and elder.preparation_call_on and elder.nation
    assert {row.status for row in rows} >= {"delivered", "paid", "thanked"}
    assert {row.recognition for row in by_role["patient_partner"]} == {"honorarium", "declined"}
    upcoming = _gathering(UPCOMING_SLUG)
    assert {
        row.status
        for row in db.session.scalars(
            select(Contributor).where(Contributor.gathering_id == upcoming.id)
        )
    } == {"agreed"}

    statuses = set(
        db.session.scalars(
            select(AccommodationRequest.status).where(AccommodationRequest.gathering_id == past.id)
        )
    )
    assert statuses == {status.value for status in AccommodationStatus}
    assert db.session.scalar(select(func.count()).select_from(AccessibilityFeedback)) == 3

    counts = (
        db.session.scalar(select(func.count()).select_from(Contributor)),
        db.session.scalar(select(func.count()).select_from(AccommodationRequest)),
    )
    seed_demo(now=NOW)
    assert counts == (
        db.session.scalar(select(func.count()).select_from(Contributor)),
        db.session.scalar(select(func.count()).select_from(AccommodationRequest)),
    )
