"""Recommendations: flagged actions become them, the steering committee and organisers
update them, and the next gathering's report says where each one stands."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.community.recommendations import RecommendationChange, update_recommendation
from app.extensions import db
from app.facts.history import carried_recommendations
from app.models import Community, Recommendation, RecommendationUpdate
from app.reporting import services as report_services
from app.reporting.since_last import since_last_gathering
from tests.conftest import login


def add_note(room, **content):
    """Imported late: tests.fixtures_report is also a pytest plugin of other modules."""
    from tests.fixtures_report import add_note as add

    return add(room, **content)


@pytest.fixture
def community(app):
    community = Community(name="Perinatal Community of Practice", slug="perinatal-cop")
    db.session.add(community)
    db.session.commit()
    return community


@pytest.fixture
def two_gatherings(make_gathering, community):
    """Last year's gathering with one submitted note flagging two actions, and this
    year's gathering of the same community."""
    later = make_gathering(title="Provincial Gathering 2022", community_id=community.id)
    earlier = make_gathering(
        title="Inaugural Engagement Event 2021",
        community_id=community.id,
        starts_at=later.starts_at - timedelta(days=325),
        ends_at=later.ends_at - timedelta(days=325),
    )
    add_note(
        earlier.breakouts[0],
        actions=[
            {"text": "Map the newborn care path", "owner": "Working group", "for_steering": True},
            {"text": "Fund  doula   services", "owner": "Ministry", "for_steering": True},
            {"text": "Share the clinic toolkit", "owner": "", "for_steering": False},
        ],
    )
    return earlier, later


def recommendation(text: str) -> Recommendation:
    return db.session.scalars(select(Recommendation).where(Recommendation.text == text)).one()


def test_flagged_actions_of_a_submitted_note_become_recommendations_once(two_gatherings):
    earlier, _ = two_gatherings
    rows = db.session.scalars(select(Recommendation).order_by(Recommendation.id)).all()
    assert [(r.text, r.owner, r.status, r.gathering_id) for r in rows] == [
        ("Map the newborn care path", "Working group", "proposed", earlier.id),
        ("Fund doula services", "Ministry", "proposed", earlier.id),
    ]
    note = rows[0].source_note
    note.actions = [*note.actions, {"text": "fund DOULA services", "for_steering": True}]
    note.summary = "Edited after submission."
    db.session.commit()
    assert db.session.scalars(select(Recommendation)).all() == rows


def test_a_draft_note_flags_nothing_yet(make_gathering):
    gathering = make_gathering()
    add_note(gathering.breakouts[0], status="draft")
    assert db.session.scalars(select(Recommendation)).all() == []


def test_a_status_changed_by_a_steering_member_appears_in_the_next_report(
    two_gatherings, client, make_user
):
    earlier, later = two_gatherings
    steering = make_user("steering", email="sam.steering@example.org")
    target = recommendation("Map the newborn care path")
    login(client, steering)
    prefix = f"r{target.id}"
    response = client.post(
        f"/community/g/{later.slug}/recommendations/{target.id}",
        data={
            f"{prefix}-status": "in_progress",
            f"{prefix}-owner": "Perinatal Services BC",
            f"{prefix}-due_on": "2023-03-31",
            f"{prefix}-note": "Two health authorities drafted their care paths.",
            f"{prefix}-evidence_url": "https://example.org/care-paths",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert target.status == "in_progress"
    assert target.updates[0].author.email == "sam.steering@example.org"

    built = report_services.build_report(later, variant="shareable", now=datetime.now(UTC))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(built.pdf)).pages)
    text = " ".join(text.split())
    assert "Since the last gathering" in text
    assert "Map the newborn care path" in text
    assert "In progress" in text
    # A count below the threshold in a typed update is masked in the shareable version.
    assert "<5 health authorities drafted their care paths." in text
    assert "Two health authorities" not in text
    assert "Perinatal Services BC" in text
    assert "Fund doula services" in text and "Proposed" in text
    built = report_services.build_report(later, variant="committee", now=datetime.now(UTC))
    committee = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(built.pdf)).pages).split()
    )
    assert "Two health authorities drafted their care paths." in committee
    assert "sam.steering" not in text


