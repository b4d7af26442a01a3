"""'You said, we did': the 2022 demo's public page and its Atom feed. Nothing before the
organiser publishes; then each recommendation with its breakout, status, owner and dated
updates; no registrant's name or address anywhere; the feed parses as Atom."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.demo import DEMO_SLUG, seed_demo
from app.extensions import db
from app.models import Gathering, Recommendation, RecommendationUpdate, Registration, User
from app.said_did import services

pytest_plugins = ["tests.fixtures_mail"]

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def demo(app):
    seed_demo(60, now=NOW)
    db.session.commit()
    return db.session.scalar(select(Gathering).where(Gathering.slug == DEMO_SLUG))


def test_the_demo_page_after_publishing(app, organiser_client, demo):
    client = app.test_client()  # a visitor, beside the signed-in organiser
    page_url = f"/g/{DEMO_SLUG}/you-said-we-did"
    feed_url = f"{page_url}.atom"
    assert client.get(page_url).status_code == 404
    assert client.get(feed_url).status_code == 404
    assert "You said, we did" not in client.get(f"/g/{DEMO_SLUG}/").get_data(as_text=True)

    recommendations = list(
        db.session.scalars(select(Recommendation).where(Recommendation.gathering_id == demo.id))
    )
    assert recommendations and all(r.updates for r in recommendations)
    # Whatever someone types into an update, no registrant is named on the page.
    someone = db.session.scalar(
        select(Registration).where(Registration.gathering_id == demo.id).limit(1)
    )
    recommendations[0].updates[0].note = f"Thanks to {someone.name} ({someone.email}) for this."
    recommendations[1].public_owner = someone.name
    db.session.commit()

    published = organiser_client.post(
        f"/organiser/g/{DEMO_SLUG}/you-said-we-did",
        data={"action": "publish", "intro": "Answers from the steering committee."},
    )
    assert published.status_code == 303

    response = client.get(page_url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Answers from the steering committee." in page
    for recommendation in recommendations:
        assert f'id="rec-{recommendation.id}"' in page
    assert page.count('class="said-did"') == len(recommendations)
    assert "In progress" in page and "Accepted" in page and "Done" in page
    assert "Perinatal Services BC" in page
    assert services.REMOVED in page
    updates = db.session.scalars(
        select(RecommendationUpdate)
        .join(Recommendation)
        .where(Recommendation.gathering_id == demo.id)
    ).all()
    assert page.count("<time datetime=") == len(updates)

    lowered = page.lower()
    people = db.session.execute(select(Registration.name, Registration.email)).all()
    people += db.session.execute(select(User.name, User.email)).all()
    leaks = [
        value
        for name, email in people
        for value in (name, email)
        if value and len(value) >= 3 and value.lower() in lowered
    ]
    assert leaks == []
    assert 'rel="alternate" type="application/atom+xml"' in page

    public_page = client.get(f"/g/{DEMO_SLUG}/").get_data(as_text=True)
    assert "See what became of your input" in public_page

    feed = client.get(feed_url)
    assert feed.status_code == 200
    assert feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.data)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    assert root.find(f"{ATOM}author/{ATOM}name").text
    assert root.find(f"{ATOM}link[@rel='self']").get("href").endswith(feed_url)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == len(updates)
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(set(ids)) == len(ids)
    stamps = [entry.find(f"{ATOM}updated").text for entry in entries]
    assert stamps == sorted(stamps, reverse=True)
    for entry in entries:
        datetime.fromisoformat(entry.find(f"{ATOM}updated").text.replace("Z", "+00:00"))
        assert entry.find(f"{ATOM}title").text
        assert entry.find(f"{ATOM}link").get("href").startswith("http")
    feed_text = feed.get_data(as_text=True).lower()
    assert someone.name.lower() not in feed_text and someone.email.lower() not in feed_text

    organiser_client.post(f"/organiser/g/{DEMO_SLUG}/you-said-we-did", data={"action": "unpublish"})
    assert client.get(page_url).status_code == 404
    assert client.get(feed_url).status_code == 404


def test_a_person_named_as_public_owner_is_refused_only_by_length(organiser_client, demo):
    recommendation = db.session.scalar(
        select(Recommendation).where(Recommendation.gathering_id == demo.id).limit(1)
    )
    url = f"/organiser/g/{DEMO_SLUG}/you-said-we-did/{recommendation.id}/owner"
    too_long = organiser_client.post(url, data={f"r{recommendation.id}-public_owner": "x" * 201})
    assert too_long.status_code == 422
    assert "x" * 201 in too_long.get_data(as_text=True)  # what was typed is kept
    saved = organiser_client.post(
        url, data={f"r{recommendation.id}-public_owner": "Perinatal Services BC"}
    )
    assert saved.status_code == 303
    db.session.refresh(recommendation)
    assert recommendation.public_owner == "Perinatal Services BC"


def test_the_weekly_digest_goes_only_to_who_asked_and_at_most_weekly(
    app, smtp_server, client, make_gathering, make_registration
):
    from datetime import timedelta

    from app.models import RecommendationStatus
    from app.outbound.mail import deliver_due
    from app.outbound.manage_tokens import issue_manage_token

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_TIMEOUT=5)
    gathering = make_gathering()
    asked = make_registration(gathering, consent_followup_at=NOW, name="Pat Subscriber")
    declined = make_registration(gathering, name="Dee Declined")
    recommendation = Recommendation(
        gathering_id=gathering.id, text="Fund a perinatal navigator", source_label="Room 1"
    )
    db.session.add(recommendation)
    db.session.commit()
    asked_token = issue_manage_token(asked)
    declined_token = issue_manage_token(declined)
    db.session.commit()

    manage = client.get(f"/r/{asked_token}").get_data(as_text=True)
    assert "hear what became of your input" in manage
    assert (
        client.post(
            f"/r/{declined_token}/you-said-we-did", data={"action": "subscribe"}
        ).status_code
        == 403
    )
    page = client.get(f"/r/{declined_token}/you-said-we-did").get_data(as_text=True)
    assert "only if you agreed to be contacted" in page
    response = client.post(f"/r/{asked_token}/you-said-we-did", data={"action": "subscribe"})
    assert response.status_code == 303
    subscription = services.subscription_of(asked)
    subscription.subscribed_at = NOW
    db.session.commit()

    def add_update(note: str, at: datetime) -> None:
        db.session.add(
            RecommendationUpdate(
                recommendation_id=recommendation.id,
                status=RecommendationStatus.IN_PROGRESS.value,
                note=note,
                created_at=at,
            )
        )
        db.session.commit()

    add_update("A navigator role is drafted.", NOW + timedelta(days=1))
    # Unpublished: nothing goes out.
    assert services.send_digests(now=NOW + timedelta(days=2)) == 0
    services.publish(gathering, intro="", now=NOW + timedelta(days=2))
    db.session.commit()
    assert services.send_digests(now=NOW + timedelta(days=2)) == 1
    add_update("Funding request sent to the Ministry.", NOW + timedelta(days=3))
    assert services.send_digests(now=NOW + timedelta(days=4)) == 0  # a week at most
    assert services.send_digests(now=NOW + timedelta(days=9, minutes=1)) == 1
    assert services.send_digests(now=NOW + timedelta(days=20)) == 0  # nothing new

    report = deliver_due(now=datetime.now(UTC) + timedelta(days=30))
    assert report.sent == 2, report.errors
    first, second = smtp_server.inbox.messages
    assert {first["To"], second["To"]} == {asked.email}
    assert "A navigator role is drafted." in first.get_body(("plain",)).get_content()
    body = second.get_body(("plain",)).get_content()
    assert "Funding request sent" in body and "A navigator role is drafted." not in body

    client.post(f"/r/{asked_token}/you-said-we-did", data={"action": "unsubscribe"})
    add_update("Approved.", NOW + timedelta(days=25))
    assert services.send_digests(now=NOW + timedelta(days=40)) == 0
