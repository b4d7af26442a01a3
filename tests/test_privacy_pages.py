"""The privacy pages: who looked at personal data (written by the routes that show or
export it), the organisers' retention page, and a participant's own data and erasure
request from their private page."""

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AccessLogEntry, Community, ErasureLogEntry, Registration
from app.outbound.manage_tokens import find_registration_by_token
from tests.conftest import login


def _log() -> list[tuple[str, int, str]]:
    return [
        (entry.what, entry.people, entry.detail)
        for entry in db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id))
    ]


def test_views_and_exports_of_personal_data_are_logged(
    organiser_client, organiser, make_gathering, make_registration
):
    gathering = make_gathering()
    people = [make_registration(gathering, name=f"Logged {n}") for n in range(3)]
    people[0].accessibility_needs = "Captions"
    db.session.commit()
    base = f"/organiser/g/{gathering.slug}"
    assert (
        organiser_client.get(f"{base}/registrants?q=Logged+1&status=confirmed").status_code == 200
    )
    assert organiser_client.get(f"{base}/registrants.csv").status_code == 200
    assert organiser_client.get(f"{base}/registrants.xlsx").status_code == 200
    assert organiser_client.get(f"{base}/registrants/{people[0].id}").status_code == 200
    assert organiser_client.get(f"{base}/registrants/{people[1].id}").status_code == 200
    assert _log() == [
        ("registrant_list", 1, "page 1; searched, status=confirmed"),
        ("export_csv", 3, "everyone"),
        ("export_xlsx", 3, "everyone"),
        ("accessibility", 1, f"registration {people[0].id}"),
        ("registrant", 1, f"registration {people[1].id}"),
    ]
    entries = db.session.scalars(select(AccessLogEntry)).all()
    assert {(e.user_id, e.gathering_id) for e in entries} == {(organiser.id, gathering.id)}
    page = organiser_client.get("/organiser/privacy/access-log").get_data(as_text=True)
    assert "Registrant export (CSV)" in page and "Logged 1" not in page
    assert "searched, status=confirmed" in page
    assert (organiser.name or organiser.email) in page


def test_the_access_log_is_for_organisers_only(app, make_user):
    for role in ("facilitator", "steering"):
        client = app.test_client()
        login(client, make_user(role))
        assert client.get("/organiser/privacy/access-log").status_code == 403
        assert client.get("/organiser/privacy").status_code == 403


def test_organisers_set_a_communitys_retention(organiser_client, make_gathering):
    community = Community(name="Rural CoP", slug="rural")
    db.session.add(community)
    db.session.commit()
    page = organiser_client.get("/organiser/privacy").get_data(as_text=True)
    assert "Rural CoP" in page and 'value="24"' in page
    url = f"/organiser/privacy/communities/{community.id}"
    prefix = f"c{community.id}-"
    for junk in ("0", "121", "twelve", ""):
        response = organiser_client.post(
            url, data={prefix + "retention_months": junk, prefix + "erasure_requests": "organiser"}
        )
        assert response.status_code == 422
        assert "Enter a number of months" in response.get_data(as_text=True)
    db.session.refresh(community)
    assert community.retention_months == 24
    response = organiser_client.post(
        url, data={prefix + "retention_months": "6", prefix + "erasure_requests": "automatic"}
    )
    assert response.status_code == 303
    db.session.refresh(community)
    assert (community.retention_months, community.erasure_requests) == (6, "automatic")


def test_the_dry_run_page_shows_when_each_gathering_is_erased(
    organiser_client, make_gathering, make_registration
):
    past = datetime.now(UTC) - timedelta(days=800)
    old = make_gathering(title="Long ago", starts_at=past, ends_at=past + timedelta(hours=3))
    make_registration(old)
    make_gathering(title="Coming up")
    page = organiser_client.get("/organiser/privacy").get_data(as_text=True)
    assert "Long ago" in page and "Due now" in page and "Coming up" in page
    assert db.session.scalar(select(Registration.erased_at)) is None  # only shown


