"""The message composer cannot embarrass anyone: unknown placeholders are refused beside
the field, the preview is the delivered email word for word (nothing added that the page
does not show and let the organiser switch off), a test goes to the organiser alone,
templates are saved and reused, and a scheduled message goes at its time unless it was
cancelled. With a real SMTP server on loopback."""

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.messages import services
from app.models import Message, MessageTemplate, OutboundEmail
from app.outbound.mail import deliver_due

pytest_plugins = ["tests.fixtures_mail"]


@pytest.fixture
def app(tmp_path, smtp_server, mail_app_for):
    yield from mail_app_for(tmp_path, smtp_server)


@pytest.fixture
def room_of_two(make_gathering, make_registration):
    gathering = make_gathering()
    people = [
        make_registration(gathering, name=name, email=f"{name.split()[0].lower()}@example.org")
        for name in ("Ada Lovelace", "Bea Moss")
    ]
    db.session.query(OutboundEmail).delete()
    db.session.commit()
    return gathering, people


def url(gathering) -> str:
    return f"/organiser/g/{gathering.slug}/messages/new"


def shown(page: str, marker: str) -> str:
    found = re.search(rf"<[^>]*{marker}[^>]*>(.*?)</(?:span|pre)>", page, re.S)
    assert found, f"no {marker} on the page"
    return html.unescape(found.group(1))


def participant_emails() -> list[OutboundEmail]:
    return list(
        db.session.scalars(select(OutboundEmail).where(OutboundEmail.registration_id.is_not(None)))
    )


def test_an_unknown_placeholder_is_refused_beside_the_field(organiser_client, room_of_two):
    gathering, _ = room_of_two
    form = {
        "segment": "confirmed",
        "subject": "Your room: {breakout}",
        "body": "Hello {Name}, join at {join_link}.",
        "action": "send",
        "expected": "2",
    }
    response = organiser_client.post(url(gathering), data=form)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Unknown placeholder {breakout}. The placeholders are {name}, {gathering}," in page
    assert "Unknown placeholders {Name}, {join_link}." in page
    assert "Send to 2 people" not in page and 'value="Your room: {breakout}"' in page
    assert not participant_emails() and not db.session.scalars(select(Message)).all()


def test_the_preview_is_the_delivered_message(organiser_client, room_of_two, smtp_server):
    gathering, (ada, _bea) = room_of_two
    form = {
        "segment": "confirmed",
        "subject": "A note for {name}",
        "body": "Hello {name},\n\nThe room link is below. See you on {date}.",
        "action": "preview",
    }
    page = organiser_client.post(url(gathering), data=form).get_data(as_text=True)
    subject, text = shown(page, "data-preview-subject"), shown(page, "data-preview-text")
    # Nothing silently added: the greeting typed once, the subject as written.
    assert subject == "A note for Ada Lovelace"
    assert text.count("Hello Ada Lovelace,") == 1 and text.startswith("Hello Ada Lovelace,")

    response = organiser_client.post(
        url(gathering), data={**form, "action": "send", "expected": "2"}
    )
    assert response.status_code == 303
    deliver_due(now=datetime.now(UTC))
    delivered = next(m for m in smtp_server.inbox.messages if m["To"] == ada.email)
    assert delivered["Subject"] == subject
    body = delivered.get_body(("plain",)).get_content().replace("\r\n", "\n")
    stand_in = services.PREVIEW_LINK_TOKEN
    real = re.search(r"/r/([A-Za-z0-9_-]{20,})", body).group(1)
    assert body.strip() == text.replace(stand_in, real).strip()


def test_the_greeting_and_title_are_added_only_when_ticked(organiser_client, room_of_two):
    gathering, _ = room_of_two
    form = {
        "segment": "confirmed",
        "subject": "News",
        "body": "The agenda is ready.",
        "action": "preview",
        "greeting": "y",
        "title_in_subject": "y",
    }
    page = organiser_client.post(url(gathering), data=form).get_data(as_text=True)
    assert shown(page, "data-preview-subject") == f"News: {gathering.title}"
    assert shown(page, "data-preview-text").startswith(
        "Hello Ada Lovelace,\n\nThe agenda is ready."
    )


def test_a_test_send_reaches_only_the_organiser(
    organiser_client, organiser, room_of_two, smtp_server
):
    gathering, _ = room_of_two
    form = {
        "segment": "confirmed",
        "subject": "Checking {name}",
        "body": "Just checking.",
        "action": "test",
    }
    response = organiser_client.post(url(gathering), data=form)
    assert response.status_code == 200
    deliver_due(now=datetime.now(UTC))
    assert [m["To"] for m in smtp_server.inbox.messages] == [organiser.email]
    assert smtp_server.inbox.messages[0]["Subject"] == "Checking Ada Lovelace"
    assert not participant_emails() and not db.session.scalars(select(Message)).all()


def test_a_saved_template_fills_the_composer_again(organiser_client, room_of_two):
    gathering, _ = room_of_two
    form = {
        "segment": "confirmed",
        "subject": "Survey reminder for {name}",
        "body": "Please tell us how it went.",
        "greeting": "y",
        "template_name": "Survey nudge",
        "action": "save_template",
    }
    assert organiser_client.post(url(gathering), data=form).status_code == 200
    template = db.session.scalars(select(MessageTemplate)).one()
    assert template.name == "Survey nudge" and template.greeting is True
    page = organiser_client.get(url(gathering), query_string={"template": template.id})
    text = page.get_data(as_text=True)
    assert 'value="Survey reminder for {name}"' in text and "Please tell us how it went." in text
    assert not participant_emails()


def test_a_scheduled_message_goes_at_its_time_and_not_once_cancelled(
    organiser_client, room_of_two, smtp_server
):
    gathering, people = room_of_two
    soon = datetime.now(UTC) + timedelta(hours=2)
    when = soon.astimezone(ZoneInfo(gathering.timezone)).strftime("%Y-%m-%dT%H:%M")
    form = {
        "segment": "confirmed",
        "subject": "Later news",
        "body": "It is time.",
        "send_at": when,
        "action": "send",
        "expected": "2",
    }
    assert organiser_client.post(url(gathering), data=form).status_code == 303
    assert organiser_client.post(url(gathering), data=form).status_code == 303
    first, second = db.session.scalars(select(Message).order_by(Message.id)).all()
    assert first.status == second.status == "scheduled" and not participant_emails()
    cancel = f"/organiser/g/{gathering.slug}/messages/{second.id}/cancel"
    assert organiser_client.post(cancel).status_code == 303

    assert services.send_scheduled_messages(now=soon - timedelta(minutes=5)) == 0
    assert not participant_emails()
    assert services.send_scheduled_messages(now=soon + timedelta(minutes=1)) == 1
    assert services.send_scheduled_messages(now=soon + timedelta(minutes=2)) == 0
    deliver_due(now=soon + timedelta(minutes=3))
    assert sorted(m["To"] for m in smtp_server.inbox.messages) == sorted(p.email for p in people)
    db.session.expire_all()
    assert first.status == "sent" and second.status == "cancelled"
    page = organiser_client.get(f"/organiser/g/{gathering.slug}/messages/{second.id}")
    assert "Cancelled before it was sent" in page.get_data(as_text=True)
