"""The community a gathering belongs to, and the gatherings that came before it."""

from datetime import timedelta

from app.community.demo import seed_demo_community
from app.community.history import earlier_gatherings, previous_gathering
from app.extensions import db
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
    assert previous_gathering(latest) == middle
    assert previous_gathering(first) is None


def test_a_gathering_outside_any_community_has_no_history(make_gathering):
    alone = make_gathering()
    make_gathering(
        starts_at=alone.starts_at - timedelta(days=365),
        ends_at=alone.ends_at - timedelta(days=365),
    )
    assert earlier_gatherings(alone) == []


def test_demo_community_takes_the_gatherings_once(make_gathering):
    one, two = make_gathering(), make_gathering()
    community = seed_demo_community()
    again = seed_demo_community()
    db.session.commit()
    assert again.id == community.id
    assert community.name == "Perinatal Community of Practice"
    assert {one.community_id, two.community_id} == {community.id}
    assert db.session.scalars(db.select(Community)).all() == [community]
