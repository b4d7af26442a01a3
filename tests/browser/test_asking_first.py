"""Pages that ask before anything reaches a participant, in Chromium against gunicorn with
real SMTP on loopback: an agenda change's "This will email N people" page with its
example (saved without emailing: nobody gets mail), the composer refusing an unknown
placeholder, and a participant's cancel confirmation on a 390 px phone, then the offer to
register again. axe-core on each; screenshots kept in tests/browser/artifacts/ for review."""

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import describe
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent / "artifacts"
PEOPLE = ("Tala Moon", "Rae Sky")


@pytest.fixture(scope="module")
def server(mailing_server):
    return mailing_server


@pytest.fixture(scope="module")
def world(server):
    """Two confirmed people; the first one's private link."""
    seeded = server.seed()
    from app.extensions import db
    from app.models import AgendaItem, Gathering
    from app.registration.services import RegistrationData, register

    tokens = {}
    with server.app_context():
        gathering = db.session.get(Gathering, seeded.gathering_id)
        for name in PEOPLE:
            outcome = register(
                gathering,
                RegistrationData(
                    name=name,
                    email=name.split()[0].lower() + "@example.org",
                    role="midwife",
                    organisation_name="Island Health",
                    organisation_type="health_authority",
                    health_region="island",
                    consent_collection=True,
                ),
                now=datetime.now(UTC),
            )
            tokens[name] = outcome.token
            db.session.commit()
        plenary = db.session.scalar(
            select(AgendaItem)
            .where(AgendaItem.gathering_id == gathering.id, AgendaItem.kind == "plenary")
            .order_by(AgendaItem.starts_at)
        )
        plenary_id = plenary.id
    return {"seeded": seeded, "tokens": tokens, "plenary_id": plenary_id}


def sign_in(page, server) -> None:
    page.goto(server.url + "/sign-in")
    page.get_by_label("Email address").fill("organiser@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/sign-in" not in page.url


def clean(axe, page, name: str, *, refused: bool = False) -> None:
    violations = axe(page, name)
    assert violations == [], describe(violations)
    problems = [m for m in page.problems.messages if not (refused and "status of 4" in m)]
    assert problems == []


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"asking-first-{name}.png"), full_page=True)


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_an_agenda_change_shows_who_would_be_emailed(page, server, world, smtp, axe):
    slug = world["seeded"].slug
    sign_in(page, server)
    smtp.inbox.envelopes.clear()
    page.goto(f"{server.url}/organiser/g/{slug}/agenda/{world['plenary_id']}/edit")
    page.get_by_label("Title").fill("Welcome and opening circle")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1, name="Save the change?")).to_be_visible()
    expect(page.get_by_text("This will email 2 people")).to_be_visible()
    example = page.locator(".email-preview")
    expect(example).to_contain_text("Updated schedule")
    expect(example).to_contain_text("Welcome and opening circle")
    clean(axe, page, "announce-agenda-change")
    shot(page, "agenda-change-confirm")
    page.get_by_role("button", name="Save the change without emailing").click()
    expect(page.get_by_text("Nobody was emailed (2 people could have been)")).to_be_visible()
    time.sleep(2)  # anything sent would have arrived by now
    assert not smtp.inbox.messages


def test_the_composer_refuses_an_unknown_placeholder(page, server, world, axe):
    slug = world["seeded"].slug
    sign_in(page, server)
    page.goto(f"{server.url}/organiser/g/{slug}/messages/new")
    page.get_by_label("Subject", exact=True).fill("Your room: {breakout}")
    page.get_by_label("Message", exact=True).fill("Hello {name}, join at {join_link}.")
    page.get_by_role("button", name="Preview and count").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Unknown placeholder {breakout}")
    expect(page.locator("#body-error")).to_contain_text(
        "Unknown placeholder {join_link}. The placeholders are {name}, {gathering}"
    )
    expect(page.get_by_label("Subject", exact=True)).to_have_value("Your room: {breakout}")
    expect(page.get_by_role("button", name="Send to")).to_have_count(0)
    clean(axe, page, "composer-unknown-placeholder", refused=True)
    shot(page, "composer-error")


def test_cancelling_asks_on_a_phone_then_offers_to_register_again(phone_page, server, world, axe):
    page = phone_page
    token = world["tokens"][PEOPLE[1]]
    page.goto(f"{server.url}/r/{token}")
    page.get_by_role("link", name="Cancel my registration").click()
    expect(page.get_by_role("heading", name="Cancel your registration?")).to_be_visible()
    no_sideways_scroll(page)
    clean(axe, page, "cancel-confirmation-phone")
    shot(page, "cancel-confirm-390")
    page.get_by_role("link", name="No, keep my registration").click()
    expect(page.get_by_text("Your place is confirmed")).to_be_visible()

    page.get_by_role("link", name="Cancel my registration").click()
    page.get_by_role("button", name="Yes, cancel my registration").click()
    expect(page.get_by_text("This registration is cancelled")).to_be_visible()
    expect(page.get_by_role("heading", name="Changed your mind?")).to_be_visible()
    no_sideways_scroll(page)
    clean(axe, page, "cancelled-register-again-phone")
    shot(page, "cancelled-390")
    page.get_by_role("link", name="Register again").click()
    expect(page.get_by_label("Email")).to_have_value("rae@example.org")