def test_a_participant_sees_and_downloads_everything_held(
    client, make_gathering, make_registration
):
    gathering = make_gathering()
    person = make_registration(
        gathering,
        name="Ottoline <b>Quist</b>",
        accessibility_needs="Captions",
        territory="Lekwungen",
        indigenous_identity="metis",
    )
    manage = client.get(f"/r/{person.token}").get_data(as_text=True)
    assert f"/r/{person.token}/my-data" in manage and f"/r/{person.token}/erase" in manage
    page = client.get(f"/r/{person.token}/my-data")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Ottoline &lt;b&gt;Quist&lt;/b&gt;" in text and "Lekwungen" in text and "Métis" in text
    response = client.get(f"/r/{person.token}/my-data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    mine = data["Your registration"]
    assert mine["Name"] == "Ottoline <b>Quist</b>" and mine["Email address"] == person.email
    assert mine["Accessibility or accommodation needs"] == "Captions"
    assert data["Private links"]["Working private links to your registration page"] == 1
    assert data["How long we keep it"]["Months after the gathering"] == 24
    assert person.token not in response.get_data(as_text=True)
    assert client.get("/r/" + "A" * 43 + "/my-data.json").status_code == 404


def test_an_erasure_request_before_the_gathering_cancels_and_waits_for_an_organiser(
    client, organiser, make_gathering, make_registration
):
    gathering = make_gathering(capacity=1)
    person = make_registration(gathering, name="Wants Out")
    waiting = make_registration(gathering, name="Next In Line", status="waitlisted")
    page = client.get(f"/r/{person.token}/erase").get_data(as_text=True)
    assert "cancels your registration" in page and "An organiser confirms" in page
    response = client.post(f"/r/{person.token}/erase")
    assert response.status_code == 303
    db.session.expire_all()
    assert person.status == "cancelled" and person.erasure_requested_at is not None
    assert person.erased_at is None and waiting.status == "confirmed"
    again = client.post(f"/r/{person.token}/erase", follow_redirects=True)
    assert "already asked" in again.get_data(as_text=True)

    organiser_client = client.application.test_client()
    login(organiser_client, organiser)
    page = organiser_client.get("/organiser/privacy").get_data(as_text=True)
    assert "Wants Out" in page
    assert ("erasure_requests", 1, "the privacy page") in _log()
    response = organiser_client.post(f"/organiser/privacy/requests/{person.id}/erase")
    assert response.status_code == 303
    db.session.expire_all()
    assert person.erased_at is not None and person.name == "Erased registrant"
    assert find_registration_by_token(person.token) is None
    log = db.session.scalars(select(ErasureLogEntry)).all()
    assert [(e.reason, e.people, e.actor_id) for e in log] == [("request", 1, organiser.id)]
    page = organiser_client.get("/organiser/privacy").get_data(as_text=True)
    assert "Wants Out" not in page and "Participant&#39;s request" in page


def test_an_erasure_request_after_the_gathering_can_be_automatic(
    client, make_gathering, make_registration
):
    community = Community(name="Auto", slug="auto", erasure_requests="automatic")
    db.session.add(community)
    past = datetime.now(UTC) - timedelta(days=3)
    gathering = make_gathering(
        community=community, starts_at=past, ends_at=past + timedelta(hours=3)
    )
    person = make_registration(gathering, name="Erase Me Now")
    response = client.post(f"/r/{person.token}/erase")
    assert response.status_code == 303 and response.headers["Location"].endswith("/erased")
    db.session.expire_all()
    assert person.erased_at is not None and person.status == "confirmed"
    assert client.get(f"/r/{person.token}").status_code == 404
    assert "Your data is erased" in client.get("/erased").get_data(as_text=True)


def test_an_automatic_request_before_the_end_waits_for_the_sweep(
    client, make_gathering, make_registration
):
    from app.privacy.retention import sweep_retention

    community = Community(name="Auto", slug="auto2", erasure_requests="automatic")
    db.session.add(community)
    gathering = make_gathering(community=community)
    person = make_registration(gathering, name="Erase Me Later")
    client.post(f"/r/{person.token}/erase")
    db.session.expire_all()
    assert person.erased_at is None and person.status == "cancelled"
    assert sweep_retention(now=gathering.ends_at - timedelta(minutes=1)) == 0
    assert sweep_retention(now=gathering.ends_at) == 1
    db.session.expire_all()
    assert person.erased_at is not None


def test_the_collection_notice_states_the_period(client, make_gathering):
    community = Community(name="Short", slug="short", retention_months=18)
    db.session.add(community)
    gathering = make_gathering(community=community)
    page = client.get(f"/g/{gathering.slug}/register").get_data(as_text=True)
    assert "18 months after the gathering we erase" in page


def test_contributors_pages_and_the_finance_export_are_logged(organiser_client, make_gathering):
    from app.models.contributors import Contributor

    gathering = make_gathering()
    contributor = Contributor(gathering_id=gathering.id, name="Paid Speaker", role="speaker")
    db.session.add(contributor)
    db.session.commit()
    base = f"/organiser/g/{gathering.slug}/contributors"
    assert organiser_client.get(base).status_code == 200
    assert organiser_client.get(f"{base}/{contributor.id}").status_code == 200
    assert organiser_client.get(f"{base}/finance.csv").status_code == 200
    assert _log() == [
        ("contributors", 1, ""),
        ("contributor", 1, f"contributor {contributor.id}"),
        ("finance_csv", 1, ""),
    ]


def test_needs_certificates_outreach_and_feedback_views_are_logged(
    organiser_client, make_gathering, make_registration
):
    from app.models.accommodations import AccessibilityFeedback, AccommodationRequest

    gathering = make_gathering()
    person = make_registration(gathering, accessibility_needs="Captions")
    db.session.add(
        AccommodationRequest(gathering_id=gathering.id, registration_id=person.id, kind="captions")
    )
    db.session.add(AccessibilityFeedback(barrier="Low contrast", name="Told Us", contact=""))
    db.session.commit()
    for path in (
        f"/organiser/g/{gathering.slug}/accommodations",
        f"/community/g/{gathering.slug}/certificates",
        f"/community/g/{gathering.slug}/outreach.csv",
        "/organiser/accessibility-feedback",
    ):
        assert organiser_client.get(path).status_code == 200, path
    assert [(what, people) for what, people, _ in _log()] == [
        ("accommodations", 1),
        ("certificates", 0),
        ("outreach_csv", 0),
        ("accessibility_feedback", 1),
    ]


def test_someone_waiting_for_erasure_is_contacted_no_more(
    client, make_gathering, make_registration
):
    from app.reach import reachable_registrations

    past = datetime.now(UTC) - timedelta(days=2)
    gathering = make_gathering(starts_at=past, ends_at=past + timedelta(hours=3))
    stays = make_registration(gathering, name="Stays")
    leaves = make_registration(gathering, name="Waits For Erasure")
    assert client.post(f"/r/{leaves.token}/erase").status_code == 303
    db.session.expire_all()
    assert leaves.erased_at is None and leaves.erasure_requested_at is not None
    reached = db.session.scalars(reachable_registrations(gathering.id)).all()
    assert [r.name for r in reached] == [stays.name]
    assert client.get(f"/r/{leaves.token}").status_code == 200  # their own page still opens
