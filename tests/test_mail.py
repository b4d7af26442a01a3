"""The outbox and its delivery, against a real SMTP server on 127.0.0.1."""

import threading
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.utils import getaddresses, parseaddr

import icalendar
import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.models import MailStatus, OutboundEmail
from app.outbound.mail import (
    Attachment,
    _claim,
    _ShortHeadersAsTheyAre,
    build_message,
    deliver_due,
    queue_email,
    retry,
    retry_failed_now,
)

pytest_plugins = ["tests.fixtures_mail"]

NOW = datetime(2026, 11, 1, 17, 0, tzinfo=UTC)
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
    b"BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20261101T170000Z\r\nDTSTART:20261120T170000Z\r\n"
    b"SUMMARY:Caf\xc3\xa9\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture
def app(tmp_path, smtp_server, mail_app_for):
    yield from mail_app_for(tmp_path, smtp_server)


def queue(**overrides) -> OutboundEmail:
    values = {
        "to": "amara@example.org",
        "subject": "You are registered: Gathering",
        "text": "Hello Amara,\nSee you there. Métis café ✓\n",
        "html": "<p>Hello <strong>Amara</strong>, Métis café ✓</p>",
        "attachments": [Attachment("invite.ics", ICS, "text/calendar; method=REQUEST")],
        "kind": "registration_confirmed",
        "now": NOW,
    }
    values.update(overrides)
    email = queue_email(**values)
    db.session.commit()
    return email


def test_queued_email_is_delivered_with_text_html_and_calendar_parts(app, smtp_server):
    email = queue()
    assert email.status == MailStatus.QUEUED
    report = deliver_due(now=NOW)
    assert (report.sent, report.failed, report.gave_up) == (1, 0, 0)

    (envelope,) = smtp_server.inbox.envelopes
    assert envelope.rcpt_tos == ["amara@example.org"]
    assert envelope.mail_from == "cop@gathering.test"
    (message,) = smtp_server.inbox.messages
    assert message["Subject"] == "You are registered: Gathering"
    assert message["Message-ID"] == email.message_id
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/mixed"
    alternative = message.get_payload()[0]
    assert alternative.get_content_type() == "multipart/alternative"
    text, html, calendar = alternative.get_payload()
    assert text.get_content_type() == "text/plain"
    assert "Métis café ✓" in text.get_content()
    assert html.get_content_type() == "text/html"
    assert "<strong>Amara</strong>" in html.get_content()
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_payload(decode=True) == ICS
    attachment = message.get_payload()[1]
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_payload(decode=True) == ICS
    parsed = icalendar.Calendar.from_ical(calendar.get_payload(decode=True))
    assert str(parsed.walk("VEVENT")[0]["SUMMARY"]) == "Café"
    assert vobject.readOne(calendar.get_payload(decode=True).decode()).vevent.uid.value == "u1"

    db.session.refresh(email)
    assert email.status == MailStatus.SENT
    assert email.sent_at == NOW
    assert email.attempts == 1
    assert deliver_due(now=NOW + timedelta(hours=1)).sent == 0
    assert len(smtp_server.inbox.envelopes) == 1


@pytest.mark.parametrize(
    ("sender", "to"),
    [
        ("Perinatal CoP <cop@gathering.test>", "amara@example.org"),
        ('"Perinatal, CoP" <cop@gathering.test>', "o'neill+cop@example.org"),
        ("Équipe périnatale <cop@gathering.test>", "first.last@sub.example.org"),
        ("cop@gathering.test", "a@b.org"),
    ],
)
def test_the_envelope_given_is_the_one_smtplib_would_read_from_the_headers(
    app, smtp_server, sender, to
):
    app.config["MAIL_DEFAULT_SENDER"] = sender
    queue(to=to)
    deliver_due(now=NOW)
    (envelope,) = smtp_server.inbox.envelopes
    (message,) = smtp_server.inbox.messages
    from_header = str(make_header(decode_header(message["From"])))
    assert envelope.mail_from == getaddresses([from_header])[0][1] == parseaddr(sender)[1]
    assert envelope.rcpt_tos == [address for _, address in getaddresses([message["To"]])]
    assert envelope.rcpt_tos == [to]


def test_subject_and_address_cannot_inject_headers(app, smtp_server):
    queue(subject="Hello\r\nBcc: victim@example.org", reply_to="a@b.org\nX-Evil: 1")
    with pytest.raises(ValueError, match="not an email address"):
        queue_email(to="a@b.org\r\nBcc: x@y.org", subject="s", text="", html="", kind="test")
    deliver_due(now=NOW)
    (message,) = smtp_server.inbox.messages
    assert message["Subject"] == "Hello Bcc: victim@example.org"
    assert message["Bcc"] is None
    assert message["X-Evil"] is None
    assert smtp_server.inbox.envelopes[0].rcpt_tos == ["amara@example.org"]


def test_failed_delivery_backs_off_exponentially_then_gives_up(app, smtp_server):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    smtp_server.stop()
    email = queue()

    report = deliver_due(now=NOW)
    assert (report.sent, report.failed) == (0, 1)
    db.session.refresh(email)
    assert email.status == MailStatus.FAILED
    assert email.attempts == 1
    assert email.next_attempt_at == NOW + timedelta(seconds=60)
    assert "Connection" in email.last_error or "refused" in email.last_error.lower()

    assert deliver_due(now=NOW + timedelta(seconds=59)).failed == 0
    assert deliver_due(now=NOW + timedelta(seconds=60)).failed == 1
    db.session.refresh(email)
    assert email.attempts == 2
    assert email.next_attempt_at == NOW + timedelta(seconds=60 + 120)

    report = deliver_due(now=NOW + timedelta(seconds=180))
    assert report.gave_up == 1
    db.session.refresh(email)
    assert email.gave_up and email.next_attempt_at is None
    assert deliver_due(now=NOW + timedelta(days=30)).gave_up == 0

    smtp_server.start()
    retry(email, now=NOW + timedelta(days=1))
    db.session.commit()
    assert deliver_due(now=NOW + timedelta(days=1)).sent == 1
    assert len(smtp_server.inbox.envelopes) == 1


