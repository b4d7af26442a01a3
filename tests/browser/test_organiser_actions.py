"""The organiser acting on people, in Chromium against gunicorn with real SMTP on
loopback: find a person, give a waitlisted person a place (they get the email), write to
the waitlisted segment (exactly they get it, once), sort the list, move two people at
once; a facilitator's draft with an unconsented quote saves. axe-core on every new page
and state, and no organiser page scrolls sideways on a phone."""

import re
import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import describe
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WAITING = ["Wren Waiting", "Willa Waiting", "Wade Waiting"]
CONFIRMED = ["Abe Archer", "Cleo Castro", "Bea Brown"]


@pytest.fixture(scope="module")
def server(mailing_server):
    return mailing_server


@pytest.fixture(scope="module")
def world(server):
    """Three confirmed people (the capacity) and three on the waitlist."""
    seeded = server.seed(capacity=3)
    from app.extensions import db
    from app.models import Gathering
    from app.registration.services import RegistrationData, register

    with server.app_context():
        gathering = db.session.get(Gathering, seeded.gathering_id)
        first_room = min(gathering.breakouts, key=lambda item: item.id)
        for name in CONFIRMED + WAITING:
            data = RegistrationData(
                name=name,
                email=name.split()[0].lower() + "@example.org",
                role="midwife",
                organisation_name="Northern Health",
                organisation_type="health_authority",
                health_region="northern",
                first_choice_id=first_room.id,
                accessibility_needs="Live captions, please." if name == "Cleo Castro" else "",
                consent_collection=True,
            )
            outcome = register(gathering, data, now=datetime.now(UTC))
            if name == "Cleo Castro":
                outcome.registration.assigned_breakout_id = first_room.id
            db.session.commit()
    return seeded


