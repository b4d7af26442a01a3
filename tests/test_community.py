"""The community a gathering belongs to, and the gatherings that came before it."""

from datetime import UTC, datetime, timedelta

from app.demo.community import seed_demo_community
from app.extensions import db
from app.facts.history import earlier_gatherings
from app.models import Community


def test_earlier_gatherings_are_the_same_communitys_oldest_first(make_gathering):
    cop = Community(name="Perinatal Community of Practice", slug="perinatal-cop")
    other = Community(name="Another community", slug="other")
    db.session.add_all([cop, other])
    db.session.flush()
    latest = make_gathering(community_id=cop.id)
    middle = make_gathering(
        community_id=cop.id,
        starts_at=latest.starts_at - timedelta(days=365),
        ends_at=latest.ends_at - timedelta(days=365),
    )
    first = make_gathering(
        community_id=cop.id,
        starts_at=latest.starts_at - timedelta(days=700),
        ends_at=latest.ends_at - timedelta(days=700),
    )
    make_gathering(
        community_id=other.id,
        starts_at=latest.starts_at - timedelta(days=100),
        ends_at=latest.ends_at - timedelta(days=100),
    )
    make_gathering(
        starts_at=latest.starts_at - timedelta(days=50),
        ends_at=latest.ends_at - timedelta(days=50),
    )
    later = make_gathering(
        community_id=cop.id,
        starts_at=latest.starts_at + timedelta(days=90),
        ends_at=latest.ends_at + timedelta(days=90),
    )

    assert earlier_gatherings(latest) == [first, middle]
    assert earlier_gatherings(first) == []
    assert earlier_gatherings(later) == [first, middle, latest]


def test_a_gathering_outside_any_community_has_no_history(make_gathering):
    alone = make_gathering()
    make_gathering(
        starts_at=alone.starts_at - timedelta(days=365),
        ends_at=alone.ends_at - timedelta(days=365),
    )
    assert earlier_gatherings(alone) == []


def test_demo_community_takes_the_gatherings_once(make_gathering):
    one, two = make_gathering(), make_gathering()
    now = datetime.now(UTC)
    community = seed_demo_community(now=now)
    again = seed_demo_community(now=now)
    db.session.commit()
    assert again.id == community.id
    assert community.name == "Perinatal Community of Practice"
    assert {one.community_id, two.community_id} == {community.id}
    assert db.session.scalars(db.select(Community)).all() == [community]


def test_demo_gives_last_years_recommendations_a_history_and_the_next_one_targets(
    make_gathering, make_registration
):
    from app.models import CertificateSettings, Recommendation, RepresentationTarget
    from app.reporting.since_last import since_last_gathering
    from tests.fixtures_report import add_note

    now = datetime.now(UTC)
    upcoming = make_gathering()
    this_year = make_gathering(
        starts_at=now - timedelta(days=400), ends_at=now - timedelta(days=400, hours=-3)
    )
    last_year = make_gathering(
        starts_at=now - timedelta(days=730), ends_at=now - timedelta(days=730, hours=-3)
    )
    add_note(
        last_year.breakouts[0],
        actions=[
            {"text": f"Recommendation {n}", "owner": "Working group", "for_steering": True}
            for n in range(6)
        ],
    )
    seed_demo_community(now=now)
    seed_demo_community(now=now)
    db.session.commit()

    statuses = [
        r.status
        for r in db.session.scalars(db.select(Recommendation).order_by(Recommendation.id))
    ]
    assert statuses == ["done", "in_progress", "accepted", "declined", "proposed", "done"]
    for recommendation in db.session.scalars(db.select(Recommendation)):
        for update in recommendation.updates:
            assert last_year.ends_at < update.created_at < this_year.starts_at
    shown = since_last_gathering(this_year.id)
    assert [row["status_label"] for row in shown["rows"]][:2] == ["Done", "In progress"]
    assert shown["rows"][1]["latest"]["note"].startswith("Three health authorities")

    final = {
        s.gathering_id: s.attendance_final_at
        for s in db.session.scalars(db.select(CertificateSettings))
    }
    assert set(final) == {last_year.id, this_year.id}
    targets = db.session.scalars(db.select(RepresentationTarget)).all()
    assert {t.gathering_id for t in targets} == {upcoming.id}
    assert {t.code for t in targets} >= {"northern", "indigenous_org", "patient_partner"}


def test_the_demo_shows_2021_recommendations_in_2022_certificates_and_targets(app):
    from app.community.certificates import attendee_rows, stored_settings
    from app.community.targets import dashboard_targets
    from app.demo import DEMO_SLUG, INAUGURAL_SLUG, UPCOMING_SLUG, seed_demo
    from app.facts import gathering_facts
    from app.models import Gathering
    from app.reporting.since_last import since_last_gathering

    now = datetime.now(UTC)
    seed_demo(60, now=now)
    db.session.commit()
    by_slug = {g.slug: g for g in db.session.scalars(db.select(Gathering))}
    inaugural, past, upcoming = (by_slug[s] for s in (INAUGURAL_SLUG, DEMO_SLUG, UPCOMING_SLUG))
    assert inaugural.community_id == past.community_id == upcoming.community_id is not None

    shown = since_last_gathering(past.id)
    assert shown["previous_title"] == inaugural.title
    statuses = {row["status_label"] for row in shown["rows"]}
    assert {"Done", "In progress", "Accepted", "Declined"} <= statuses
    assert all(row["latest"] for row in shown["rows"] if row["status_label"] != "Proposed")

    settings = stored_settings(past)
    assert settings.attendance_final_at is not None and settings.credits_per_hour
    assert len(attendee_rows(past)) == gathering_facts(past).attended > 0

    gaps = dashboard_targets(upcoming, gathering_facts(upcoming), now=now)
    assert gaps and any(row.gap for row in gaps)
