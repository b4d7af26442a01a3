"""Messages to segments, reminders, editable wording and the sent log."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import run_pending
from app.messages import services
from app.messages.services import Audience, queue_due_reminders
from app.models import MessageRecipient, OutboundEmail, Reminder

ORGANISER_ENDPOINTS = {
    "organiser.registrant",
    "organiser.act",
    "organiser.edit_registrant",
    "organiser.bulk",
    "messages.index",
    "messages.compose",
    "messages.message",
    "messages.sent",
    "messages.reminders",
    "messages.wording",
    "messages.reset_wording",
}


def test_the_new_routes_are_organiser_only_and_in_the_sweep(app):
    """tests/test_security.py walks every route; these must be among them, organisers only."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= ORGANISER_ENDPOINTS
    for endpoint in ORGANISER_ENDPOINTS:
        assert app.view_functions[endpoint].access == frozenset({"organiser"}), endpoint


def kinds_to(address: str) -> list[str]:
    return list(
        db.session.scalars(select(OutboundEmail.kind).where(OutboundEmail.to_address == address))
    )


@pytest.fixture
def people(make_gathering, make_registration):
    gathering = make_gathering()
    confirmed = [
        make_registration(gathering, name=f"Conf {n}", email=f"c{n}@example.org") for n in range(3)
    ]
    waiting = [
        make_registration(
            gathering, name=f"Wait {n}", email=f"w{n}@example.org", status="waitlisted"
        )
        for n in range(2)
    ]
    make_registration(gathering, name="Gone", email="gone@example.org", status="cancelled")
    return gathering, confirmed, waiting


def test_segments_count_exactly(people):
    gathering, confirmed, waiting = people
    assert services.count(gathering, Audience("confirmed")) == 3
    assert services.count(gathering, Audience("waitlisted")) == 2
    assert services.count(gathering, Audience("no_shows")) == 3
    assert services.count(gathering, Audience("attendees")) == 0
    room = gathering.breakouts[0]
    confirmed[0].assigned_breakout_id = room.id
    db.session.commit()
    assert services.count(gathering, Audience("room", room_id=room.id)) == 1
    picked = Audience("selected", selected=(confirmed[1].id, waiting[0].id))
    assert [p.name for p in services.recipients(gathering, picked)] == ["Conf 1", "Wait 0"]


def test_compose_previews_counts_then_sends_each_person_once(organiser_client, people):
    gathering, confirmed, waiting = people
    url = f"/organiser/g/{gathering.slug}/messages/new"
    form = {
        "segment": "waitlisted",
        "subject": "News for {name}",
        "body": "Hello again, **{name}**. Your link: {manage_link}\n\n<script>x</script>",
        "action": "preview",
    }
    page = organiser_client.post(url, data=form).get_data(as_text=True)
    assert "This emails 2 people" in page
    assert "Hello again, **Wait 0**" in page and "&lt;script&gt;" in page
    assert not kinds_to("w0@example.org")

    # The audience changed since the preview: nothing is sent.
    response = organiser_client.post(url, data={**form, "action": "send", "expected": "3"})
    assert response.status_code == 409
    assert not db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.kind == "message")
    ).all()

    response = organiser_client.post(url, data={**form, "action": "send", "expected": "2"})
    assert response.status_code == 303
    sent = db.session.scalars(select(OutboundEmail).where(OutboundEmail.kind == "message")).all()
    assert sorted(e.to_address for e in sent) == ["w0@example.org", "w1@example.org"]
    mail = next(e for e in sent if e.to_address == "w0@example.org")
    assert mail.subject.startswith("News for Wait 0")
    assert "/r/" in mail.text_body and "<script>" not in mail.html_body
    assert db.session.scalar(select(func.count()).select_from(MessageRecipient)) == 2
    log = organiser_client.get(f"/organiser/g/{gathering.slug}/messages/sent").get_data(
        as_text=True
    )
    assert "w1@example.org" in log and "Waiting to be sent" in log