def sign_in(page, server, role: str = "organiser") -> None:
    page.goto(server.url + "/sign-in")
    page.get_by_label("Email address").fill(f"{role}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/sign-in" not in page.url


def no_violations(axe, page, name: str, *, refused: bool = False) -> None:
    """`refused`: the page answered 4xx on purpose, which Chromium logs as a console error."""
    violations = axe(page, name)
    assert violations == [], describe(violations)
    problems = [m for m in page.problems.messages if not (refused and "status of 4" in m)]
    assert problems == []


def mail_to(smtp, address: str, subject_start: str, *, expect_count: int, wait: float = 20):
    """Messages for one address whose subject starts so, once delivery settled."""
    deadline = time.monotonic() + wait
    found = []
    while time.monotonic() < deadline:
        found = [
            m
            for m in smtp.inbox.messages
            if m["To"] == address and str(m["Subject"]).startswith(subject_start)
        ]
        if len(found) >= expect_count:
            break
        time.sleep(0.25)
    time.sleep(1)  # a second copy would have arrived by now
    return [
        m
        for m in smtp.inbox.messages
        if m["To"] == address and str(m["Subject"]).startswith(subject_start)
    ]


def registration(server, email: str):
    from app.extensions import db
    from app.models import Registration

    with server.app_context():
        row = db.session.scalar(select(Registration).where(Registration.email == email))
        return {"id": row.id, "status": row.status, "room": row.assigned_breakout_id}


def list_names(page) -> list[str]:
    return page.locator("table.registrants-table tbody th a").all_inner_texts()


def test_find_a_person_and_see_their_page(page, server, world, axe):
    sign_in(page, server)
    page.goto(f"{server.url}/organiser/g/{world.slug}/")
    expect(page.locator(".glance-days")).to_contain_text(re.compile(r"\d+\s+days to go"))
    expect(page.get_by_text("Captions: 1")).to_be_visible()
    no_violations(axe, page, "organiser-dashboard-glance")
    page.goto(f"{server.url}/organiser/g/{world.slug}/registrants")
    no_violations(axe, page, "organiser-list")
    page.get_by_label("Search name, email or organisation").fill("cleo")
    page.get_by_role("button", name="Show").click()
    assert list_names(page) == ["Cleo Castro"]
    page.get_by_role("link", name="Cleo Castro").click()
    expect(page.get_by_role("heading", level=1, name="Cleo Castro")).to_be_visible()
    expect(page.get_by_text("Live captions, please.")).to_be_visible()
    expect(page.get_by_role("cell", name="You are registered", exact=False)).to_be_visible()
    no_violations(axe, page, "organiser-registrant")


def test_sort_the_list(page, server, world, axe):
    sign_in(page, server)
    page.goto(f"{server.url}/organiser/g/{world.slug}/registrants?status=confirmed")
    header = page.get_by_role("columnheader", name=re.compile("^Name"))
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert list_names(page) == sorted(CONFIRMED)
    assert "status=confirmed" in page.url
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert list_names(page) == sorted(CONFIRMED, reverse=True)
    no_violations(axe, page, "organiser-list-sorted")


def test_give_a_waitlisted_person_a_place(page, server, world, smtp, axe):
    sign_in(page, server)
    wade = registration(server, "wade@example.org")
    page.goto(f"{server.url}/organiser/g/{world.slug}/registrants/{wade['id']}")
    page.get_by_label("Give the place even though the gathering is full").check()
    page.get_by_role("button", name="Give Wade Waiting a place").click()
    expect(page.get_by_text("This will email 1 person")).to_be_visible()
    expect(page.locator(".email-preview")).to_contain_text("A place opened")
    assert registration(server, "wade@example.org")["status"] == "waitlisted"  # not yet
    no_violations(axe, page, "organiser-confirm-person")
    page.get_by_role("button", name="Give the place and email 1 person").click()
    expect(page.get_by_text("Wade Waiting has a place. 1 person will be emailed")).to_be_visible()
    assert registration(server, "wade@example.org")["status"] == "confirmed"
    [mail] = mail_to(smtp, "wade@example.org", "A place opened", expect_count=1)
    body = mail.get_body(("plain",)).get_content()
    assert "now confirmed" in body and "/r/" in body


def test_message_the_waitlisted_segment(page, server, world, smtp, axe):
    sign_in(page, server)
    page.goto(f"{server.url}/organiser/g/{world.slug}/messages/new")
    no_violations(axe, page, "organiser-composer")
    page.get_by_label("Who it is for").select_option(label="Everyone on the waitlist")
    page.get_by_label("Subject", exact=True).fill("Still waiting, {name}?")
    page.get_by_label("Message").fill(
        "We may have **more places** soon.\n\nYour link: {manage_link}"
    )
    page.get_by_role("button", name="Preview and count").click()
    waiting = [registration(server, name.split()[0].lower() + "@example.org") for name in WAITING]
    still = [w for w in waiting if w["status"] == "waitlisted"]
    expect(page.get_by_text(f"This emails {len(still)} people")).to_be_visible()
    expect(page.locator(".email-preview")).to_contain_text("We may have **more places** soon.")
    no_violations(axe, page, "organiser-composer-preview")
    page.get_by_role("button", name=f"Send to {len(still)} people").click()
    expect(page.get_by_role("heading", level=1, name="Still waiting, {name}?")).to_be_visible()
    no_violations(axe, page, "organiser-message")
    for name in WAITING:
        address = name.split()[0].lower() + "@example.org"
        wanted = 1 if registration(server, address)["status"] == "waitlisted" else 0
        got = mail_to(smtp, address, "Still waiting", expect_count=wanted, wait=20 if wanted else 2)
        assert len(got) == wanted, address
        if wanted:
            assert str(got[0]["Subject"]).startswith(f"Still waiting, {name}?")
    for name in CONFIRMED:
        assert not mail_to(
            smtp, name.split()[0].lower() + "@example.org", "Still", expect_count=0, wait=0
        )
    page.get_by_role("link", name="Messages").first.click()
    no_violations(axe, page, "organiser-messages")
    page.get_by_role("link", name=re.compile("Sent log")).click()
    no_violations(axe, page, "organiser-sent-log")


def test_bulk_move_two_people(page, server, world, axe):
    sign_in(page, server)
    abe = registration(server, "abe@example.org")
    bea = registration(server, "bea@example.org")
    page.goto(f"{server.url}/organiser/g/{world.slug}/registrants?status=confirmed")
    page.get_by_label("Select Abe Archer").check()
    page.get_by_label("Select Bea Brown").check()
    expect(page.get_by_text("2 selected.")).to_be_visible()
    page.get_by_label("Action", exact=True).select_option(label="Move to a room")
    room_label = world.breakout_titles[2]
    page.get_by_label("Room to move them to").select_option(label=room_label)
    page.get_by_role("button", name="Continue…").click()
    expect(page.get_by_text("This will email 2 people")).to_be_visible()
    no_violations(axe, page, "organiser-confirm-bulk")
    page.get_by_role("button", name="Move them and email 2 people").click()
    expect(page.get_by_text("2 people moved.")).to_be_visible()
    moved = {
        registration(server, "abe@example.org")["room"],
        registration(server, "bea@example.org")["room"],
    }
    assert len(moved) == 1 and None not in moved
    assert abe["room"] != moved.pop() or bea["room"] is None


def test_wording_and_reminders_pages(page, server, world, axe):
    sign_in(page, server)
    page.goto(f"{server.url}/organiser/g/{world.slug}/email-wording/promotion")
    no_violations(axe, page, "organiser-wording")
    page.get_by_role("button", name="Preview").click()
    no_violations(axe, page, "organiser-wording-preview")
    page.goto(f"{server.url}/organiser/g/{world.slug}/reminders")
    page.get_by_label("Days before the gathering").fill("7, soon")
    page.get_by_role("button", name="Save reminders").click()
    expect(page.get_by_text("Use whole numbers from 1 to 60")).to_have_count(2)
    no_violations(axe, page, "organiser-reminders-error", refused=True)


def test_a_facilitator_draft_with_an_unconsented_quote_saves(page, server, world, axe):
    from app.extensions import db
    from app.models import BreakoutNote

    sign_in(page, server, "facilitator")
    page.get_by_role("link", name=world.breakout_titles[0], exact=True).click()
    expect(page.get_by_text("Live captions, please.")).to_be_visible()
    no_violations(axe, page, "facilitator-room-needs")
    page.get_by_role("link", name="Write the notes").click()
    page.get_by_label("Summary of the discussion").fill("People want one number to call.")
    page.get_by_label("Quote", exact=True).first.fill("I drove four hours to see someone.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(re.compile("Draft saved at"))).to_be_visible()
    with server.app_context():
        note = db.session.scalar(select(BreakoutNote))
        assert note.quotes == [{"text": "I drove four hours to see someone.", "consent": False}]
    page.get_by_role("button", name="Submit notes").click()
    expect(
        page.get_by_role("link", name=re.compile("Quote 1: “I drove four hours"))
    ).to_be_visible()
    no_violations(axe, page, "facilitator-notes-unconsented-quote", refused=True)


WIDEST = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .filter(e => !e.parentElement.closest('.table-scroll'))
  .slice(0, 6)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def test_organiser_pages_do_not_scroll_sideways_on_a_phone(phone_page, server, world):
    page = phone_page
    sign_in(page, server)
    cleo = registration(server, "cleo@example.org")
    base = f"/organiser/g/{world.slug}"
    wide = {}
    for path in (
        f"{base}/",
        f"{base}/registrants",
        f"{base}/registrants/{cleo['id']}",
        f"{base}/messages",
        f"{base}/messages/new",
        f"{base}/messages/sent",
        f"{base}/agenda",
        f"{base}/breakouts",
        f"{base}/survey",
        f"{base}/attendance/import",
        f"/reports/g/{world.slug}/",
    ):
        page.goto(server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > page.viewport_size["width"]:
            wide[path] = (width, page.evaluate(WIDEST, page.viewport_size["width"]))
    assert wide == {}
