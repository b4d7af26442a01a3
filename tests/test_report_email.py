"""Emailing a stored report to the steering committee, through the outbox and a real
SMTP server on loopback."""

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import run_pending
from app.models import ReportRun
from app.outbound.mail import deliver_due
from tests.conftest import login

pytest_plugins = ["tests.fixtures_report", "tests.fixtures_mail"]


@pytest.fixture
def app(tmp_path, smtp_server, mail_app_for):
    yield from mail_app_for(
        tmp_path,
        smtp_server,
        STEERING_COMMITTEE_EMAILS="chair@example.org, member@example.org",
    )


def test_email_the_pdf_to_the_steering_committee(
    app, client, smtp_server, make_user, report_gathering
):
    login(client, make_user("steering", email="chair-user@example.org"))
    slug = report_gathering.slug
    page = client.get(f"/reports/g/{slug}/").get_data(as_text=True)
    assert "chair@example.org, member@example.org" in page
    client.post(f"/reports/g/{slug}/generate", data={"variant": "shareable"})
    run_pending()
    run = db.session.scalars(select(ReportRun)).one()
    response = client.post(f"/reports/g/{slug}/runs/{run.id}/email")
    assert response.status_code == 303
    deliver_due(now=datetime.now(UTC))
    messages = smtp_server.inbox.messages
    assert sorted(m["To"] for m in messages) == ["chair@example.org", "member@example.org"]
    attachment = next(messages[0].iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert hashlib.sha256(attachment.get_content()).hexdigest() == run.sha256
    assert "shareable version" in messages[0]["Subject"]
    db.session.expire_all()
    assert db.session.get(ReportRun, run.id).emailed_at is not None
