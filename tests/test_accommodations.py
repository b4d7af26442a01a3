"""Accommodations, closed loop, with a real SMTP server on loopback: needs become
requests, are arranged, confirmed to the participant (only them, once, after the
organiser confirms), delivered, and evaluated by the survey's question to requesters
only; the facilitator's room view; the dashboard's to-do; the report's counts."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.accommodations import services
from app.breakouts.staffing import add_staff
from app.evaluation import links
from app.extensions import db
from app.facts import people as people_facts
from app.jobs import run_pending
from app.models import AccessLogEntry, OutboundEmail
from app.models.accommodations import AccommodationRequest
from app.outbound.mail import deliver_due
from app.reporting import services as reporting
from tests.conftest import login

pytest_plugins = ["tests.fixtures_mail", "tests.fixtures_evaluation"]

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)


@pytest.fixture
def app(tmp_path, smtp_server, mail_app_for):
    yield from mail_app_for(tmp_path, smtp_server)


def _kinds(registration) -> dict[str, AccommodationRequest]:
    rows = db.session.scalars(
        select(AccommodationRequest).where(AccommodationRequest.registration_id == registration.id)
    )
    return {row.kind: row for row in rows}


@pytest.fixture
def people(make_gathering, make_registration):
    gathering = make_gathering(title="Accessible gathering")
    room = gathering.breakouts[0]
    asks = make_registration(
        gathering,
        name="Dana Signer",
        email="dana@example.org",
        accessibility_needs="ASL interpretation and captions, please",
        assigned_breakout_id=room.id,
    )
    also = make_registration(
        gathering,
        name="Lee Reader",
        email="lee@example.org",
        accessibility_needs="Plain language slides before the day",
        assigned_breakout_id=room.id,
    )
    plain = make_registration(gathering, name="No Needs", email="none@example.org")
    return gathering, room, asks, also, plain


def test_needs_become_requests_arranged_and_confirmed_to_only_that_person_once(
    app, organiser_client, smtp_server, people
):
    gathering, _, asks, also, plain = people
    slug = gathering.slug
    page = organiser_client.get(f"/organiser/g/{slug}/accommodations").get_data(as_text=True)
    assert "3 needs are not a request yet" in page
    logged = db.session.scalars(select(AccessLogEntry)).all()
    assert [(line.what, line.gathering_id) for line in logged] == [("accommodations", gathering.id)]
    assert organiser_client.post(f"/organiser/g/{slug}/accommodations/bring-in").status_code == 303
    assert set(_kinds(asks)) == {"asl", "captions"} and set(_kinds(also)) == {"plain_language"}
    assert _kinds(plain) == {}
    organiser_client.post(f"/organiser/g/{slug}/accommodations/bring-in")  # twice: no copies
    assert db.session.query(AccommodationRequest).count() == 3

    asl = _kinds(asks)["asl"]
    blank = organiser_client.post(
        f"/organiser/g/{slug}/accommodations/{asl.id}/arrange",
        data={f"a{asl.id}-arrangement": "  ", f"a{asl.id}-arranged_by": "WAVCO"},
    )
    assert blank.status_code == 422 and "Say what was arranged" in blank.get_data(as_text=True)
    arranged = organiser_client.post(
        f"/organiser/g/{slug}/accommodations/{asl.id}/arrange",
        data={
            f"a{asl.id}-arrangement": "Two ASL interpreters <b>booked</b> for the whole day",
            f"a{asl.id}-arranged_by": "through WAVCO",
        },
    )
    assert arranged.status_code == 303
    db.session.refresh(asl)
    assert asl.status == "arranged" and asl.arranged_by == "through WAVCO"

    # The confirmation step names the one person, and shows the email, before anything
    # is sent; nothing changes until the organiser decides.
    confirm_url = f"/organiser/g/{slug}/accommodations/{asl.id}/confirm"
    step = organiser_client.post(confirm_url)
    text = step.get_data(as_text=True)
    assert step.status_code == 200
    assert "This will email 1 person" in text and "dana@example.org" in text
    assert "Two ASL interpreters &lt;b&gt;booked&lt;/b&gt;" in text
    kind = "accommodation_arranged"
    assert db.session.query(OutboundEmail).filter_by(kind=kind).count() == 0
    db.session.refresh(asl)
    assert asl.status == "arranged"
    sent = organiser_client.post(confirm_url, data={"announce": "send"})
    assert sent.status_code == 303
    again = organiser_client.post(confirm_url, data={"announce": "send"})
    assert again.status_code == 303
    run_pending()
    deliver_due(now=datetime.now(UTC))
    received = [m for m in smtp_server.inbox.messages if "arranged" in m["Subject"]]
    assert [m["To"] for m in received] == ["dana@example.org"]
    body = received[0].get_body(("plain",)).get_content()
    assert "Two ASL interpreters <b>booked</b> for the whole day" in body
    html = received[0].get_body(("html",)).get_content()
    assert "&lt;b&gt;booked" in html and "<b>booked" not in html
    db.session.refresh(asl)
    assert asl.status == "confirmed" and asl.confirmed_by_email

    # Told another way: confirmed, and nobody is emailed.
    plain_language = _kinds(also)["plain_language"]
    services.arrange(
        plain_language,
        what="Slides in plain language sent a week before",
        by_whom="",
        owner=None,
        now=NOW,
    )
    db.session.commit()
    organiser_client.post(
        f"/organiser/g/{slug}/accommodations/{plain_language.id}/confirm",
        data={"announce": "quiet"},
    )
    db.session.refresh(plain_language)
    assert plain_language.status == "confirmed" and not plain_language.confirmed_by_email
    assert db.session.query(OutboundEmail).filter_by(kind=kind).count() == 1

    # A request not yet arranged cannot be confirmed; delivered needs confirmed first.
    captions = _kinds(asks)["captions"]
    organiser_client.post(
        f"/organiser/g/{slug}/accommodations/{captions.id}/confirm", data={"announce": "send"}
    )
    assert db.session.query(OutboundEmail).filter_by(kind=kind).count() == 1
    with pytest.raises(services.AccommodationError):
        services.mark_delivered(captions, now=NOW)
    organiser_client.post(f"/organiser/g/{slug}/accommodations/{asl.id}/delivered")
    db.session.refresh(asl)
    assert asl.status == "delivered" and asl.delivered_at is not None


def test_facilitators_see_their_rooms_arrangements_without_names(app, people, make_user):
    gathering, room, asks, also, _ = people
    services.bring_in_needs(gathering)
    db.session.commit()
    asl = _kinds(asks)["asl"]
    services.arrange(
        asl, what="ASL interpreter pinned in the room", by_whom="WAVCO", owner=None, now=NOW
    )
    db.session.commit()
    facilitator = make_user("facilitator")
    add_staff(room, facilitator, "facilitator")
    client = app.test_client()
    login(client, facilitator)
    page = client.get(f"/breakouts/{room.id}/accommodations")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "ASL interpreter pinned in the room" in text
    assert "2 requests are not arranged yet" in text
    for name in ("Dana", "Lee", "dana@example.org"):
        assert name not in text
    assert "Not yet confirmed to the person" in text
    # On the day: once the person was told, the facilitator marks it delivered.
    services.confirm(asl, email=False, now=NOW)
    db.session.commit()
    assert (
        client.post(
            f"/breakouts/{room.id}/accommodations/delivered", data={"kind": "asl"}
        ).status_code
        == 303
    )
    db.session.refresh(asl)
    assert asl.status == "delivered"
    assert "Delivered" in client.get(f"/breakouts/{room.id}/accommodations").get_data(as_text=True)
    other_room = gathering.breakouts[1]
    assert client.get(f"/breakouts/{other_room.id}/accommodations").status_code == 403
    assert (
        client.post(
            f"/breakouts/{other_room.id}/accommodations/delivered", data={"kind": "asl"}
        ).status_code
        == 403
    )
    assert (
        client.post(f"/organiser/g/{gathering.slug}/accommodations/{asl.id}/delivered").status_code
        == 403
    )
    steering = app.test_client()
    login(steering, make_user("steering"))
    assert steering.get(f"/breakouts/{room.id}/accommodations").status_code == 403
    assert steering.get(f"/organiser/g/{gathering.slug}/accommodations").status_code == 403
    assert client.get(f"/organiser/g/{gathering.slug}/accommodations").status_code == 403


def test_the_dashboard_lists_requests_not_arranged_as_the_gathering_nears(
    app, organiser_client, people
):
    gathering, *_ = people
    far = gathering.starts_at - timedelta(days=40)
    near = gathering.starts_at - timedelta(days=5)
    assert services.to_do_count(gathering, now=far) == 0
    assert services.to_do_count(gathering, now=near) == 3
    services.bring_in_needs(gathering)
    db.session.commit()
    assert services.to_do_count(gathering, now=near) == 3
    gathering.starts_at = datetime.now(UTC) + timedelta(days=3)
    gathering.ends_at = gathering.starts_at + timedelta(hours=3)
    db.session.commit()
    dashboard = organiser_client.get(f"/organiser/g/{gathering.slug}/").get_data(as_text=True)
    assert "3 accommodation requests are not arranged yet" in dashboard


def test_the_survey_asks_only_requesters_whether_it_worked(
    app, client, past_gathering, open_survey, make_registration
):
    asks = make_registration(
        past_gathering, name="Asker", accessibility_needs="Live captions please"
    )
    other = make_registration(past_gathering, name="Other")
    services.bring_in_needs(past_gathering)
    request_row = _kinds(asks)["captions"]
    services.arrange(request_row, what="Live captions (CART)", by_whom="", owner=None, now=NOW)
    services.confirm(request_row, email=False, now=NOW)
    asked = links.ensure_invitation(open_survey, asks)
    not_asked = links.ensure_invitation(open_survey, other)
    db.session.commit()
    token = links.invitation_token(asked)
    page = client.get(f"/s/{token}").get_data(as_text=True)
    assert "Your accommodation" in page and "Live captions (CART)" in page
    other_page = client.get(f"/s/{links.invitation_token(not_asked)}").get_data(as_text=True)
    assert "Your accommodation" not in other_page
    refused = client.post(
        f"/s/{links.invitation_token(not_asked)}/accommodation",
        data={f"outcome_{request_row.id}": "did_not"},
    )
    assert refused.status_code == 303
    db.session.refresh(request_row)
    assert request_row.status == "confirmed", "another person cannot answer for them"
    answered = client.post(
        f"/s/{token}/accommodation",
        data={f"outcome_{request_row.id}": "worked", "comment": "Thank you"},
    )
    assert answered.status_code == 303
    db.session.refresh(request_row)
    assert (request_row.status, request_row.outcome) == ("evaluated", "worked")
    assert "Your accommodation" not in client.get(f"/s/{token}").get_data(as_text=True)


def _requests_reaching(gathering, make_registration, *, requested, arranged, evaluated, worked):
    people = [
        make_registration(gathering, accessibility_needs="captions") for _ in range(requested)
    ]
    services.bring_in_needs(gathering)
    for index, registration in enumerate(people):
        row = _kinds(registration)["captions"]
        if index < arranged:
            services.arrange(row, what="Captions on", by_whom="", owner=None, now=NOW)
            services.confirm(row, email=False, now=NOW)
        if index < evaluated:
            services.mark_delivered(row, now=NOW)
            outcome = "worked" if index < worked else "partly"
            services.record_outcomes(registration, {row.id: outcome}, comment="", now=NOW)
    db.session.commit()


def _report_column(html: str) -> list[str]:
    part = html[html.index('id="accommodations"') :]
    part = part[: part.index("</table>")]
    return [cell.split("<")[0] for cell in part.split('<td class="num">')[1:]]


@pytest.mark.parametrize(
    ("reached", "shareable"),
    [
        ((20, 14, 9, 3), ["20", "14", "9", "&lt;5"]),
        # 7 after 9 and 5 after 6 would give small differences away: hidden as "x".
        ((9, 7, 6, 5), ["9", "x", "x", "x"]),
    ],
)
def test_report_counts_equal_the_requests_statuses(
    app, make_gathering, make_registration, reached, shareable
):
    gathering = make_gathering(title="Counted gathering")
    requested, arranged, evaluated, worked = reached
    _requests_reaching(
        gathering,
        make_registration,
        requested=requested,
        arranged=arranged,
        evaluated=evaluated,
        worked=worked,
    )
    assert people_facts.accommodation_counts(gathering.id) == {
        "requested": requested,
        "arranged": arranged,
        "evaluated": evaluated,
        "worked": worked,
    }
    committee = reporting.build_report(gathering, variant="committee", now=NOW).html
    assert _report_column(committee) == [str(n) for n in reached]
    shared = reporting.build_report(gathering, variant="shareable", now=NOW).html
    assert _report_column(shared) == shareable
