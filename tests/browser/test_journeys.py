"""What people do, in Chromium, against gunicorn: register and manage a registration
(desktop and phone), the organiser's dashboard and CSV export, a facilitator's notes, and
the steering committee's report."""

import csv
import io
import re
from pathlib import Path

import icalendar
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import describe
from tests.conftest import PASSWORD

pytest_plugins = ["tests.fixtures_server"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(live_server):
    return live_server.seed(capacity=50)


def registration_row(live_server, email: str):
    from app.extensions import db
    from app.models import Registration

    with live_server.app_context():
        registration = db.session.scalar(select(Registration).where(Registration.email == email))
        if registration is None:
            return None
        return {
            "status": registration.status,
            "organisation_name": registration.organisation_name,
            "health_region": registration.health_region,
            "organisation_type": registration.organisation_type,
            "hsda": registration.hsda,
            "first_choice_id": registration.first_choice_id,
        }


def fill_registration(page, seeded, *, name: str, email: str) -> None:
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Your role").select_option(label="Midwife")
    page.get_by_label("Organisation name").fill("Northern Health")
    page.get_by_label("Type of organisation").select_option(label="Regional health authority")
    page.get_by_label("Health region where you work").select_option(label="Northern Health")
    page.get_by_label("Health Service Delivery Area").select_option(label="52 Northern Interior")
    page.get_by_label("First choice of breakout discussion").select_option(
        label=seeded.breakout_titles[1]
    )
    page.get_by_label("I have read the collection notice").check()


def sign_in(page, live_server, role: str) -> None:
    page.goto(live_server.url + "/sign-in")
    page.get_by_label("Email address").fill(f"{role}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/sign-in" not in page.url, page.content()[:2000]


def test_register_download_invite_edit_and_cancel(page, live_server, seeded):
    page.goto(live_server.url + "/")
    title = seeded_title(live_server, seeded)
    page.get_by_role("link", name=re.compile(re.escape(title))).first.click()
    page.get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", name="Register")).to_be_visible()

    fill_registration(page, seeded, name="Dana Whitehorse", email="dana@example.org")
    page.get_by_role("button", name="Register").click()

    # The same page an address already registered gets; the private link comes by email.
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    stored = registration_row(live_server, "dana@example.org")
    assert stored["status"] == "confirmed"
    assert stored["health_region"] == "northern" and stored["hsda"] == "52"
    assert stored["organisation_type"] == "health_authority"

    # Following the emailed link, as Dana would.
    page.goto(f"{live_server.url}/r/{live_server.emailed_token('dana@example.org')}")
    expect(page.get_by_text("Your place is confirmed")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Add to my calendar")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    calendar = icalendar.Calendar.from_ical(Path(download.path()).read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert [str(e.get("SUMMARY")) for e in events] == [title]
    assert events[0].get("UID") and events[0].get("DTSTART")

    expect(page.get_by_role("heading", name="Your registration")).to_be_visible()
    page.get_by_label("Organisation name").fill("Northern Health Authority")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your changes are saved.")).to_be_visible()
    assert registration_row(live_server, "dana@example.org")["organisation_name"] == (
        "Northern Health Authority"
    )

    page.get_by_role("link", name="Cancel my registration").click()
    expect(page.get_by_role("heading", name="Cancel your registration?")).to_be_visible()
    page.get_by_role("button", name="Yes, cancel my registration").click()
    expect(page.get_by_text("Your registration is cancelled")).to_be_visible()
    assert registration_row(live_server, "dana@example.org")["status"] == "cancelled"
    assert page.problems.messages == []


def seeded_title(live_server, seeded) -> str:
    from app.extensions import db
    from app.models import Gathering

    with live_server.app_context():
        return db.session.get(Gathering, seeded.gathering_id).title


def test_phone_sized_registration(phone_page, live_server, seeded, axe):
    page = phone_page
    page.goto(f"{live_server.url}/g/{seeded.slug}/register")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the form scrolls sideways on a phone ({width}px wide)"
    violations = axe(page, "register-phone")
    assert violations == [], describe(violations)
    fill_registration(page, seeded, name="Sam Phone", email="sam.phone@example.org")
    button = page.get_by_role("button", name="Register")
    box = button.bounding_box()
    assert box and box["height"] >= 24 and box["width"] >= 24  # WCAG 2.2 target size
    button.tap()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # What happens next, and what to do if nothing arrives, on the phone's screen.
    expect(
        page.get_by_role("heading", name="If nothing arrives within a few minutes")
    ).to_be_visible()
    assert axe(page, "check-your-email-phone") == []
    assert registration_row(live_server, "sam.phone@example.org")["status"] == "confirmed"
    assert page.problems.messages == []


def test_organiser_signs_in_sees_dashboard_and_exports_csv(page, live_server, seeded):
    visitor = live_server.session()
    fields = visitor.registration_fields(
        seeded.slug, name="Export Person", email="export.person@example.org"
    )
    first = str(live_server.breakout_ids(seeded.gathering_id)[0])
    status, _, _ = visitor.post(
        f"/g/{seeded.slug}/register",
        [(k, v) for k, v in fields if k != "first_choice"] + [("first_choice", first)],
    )
    assert status == 303

    sign_in(page, live_server, "organiser")
    page.goto(f"{live_server.url}/organiser/g/{seeded.slug}/")
    confirmed = page.locator(".stat", has_text="confirmed").locator(".stat-number")
    assert int(confirmed.inner_text()) >= 1
    page.get_by_role("link", name="Registrants", exact=True).click()
    expect(page.get_by_text("Export Person").first).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert any("export.person@example.org" in row.values() for row in rows)
    assert page.problems.messages == []


def test_facilitator_writes_and_submits_notes(page, live_server, seeded):
    sign_in(page, live_server, "facilitator")
    page.goto(live_server.url + "/breakouts/")
    page.get_by_role("link", name=seeded.breakout_titles[0]).first.click()
    page.get_by_role("link", name=re.compile("notes", re.IGNORECASE)).first.click()
    page.get_by_label("Discussion questions").fill("What gets in the way of attachment?")
    page.get_by_label("Summary of the discussion").fill(
        "People talked about **waitlists** for family doctors.\n\nRural families travel far."
    )
    page.get_by_label("Other themes").fill("travel, waitlists")
    page.get_by_label("How many people were in the room").fill("14")
    page.get_by_role("button", name="Submit notes").click()
    expect(page.get_by_role("status").filter(has_text="Notes submitted")).to_be_visible()
    assert page.locator("[data-note-status]").inner_text() == "Submitted"

    from app.breakouts.note_taking import note_for
    from app.extensions import db
    from app.models import AgendaItem

    with live_server.app_context():
        room = db.session.get(AgendaItem, live_server.breakout_ids(seeded.gathering_id)[0])
        note = note_for(room)
        assert note.status == "submitted" and note.head_count == 14
        assert "waitlists" in note.summary
    assert page.problems.messages == []


def test_steering_committee_generates_and_downloads_the_report(page, live_server, seeded):
    sign_in(page, live_server, "steering")
    page.goto(f"{live_server.url}/reports/g/{seeded.slug}/")
    page.get_by_role("button", name="Generate the PDF").click()
    # The page follows the background job and reloads when the PDF is stored.
    download_link = page.get_by_role("link", name="Download", exact=True).first
    download_link.wait_for(timeout=120_000)
    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    assert seeded_title(live_server, seeded) in (reader.metadata.title or "")
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog, "the PDF is not tagged"
    assert str(catalog.get("/Lang", "")).startswith("en")
    assert catalog["/MarkInfo"]["/Marked"]
    assert page.problems.messages == []


def test_registration_works_without_javascript(chromium, live_server, seeded):
    """Scripts only enhance: with JavaScript off the form still registers people."""
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/g/{seeded.slug}/register")
        fill_registration(page, seeded, name="Noor Noscript", email="noor@example.org")
        page.get_by_role("button", name="Register").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    finally:
        context.close()
    assert registration_row(live_server, "noor@example.org")["hsda"] == "52"
