"""Nothing reaches a participant without the organiser's decision: every action that
would email people first shows "This will email N people" with an example and saves
nothing; "send" queues exactly one email per person, "save without emailing" none (the
calendar SEQUENCE rises all the same); quick changes in a row reach each person once.
Through HTTP, with a real SMTP server on loopback."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import run_pending
from app.models import Job, OutboundEmail
from app.outbound.mail import deliver_due

pytest_plugins = ["tests.fixtures_mail", "tests.fixtures_evaluation"]


@pytest.fixture
def app(tmp_path, smtp_server, mail_app_for):
    yield from mail_app_for(tmp_path, smtp_server)


def after_the_hold() -> datetime:
    return datetime.now(UTC) + timedelta(minutes=6)


def queued(kind: str | None = None) -> int:
    query = select(func.count(OutboundEmail.id))
    if kind:
        query = query.where(OutboundEmail.kind == kind)
    return db.session.scalar(query)


def jobs() -> int:
    return db.session.scalar(select(func.count(Job.id)))


def deliver_everything() -> None:
    run_pending()  # jobs write the updates
    deliver_due(now=after_the_hold())


def received(smtp_server, subject: str) -> list[str]:
    return sorted(m["To"] for m in smtp_server.inbox.messages if m["Subject"].startswith(subject))


def local(moment: datetime, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def zone_of(gathering):
    return ZoneInfo(gathering.timezone)


def item_form(item, **changes) -> dict:
    zone = zone_of(item.gathering)
    form = {
        "kind": item.kind,
        "title": item.title,
        "presenter": item.presenter or "",
        "description": item.description or "",
        "priority_area": item.priority_area or "",
        "starts_at": local(item.starts_at, zone),
        "ends_at": local(item.ends_at, zone),
        "room_url": item.room_url or "",
        "capacity": "" if item.capacity is None else str(item.capacity),
    }
    form.update(changes)
    return form


@pytest.fixture
def three_people(make_gathering, make_registration, smtp_server):
    gathering = make_gathering()
    people = [
        make_registration(gathering, name=f"Person {n}", email=f"p{n}@example.org")
        for n in range(3)
    ]
    db.session.query(OutboundEmail).delete()
    db.session.commit()
    return gathering, people


def test_an_agenda_change_asks_first_and_sends_one_email_each(
    organiser_client, three_people, smtp_server
):
    gathering, people = three_people
    welcome = gathering.agenda_items[0]
    sequence = gathering.calendar_sequence
    url = f"/organiser/g/{gathering.slug}/agenda/{welcome.id}/edit"
    form = item_form(welcome, title="Welcome and opening")

    page = organiser_client.post(url, data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This will email 3 people" in html
    assert "Updated schedule" in html and "p0@example.org" in html  # the rendered example
    assert "Welcome and opening" in html  # the example shows the change
    db.session.expire_all()
    assert welcome.title == "Welcome" and gathering.calendar_sequence == sequence
    assert queued() == 0 and jobs() == 0

    response = organiser_client.post(url, data={**form, "announce": "send"})
    assert response.status_code == 303
    db.session.expire_all()
    assert welcome.title == "Welcome and opening" and gathering.calendar_sequence == sequence + 1
    deliver_everything()
    assert received(smtp_server, "Updated schedule") == [p.email for p in people]
    outbox = organiser_client.get("/organiser/outbox?show=sent").get_data(as_text=True)
    assert outbox  # the page renders; causes are checked on the waiting list below


def test_saving_without_emailing_queues_nothing_and_still_raises_the_sequence(
    organiser_client, client, three_people, smtp_server
):
    gathering, people = three_people
    welcome = gathering.agenda_items[0]
    sequence, item_sequence = gathering.calendar_sequence, welcome.sequence
    url = f"/organiser/g/{gathering.slug}/agenda/{welcome.id}/edit"
    moved = welcome.starts_at + timedelta(minutes=5)
    form = item_form(welcome, starts_at=local(moved, zone_of(gathering)))
    response = organiser_client.post(url, data={**form, "announce": "quiet"})
    assert response.status_code == 303
    db.session.expire_all()
    assert gathering.calendar_sequence == sequence + 1 and welcome.sequence == item_sequence + 1
    deliver_everything()
    assert queued() == 0 and jobs() == 0 and not smtp_server.inbox.messages
    feed = client.get(f"/g/{gathering.slug}/calendar.ics").get_data(as_text=True)
    assert f"SEQUENCE:{welcome.sequence}" in feed


def test_three_quick_time_changes_reach_each_person_once(
    organiser_client, three_people, smtp_server
):
    gathering, people = three_people
    welcome = gathering.agenda_items[0]
    url = f"/organiser/g/{gathering.slug}/agenda/{welcome.id}/edit"
    start = welcome.starts_at
    for minutes in (5, 10, 15):
        moved = start + timedelta(minutes=minutes)
        form = item_form(welcome, starts_at=local(moved, zone_of(gathering)))
        assert organiser_client.post(url, data={**form, "announce": "send"}).status_code == 303
        run_pending()  # each change's job runs at once: its updates replace the earlier ones
        db.session.expire_all()
    assert queued("schedule_changed") == 3  # one waiting update each, not nine
    page = organiser_client.get("/organiser/outbox?show=waiting").get_data(as_text=True)
    assert "“Welcome” changed by" in page  # the action that caused each one
    deliver_due(now=after_the_hold())
    assert received(smtp_server, "Updated schedule") == [p.email for p in people]
    message = next(m for m in smtp_server.inbox.messages if m["To"] == people[0].email)
    final = (start + timedelta(minutes=15)).astimezone(zone_of(gathering))
    assert final.strftime("%-I:%M") in message.get_body(("plain",)).get_content()


def test_removing_an_item_asks_first(organiser_client, three_people, smtp_server):
    gathering, people = three_people
    closing = gathering.agenda_items[-1]
    url = f"/organiser/g/{gathering.slug}/agenda/{closing.id}/remove"
    page = organiser_client.post(url, data={})
    assert page.status_code == 200 and "This will email 3 people" in page.get_data(as_text=True)
    db.session.expire_all()
    assert closing.removed_at is None and queued() == 0 and jobs() == 0
    assert organiser_client.post(url, data={"announce": "send"}).status_code == 303
    deliver_everything()
    assert received(smtp_server, "Agenda change") == [p.email for p in people]


def test_a_new_time_for_the_gathering_asks_first(organiser_client, three_people, smtp_server):
    from tests.test_organiser import GATHERING_FORM

    gathering, people = three_people
    zone = zone_of(gathering)
    form = {
        **GATHERING_FORM,
        "title": gathering.title,
        "slug": gathering.slug,
        "starts_at": local(gathering.starts_at + timedelta(minutes=30), zone),
        "ends_at": local(gathering.ends_at, zone),
        "capacity": "",
    }
    url = f"/organiser/g/{gathering.slug}/edit"
    page = organiser_client.post(url, data=form)
    assert page.status_code == 200 and "This will email 3 people" in page.get_data(as_text=True)
    assert queued() == 0 and jobs() == 0
    assert organiser_client.post(url, data={**form, "announce": "send"}).status_code == 303
    deliver_everything()
    assert received(smtp_server, "Updated schedule") == [p.email for p in people]


def test_rooms_that_match_the_confirmation_email_nobody(
    organiser_client, make_gathering, make_registration, smtp_server
):
    gathering = make_gathering()
    room, other = gathering.breakouts[0], gathering.breakouts[1]
    kept = [make_registration(gathering, first_choice_id=room.id) for _ in range(3)]
    moved = make_registration(gathering, first_choice_id=other.id)
    other.capacity = 0
    db.session.query(OutboundEmail).delete()
    db.session.commit()
    url = f"/organiser/g/{gathering.slug}/breakouts/assign"
    page = organiser_client.post(url, data={"mode": "all"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "This will email 1 person" in html
    assert moved.email in html and queued() == 0
    assert organiser_client.post(url, data={"mode": "all", "announce": "send"}).status_code == 303
    deliver_everything()
    assert received(smtp_server, "Your breakout room") == [moved.email]
    db.session.expire_all()
    assert all(person.assigned_breakout_id == room.id for person in kept)


def test_an_organiser_cancellation_asks_first_then_emails_both_people(
    organiser_client, make_gathering, make_registration, smtp_server
):
    gathering = make_gathering(capacity=1)
    first = make_registration(gathering, email="first@example.org")
    waiting = make_registration(gathering, email="waiting@example.org", status="waitlisted")
    db.session.query(OutboundEmail).delete()
    db.session.commit()
    url = f"/organiser/g/{gathering.slug}/registrants/{first.id}/act"
    page = organiser_client.post(url, data={"action": "cancel"})
    assert "This will email 2 people" in page.get_data(as_text=True) and queued() == 0
    assert (
        organiser_client.post(url, data={"action": "cancel", "announce": "send"}).status_code == 303
    )
    deliver_everything()
    assert received(smtp_server, "Your registration is cancelled") == [first.email]
    assert received(smtp_server, "A place opened") == [waiting.email]


def test_survey_invitations_are_shown_before_they_are_queued(
    organiser_client, open_survey, make_registration, attend, smtp_server
):
    gathering = open_survey.gathering
    attendees = [make_registration(gathering, email=f"a{n}@example.org") for n in range(2)]
    for person in attendees:
        attend(gathering, person)
    db.session.query(OutboundEmail).delete()
    db.session.commit()
    url = f"/organiser/g/{gathering.slug}/survey/invite"
    form = {"audience": "attendees"}
    page = organiser_client.post(url, data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "This will email 2 people" in html
    assert "Tell us how it went" in html and "without emailing" not in html
    assert queued() == 0
    assert organiser_client.post(url, data={**form, "announce": "send"}).status_code == 303
    deliver_due(now=datetime.now(UTC))
    assert received(smtp_server, "Tell us how it went") == [p.email for p in attendees]
