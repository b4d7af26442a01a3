"""The attendance review page in Chromium against a live gunicorn server: axe-core finds
no WCAG violation, proposals are selected, and the "find a registration" combobox works
from the keyboard alone (type, arrow down, Enter), choosing among every registration
although the select lists only a few; the import then links the person."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import AttendanceRecord, Gathering, Registration
from tests.browser.conftest import describe
from tests.conftest import PASSWORD

pytest_plugins = ["tests.fixtures_server"]
pytestmark = pytest.mark.browser

REPORT = (
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    "K. Morningstar (phone),,{day} 10:00:00 AM,{day} 10:40:00 AM,40,Yes\n"
    "iPhone,,{day} 10:00:00 AM,{day} 10:02:00 AM,2,Yes\n"
)


@pytest.fixture
def review_url(live_server):
    from app.attendance import review

    seeded = live_server.seed()
    with live_server.app_context():
        gathering = db.session.get(Gathering, seeded.gathering_id)
        now = datetime.now(UTC)
        for number in range(200):
            db.session.add(
                Registration(
                    gathering_id=gathering.id,
                    name=f"Person{number:03d} Family{number % 37}",
                    email=f"person{number}@health.example",
                    role="nurse",
                    organisation_name="Fraser Health",
                    organisation_type="health_authority",
                    health_region="fraser",
                    consent_collection_at=now,
                )
            )
        kalani = Registration(
            gathering_id=gathering.id,
            name="Kalani Morningstar",
            email="kalani@fnha.example",
            role="elder",
            organisation_name="FNHA",
            organisation_type="fnha",
            health_region="provincial",
            consent_collection_at=now,
        )
        db.session.add(kalani)
        db.session.flush()
        day = gathering.starts_at.astimezone(ZoneInfo(gathering.timezone)).strftime("%m/%d/%Y")
        batch = review.prepare_import(
            gathering,
            data=REPORT.format(day=day).encode(),
            filename="breakout.csv",
            agenda_item=None,
            user=None,
            now=now,
        )
        db.session.commit()
        return {
            "url": f"/organiser/g/{seeded.slug}/attendance/import/{batch.id}",
            "kalani": kalani.id,
            "gathering": gathering.id,
        }


def sign_in(page, base: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill("organiser@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_review_page_combobox_by_keyboard(page, live_server, review_url, axe):
    sign_in(page, live_server.url)
    page.goto(live_server.url + review_url["url"])
    page.wait_for_load_state("networkidle")

    violations = axe(page, "organiser-attendance-review")
    assert violations == [], describe(violations)
    assert page.problems.csp_violations() == []

    phone = page.get_by_label("What to do with K. Morningstar (phone)")
    expect(phone).to_have_value("walk_in")
    expect(page.get_by_label("What to do with iPhone")).to_have_value("skip")
    offered = phone.locator("option").all_inner_texts()
    assert "Kalani Morningstar (kalani@fnha.example, FNHA)" in offered
    assert len(offered) < 20, "a large gathering's select offers suggestions, not everyone"

    search = page.get_by_role("combobox", name="Find a registration for iPhone")
    search.focus()
    page.keyboard.type("kalani")
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(search).to_have_attribute("aria-expanded", "true")
    option = listbox.get_by_role("option", name="Kalani Morningstar (kalani@fnha.example, FNHA)")
    expect(option).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(search).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    page.keyboard.press("Enter")
    expect(listbox).to_be_hidden()
    expect(page.get_by_label("What to do with iPhone")).to_have_value(f"reg:{review_url['kalani']}")
    expect(search).to_have_value("Kalani Morningstar (kalani@fnha.example, FNHA)")
    assert page.url.endswith(review_url["url"]), "Enter in the combobox submitted the form"

    search.fill("")
    page.keyboard.type("nobody by this name")
    expect(page.get_by_role("status").filter(has_text="No registration found.")).to_have_count(1)
    page.keyboard.press("Escape")

    violations = axe(page, "organiser-attendance-review-searched")
    assert violations == [], describe(violations)

    page.get_by_role("button", name="Import attendance").click()
    page.wait_for_load_state()
    expect(page.get_by_text("iPhone, 2 minutes: linked to Kalani Morningstar")).to_be_visible()
    expect(
        page.get_by_text("K. Morningstar (phone), 40 minutes: recorded as a walk-in")
    ).to_be_visible()
    violations = axe(page, "organiser-attendance-batch")
    assert violations == [], describe(violations)
    assert page.problems.messages == [], page.problems.messages

    with live_server.app_context():
        linked = db.session.scalars(
            select(AttendanceRecord.registration_id).where(
                AttendanceRecord.gathering_id == review_url["gathering"]
            )
        ).all()
    assert linked.count(review_url["kalani"]) == 1