def test_retry_failed_now_skips_the_backoff(app, smtp_server):
    smtp_server.stop()
    email = queue()
    deliver_due(now=NOW)
    smtp_server.start()
    assert deliver_due(now=NOW + timedelta(seconds=1)).sent == 0
    assert retry_failed_now(now=NOW + timedelta(seconds=1)) == 1
    assert deliver_due(now=NOW + timedelta(seconds=1)).sent == 1
    db.session.refresh(email)
    assert email.status == MailStatus.SENT
    assert email.attempts == 2


def test_permanent_refusal_is_not_retried(app, smtp_server):
    smtp_server.inbox.refuse = "ghost@example.org"
    email = queue(to="ghost@example.org")
    report = deliver_due(now=NOW)
    assert report.gave_up == 1
    db.session.refresh(email)
    assert email.gave_up
    assert "550" in email.last_error


def test_a_claimed_message_is_not_sent_by_a_second_worker(app, smtp_server):
    email = queue()
    token, claimed = _claim(NOW, 10)
    assert [claimed_email.id for claimed_email in claimed] == [email.id]
    assert _claim(NOW, 10)[1] == []
    assert deliver_due(now=NOW).sent == 0
    # A worker that died mid-send leaves a claim that lapses; then it is sent once.
    later = NOW + timedelta(seconds=app.config["MAIL_CLAIM_SECONDS"] + 3600 * 24 * 365 * 5)
    assert deliver_due(now=later).sent == 1
    assert deliver_due(now=later).sent == 0
    assert len(smtp_server.inbox.envelopes) == 1


def test_concurrent_workers_send_each_message_once(app, smtp_server):
    for number in range(12):
        queue(to=f"p{number}@example.org")
    results = []

    def worker():
        with app.app_context():
            results.append(deliver_due(now=NOW, limit=100).sent)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(results) == 12
    recipients = sorted(r for envelope in smtp_server.inbox.envelopes for r in envelope.rcpt_tos)
    assert recipients == sorted(f"p{number}@example.org" for number in range(12))


def test_without_mail_server_messages_become_eml_files(app, smtp_server, tmp_path):
    app.config["MAIL_SERVER"] = None
    email = queue(kind="manage_link")
    assert deliver_due(now=NOW).sent == 1
    outbox = tmp_path / "instance" / "outbox"
    (path,) = outbox.glob("*.eml")
    assert path.name.endswith(f"-{email.id:06d}-manage_link.eml")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "amara@example.org"
    assert not smtp_server.inbox.envelopes


def test_in_process_runner_delivers_after_the_commit(app, smtp_server, client):
    """The real path without Redis: the request commits, the process's jobs thread sends."""
    from app.models import Gathering, Registration

    app.config["JOBS_AUTORUN"] = True
    now = datetime.now(UTC)
    gathering = Gathering(
        slug="after",
        title="After the response",
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=10, hours=3),
        contact_email="cop@example.org",
    )
    db.session.add(gathering)
    db.session.add(
        Registration(
            gathering=gathering,
            name="Amara Singh",
            email="amara@example.org",
            role="nurse",
            organisation_name="Fraser Health",
            organisation_type="health_authority",
            health_region="fraser",
            consent_collection_at=now,
        )
    )
    db.session.commit()
    response = client.post("/g/after/resend-link", data={"email": "amara@example.org"})
    assert response.status_code == 303
    response.close()
    deadline = time.monotonic() + 10
    while not smtp_server.inbox.envelopes and time.monotonic() < deadline:
        time.sleep(0.05)
    (message,) = smtp_server.inbox.messages
    assert message["Subject"] == "Your private link: After the response"
    db.session.expire_all()
    (email,) = db.session.scalars(select(OutboundEmail)).all()
    assert email.status == MailStatus.SENT


# --- writing the message out -----------------------------------------------------------

HEADER_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=127, blacklist_characters="\r\n"),
    max_size=120,
)


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(["Subject", "To", "From", "Content-Type", "X"]), value=HEADER_TEXT)
def test_a_header_is_written_as_the_classic_policy_writes_it(name, value):
    # The short-header shortcut must never change a byte (folding, spaces, control
    # characters and all), nor let through what the classic policy refuses.
    def written(chosen) -> bytes | type[Exception]:
        try:
            return chosen.clone(linesep="\r\n").fold_binary(name, value)
        except Exception as error:  # noqa: BLE001 - the same refusal is the expected outcome
            return type(error)

    assert written(_ShortHeadersAsTheyAre()) == written(policy.compat32)


def test_a_whole_message_is_written_as_the_classic_policy_writes_it(app):
    email = queue(
        subject="A subject long enough to be folded by the classic policy, as it should be"
    )
    message = build_message(email, sender="Gathering <no-reply@example.org>")
    assert isinstance(message.policy, _ShortHeadersAsTheyAre)
    written = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    message.policy = policy.compat32
    assert written == message.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))
    assert b"Subject: A subject long enough to be folded by the classic policy,\r\n as" in written