def test_reminders_go_once_with_the_invite(app, make_gathering, make_registration):
    start = datetime.now(UTC) + timedelta(days=10)
    gathering = make_gathering(starts_at=start, ends_at=start + timedelta(hours=3))
    make_registration(gathering, email="r@example.org")
    make_registration(gathering, email="wait@example.org", status="waitlisted")
    services.schedule_default_reminders(gathering)
    db.session.commit()
    assert queue_due_reminders(now=start - timedelta(days=8)) == 0
    assert queue_due_reminders(now=start - timedelta(days=7)) == 1
    assert queue_due_reminders(now=start - timedelta(days=6)) == 0
    assert kinds_to("r@example.org") == ["reminder"]
    assert kinds_to("wait@example.org") == []
    mail = db.session.scalar(select(OutboundEmail).where(OutboundEmail.kind == "reminder"))
    assert "text/calendar" in mail.attachments_json and "/r/" in mail.text_body
    assert queue_due_reminders(now=start - timedelta(hours=20)) == 1
    assert queue_due_reminders(now=start + timedelta(hours=1)) == 0
    sent = db.session.scalars(select(Reminder.recipient_count).order_by(Reminder.id)).all()
    assert sent == [1, 1]


def test_editable_wording_replaces_the_opening_of_the_email(organiser_client, make_gathering):
    gathering = make_gathering()
    url = f"/organiser/g/{gathering.slug}/email-wording/confirmation"
    form = {
        "subject": "Welcome, {name}",
        "body": "See you on {date}, *{name}*.",
        "action": "preview",
    }
    page = organiser_client.post(url, data=form).get_data(as_text=True)
    assert "<em>Alex Example</em>" in page
    assert organiser_client.post(url, data={**form, "action": "save"}).status_code == 303
    response = organiser_client.post(
        f"/g/{gathering.slug}/register",
        data={
            "name": "Sam <b>",
            "email": "sam@example.org",
            "role": "nurse",
            "organisation_name": "Fraser Health",
            "organisation_type": "health_authority",
            "health_region": "fraser",
            "first_choice": str(gathering.breakouts[0].id),
            "consent_collection": "y",
        },
    )
    assert response.status_code in (302, 303)
    run_pending()  # the delivery job renders the recorded message with the wording
    mail = db.session.scalar(
        select(OutboundEmail).where(OutboundEmail.to_address == "sam@example.org")
    )
    assert mail.subject.startswith("Welcome, Sam <b>")
    assert "<em>Sam &lt;b&gt;</em>" in mail.html_body
    assert "See you on" in mail.text_body
    reset = organiser_client.post(f"{url}/reset")
    assert reset.status_code == 303
    assert "uses the standard wording" in organiser_client.get(url).get_data(as_text=True)


def test_reminder_days_are_checked(organiser_client, make_gathering):
    gathering = make_gathering()
    url = f"/organiser/g/{gathering.slug}/reminders"
    response = organiser_client.post(url, data={"days": "7, soon"})
    assert response.status_code == 422
    assert "Use whole numbers" in response.get_data(as_text=True)
    assert organiser_client.post(url, data={"days": "14, 2"}).status_code == 303
    days = db.session.scalars(select(Reminder.days_before).order_by(Reminder.days_before)).all()
    assert days == [2, 14]


def test_the_jobs_sweep_runs_the_reminders(app, make_gathering, make_registration):
    from app import jobs

    assert jobs.PERIODIC.count(queue_due_reminders) == 1
    assert len(set(jobs.PERIODIC)) == len(jobs.PERIODIC), "some work would run twice a sweep"
    with pytest.raises(ValueError, match="already run at every sweep"):
        jobs.every_sweep(queue_due_reminders)
    assert jobs.PERIODIC.count(queue_due_reminders) == 1
    start = datetime.now(UTC) + timedelta(hours=12)
    gathering = make_gathering(starts_at=start, ends_at=start + timedelta(hours=3))
    make_registration(gathering, email="sweep@example.org")
    services.schedule_default_reminders(gathering)
    db.session.commit()
    jobs.sweep(now=datetime.now(UTC))
    # Both were due (the gathering is in 12 hours): only the nearer one goes.
    assert kinds_to("sweep@example.org") == ["reminder"]
    jobs.sweep(now=datetime.now(UTC))
    assert kinds_to("sweep@example.org") == ["reminder"]
    sent = db.session.scalars(select(Reminder).order_by(Reminder.days_before)).all()
    assert [(r.days_before, r.recipient_count, r.sent_at is not None) for r in sent] == [
        (1, 1, True),
        (7, 0, True),
    ]