def test_the_first_gathering_of_a_community_has_no_since_last_section(two_gatherings):
    earlier, later = two_gatherings
    assert since_last_gathering(earlier.id)["contents"] == []
    assert since_last_gathering(None)["rows"] == []
    assert [i["text"] for i in since_last_gathering(later.id)["rows"]] == [
        "Map the newborn care path",
        "Fund doula services",
    ]


def test_closed_recommendations_carry_until_the_gathering_after_they_closed(
    two_gatherings, make_gathering, make_user, community
):
    earlier, later = two_gatherings
    organiser = make_user("organiser")
    done = recommendation("Map the newborn care path")
    update_recommendation(
        done,
        RecommendationChange(status="done", owner="Working group", due_on=None),
        author=organiser,
        now=later.starts_at - timedelta(days=30),
    )
    db.session.commit()
    assert done.closed_at is not None
    assert {r.text for r in carried_recommendations(later)} == {
        "Map the newborn care path",
        "Fund doula services",
    }
    third = make_gathering(
        community_id=community.id,
        starts_at=later.starts_at + timedelta(days=300),
        ends_at=later.ends_at + timedelta(days=300),
    )
    assert [r.text for r in carried_recommendations(third)] == ["Fund doula services"]

    update_recommendation(
        done,
        RecommendationChange(status="accepted", owner="Working group", due_on=None),
        author=organiser,
        now=later.starts_at + timedelta(days=60),
    )
    db.session.commit()
    assert done.closed_at is None
    assert len(carried_recommendations(third)) == 2


def test_owner_or_due_date_alone_adds_no_dated_update(two_gatherings, make_user):
    target = recommendation("Fund doula services")
    update_recommendation(
        target,
        RecommendationChange(status="proposed", owner="BC Ministry of Health", due_on=None),
        author=make_user("organiser"),
        now=datetime.now(UTC),
    )
    db.session.commit()
    assert target.owner == "BC Ministry of Health"
    assert db.session.scalars(select(RecommendationUpdate)).all() == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("evidence_url", "javascript:alert(1)", "Enter a full link starting with https://"),
        ("status", "finished", "Not a valid choice"),
        ("due_on", "next spring", "Not a valid date value"),
        ("owner", "x" * 201, "Field cannot be longer than 200 characters"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_is_saved(
    two_gatherings, organiser_client, field, value, message
):
    earlier, _ = two_gatherings
    target = recommendation("Fund doula services")
    prefix = f"r{target.id}"
    data = {
        f"{prefix}-status": "accepted",
        f"{prefix}-owner": "Ministry",
        f"{prefix}-note": "Accepted at the March meeting.",
        f"{prefix}-{field}": value,
    }
    response = organiser_client.post(
        f"/community/g/{earlier.slug}/recommendations/{target.id}", data=data
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="error-summary"' in page
    assert "Accepted at the March meeting." in page
    db.session.expire_all()
    assert target.status == "proposed"
    assert db.session.scalars(select(RecommendationUpdate)).all() == []


def test_a_recommendation_of_another_community_is_not_found(
    two_gatherings, organiser_client, make_gathering
):
    stranger = make_gathering()
    target = recommendation("Fund doula services")
    response = organiser_client.post(
        f"/community/g/{stranger.slug}/recommendations/{target.id}",
        data={f"r{target.id}-status": "done"},
    )
    assert response.status_code == 404


def test_steering_sees_the_page_and_text_typed_is_escaped(two_gatherings, client, make_user):
    earlier, later = two_gatherings
    target = recommendation("Fund doula services")
    update_recommendation(
        target,
        RecommendationChange(
            status="accepted", owner="<b>Ministry</b>", due_on=None, note="<script>x()</script>"
        ),
        author=make_user("organiser"),
        now=datetime.now(UTC),
    )
    db.session.commit()
    login(client, make_user("steering"))
    page = client.get(f"/community/g/{later.slug}/recommendations").get_data(as_text=True)
    assert "Carried from earlier gatherings" in page
    assert "<script>x()</script>" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page
    assert 'value="&lt;b&gt;Ministry&lt;/b&gt;"' in page
    home = client.get("/community/recommendations/").get_data(as_text=True)
    assert earlier.title in home and later.title in home
