"""Every absolute link comes from PUBLIC_URL: in a request, in a background job and on the
command line alike, through a real SMTP server on loopback; a production start without
it stops with a plain message."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from app.extensions import db
from app.jobs import run_pending
from app.outbound.mail import deliver_due
from app.registration.services import RegistrationData, register

pytest_plugins = ["tests.fixtures_mail"]

PUBLIC = "https://gatherings.example.ca/cop"


@pytest.fixture
def app(tmp_path, smtp_server, mail_app_for):
    # SERVER_NAME stays the test client's host: links must not follow it.
    yield from mail_app_for(tmp_path, smtp_server, PUBLIC_URL=PUBLIC + "/")


def person(name: str, email: str) -> RegistrationData:
    return RegistrationData(
        name=name,
        email=email,
        role="nurse",
        organisation_name="Island Health",
        organisation_type="health_authority",
        health_region="island",
        consent_collection=True,
    )


def links(message) -> list[str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return re.findall(r"https?://[^\s\"'<>)]+", text + html)


def assert_public(found: list[str]) -> None:
    assert found, "the email carries no link"
    for link in found:
        assert link.startswith(PUBLIC + "/") or not link.startswith(
            ("http://gathering.test", "http://localhost", "https://localhost")
        ), link
    assert any(link.startswith(PUBLIC + "/r/") for link in found)


def test_a_job_written_email_links_to_the_public_address(app, make_gathering, smtp_server):
    from app.outbound import notifications

    gathering = make_gathering()
    register(gathering, person("Amara Lee", "amara@example.org"), now=datetime.now(UTC))
    from app.extensions import db

    db.session.commit()
    run_pending()
    smtp_server.inbox.envelopes.clear()
    gathering.calendar_sequence += 1
    notifications.schedule_changed(gathering)
    db.session.commit()
    run_pending()  # the fan-out job writes the update, which waits a few minutes
    deliver_due(now=datetime.now(UTC) + timedelta(minutes=6))
    [message] = smtp_server.inbox.messages
    assert "Updated schedule" in message["Subject"]
    assert_public(links(message))


def test_a_command_line_delivery_links_to_the_public_address(app, make_gathering, smtp_server):
    gathering = make_gathering()
    register(gathering, person("Ben Moss", "ben@example.org"), now=datetime.now(UTC))
    from app.extensions import db

    db.session.commit()  # recorded only: `send-mail` renders it, outside any request
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    [message] = smtp_server.inbox.messages
    assert_public(links(message))
    invite = next(part for part in message.iter_attachments() if part.get_filename())
    assert PUBLIC.encode() + b"/r/" in invite.get_content().replace(b"\r\n ", b"")


def test_a_page_links_to_the_public_address_not_the_host_asked(app, make_gathering, client):
    gathering = make_gathering()
    response = client.get(f"/g/{gathering.slug}/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="{PUBLIC}/g/{gathering.slug}/calendar.ics"' in page
    assert "gathering.test" not in page


def base(tmp_path, **extra) -> dict:
    return {
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        **extra,
    }


def test_a_production_start_without_public_url_fails_plainly(tmp_path, monkeypatch):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_URL must be set: it is the address"):
        create_app(base(tmp_path))
    with pytest.raises(RuntimeError, match="PUBLIC_URL must be set"):
        create_app(base(tmp_path, TESTING=True, REDIS_URL="redis://127.0.0.1:6379/15"))
    with pytest.raises(RuntimeError, match="http:// or https://"):
        create_app(base(tmp_path, PUBLIC_URL="gatherings.example.ca"))
    app = create_app(base(tmp_path, PUBLIC_URL="https://gatherings.example.ca/"))
    assert app.config["PUBLIC_URL"] == "https://gatherings.example.ca"
    assert create_app(base(tmp_path, TESTING=True)).testing  # development and tests may omit it


def test_outside_a_request_without_public_url_no_link_is_made_up(tmp_path):
    """A job or a command with no PUBLIC_URL and no SERVER_NAME is told to set it,
    instead of writing links to localhost that no participant can open."""
    from app.outbound.public_links import MISSING_MESSAGE, public_url
    from tests.conftest import make_test_app

    app = make_test_app(tmp_path, PUBLIC_URL=None, SERVER_NAME=None)
    with app.app_context():
        try:
            with pytest.raises(RuntimeError, match="PUBLIC_URL must be set"):
                public_url("public.index")
            with app.test_request_context("/", base_url="https://cop.example.ca/"):
                assert public_url("public.index") == "https://cop.example.ca/"
        finally:
            db.engine.dispose()  # or its idle connection is found open by the collector
    assert "PUBLIC_URL" in MISSING_MESSAGE
