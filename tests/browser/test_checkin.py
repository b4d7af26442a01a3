"""checkin.js in a real Chromium against a live gunicorn server: filter as you type,
Enter marks the only match present without a reload, arrow keys move, undo works."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AgendaItem, AttendanceRecord, Gathering, Registration

pytest_plugins = ["tests.fixtures_server"]
pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
PEOPLE = [
    ("Émilie Côté", "emilie.cote@divisionsbc.example"),
    ("Jordan O'Neill", "jordan.oneill@northernhealth.example"),
    ("Amara Singh", "amara.singh@fraserhealth.example"),
    ("Sam Wu", "sam.wu@gov.bc.example"),
]


def seed_under_way(live_server):
    """A seeded gathering moved, agenda and all, to have started an hour ago: check-in
    opens on the gathering's day."""
    seeded = live_server.seed()
    with live_server.app_context():
        gathering = db.session.get(Gathering, seeded.gathering_id)
        shift = datetime.now(UTC) - timedelta(hours=1) - gathering.starts_at
        gathering.starts_at += shift
        gathering.ends_at += shift
        gathering.registration_closes_at = None
        for item in gathering.agenda_items:
            item.starts_at += shift
            item.ends_at += shift
        db.session.commit()
    return seeded


@pytest.fixture
def checkin_page(live_server, chromium):
    seeded = seed_under_way(live_server)
    with live_server.app_context():
        item = db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.gathering_id == seeded.gathering_id, AgendaItem.kind == "plenary")
            .order_by(AgendaItem.starts_at)
        ).first()
        for name, email in PEOPLE:
            db.session.add(
                Registration(
                    gathering_id=seeded.gathering_id,
                    name=name,
                    email=email,
                    role="nurse",
                    organisation_name="Fraser Health",
                    organisation_type="health_authority",
                    health_region="fraser",
                    consent_collection_at=datetime.now(UTC),
                )
            )
        db.session.commit()
        item_id = item.id
    context = chromium.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.goto(f"{live_server.url}/sign-in")
    page.fill("#email", seeded.users["organiser"])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Sign in")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/g/{seeded.slug}/checkin/{item_id}")
    yield page, item_id, problems
    context.close()


def present_names(live_server, item_id) -> set[str]:
    with live_server.app_context():
        records = db.session.scalars(
            select(AttendanceRecord).where(AttendanceRecord.agenda_item_id == item_id)
        )
        return {r.registration.name if r.registration else r.walk_in_name for r in records}


def test_type_enter_arrows_and_undo(live_server, checkin_page):
    page, item_id, problems = checkin_page
    expect = pytest.importorskip("playwright.sync_api").expect
    people = page.locator("li.checkin-person")
    expect(people).to_have_count(4)

    page.focus("#q")
    page.keyboard.type("emilie")
    expect(people.filter(has_text="Émilie Côté")).to_be_visible()
    expect(people.filter(has_text="Sam Wu")).to_be_hidden()
    expect(page.locator("[data-checkin-status]")).to_have_text("1 match")

    url_before = page.url
    page.keyboard.press("Enter")
    expect(page.locator("[data-checkin-status]")).to_have_text("Émilie Côté is marked present.")
    expect(page.locator("[data-checkin-count]")).to_have_text("1")
    assert page.url == url_before
    assert present_names(live_server, item_id) == {"Émilie Côté"}
    assert page.evaluate("document.activeElement.id") == "q"

    page.keyboard.press("Escape")
    expect(people.filter(has_text="Sam Wu")).to_be_visible()
    page.keyboard.type("o'neill")
    expect(people.filter(has_text="Jordan O'Neill")).to_be_visible()
    page.keyboard.press("Escape")

    page.keyboard.press("ArrowDown")
    first_button = people.nth(0).locator("button")
    expect(first_button).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(people.nth(1).locator("button")).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#q")).to_be_focused()

    emilie = people.filter(has_text="Émilie Côté")
    emilie.locator("button").click()
    expect(emilie.locator("button")).to_contain_text("Mark present")
    assert present_names(live_server, item_id) == set()

    page.fill("#q", "nobody like this")
    expect(page.locator("[data-checkin-empty]")).to_be_visible()
    page.keyboard.press("Enter")
    page.wait_for_url("**/checkin/*?q=nobody*")
    assert "Nobody matches" in page.content()
    assert problems == []


def test_a_plenary_too_long_to_list_is_searched_as_you_type(live_server, chromium):
    """Hundreds expected: the page lists the first of them, and typing asks the server,
    so anyone can be found (a waitlisted person too) and marked present with Enter."""
    from sqlalchemy import insert

    from app.attendance import routes

    expect = pytest.importorskip("playwright.sync_api").expect
    seeded = seed_under_way(live_server)
    now = datetime.now(UTC)
    with live_server.app_context():
        item_id = db.session.scalars(
            select(AgendaItem.id)
            .where(AgendaItem.gathering_id == seeded.gathering_id, AgendaItem.kind == "plenary")
            .order_by(AgendaItem.starts_at)
        ).first()
        people = [
            {
                "name": f"Aaron Person {n:03d}",
                "folded_name": f"aaron person {n:03d}",
                "email": f"aaron{n}@example.org",
                "folded_email": f"aaron{n}@example.org",
                "status": "confirmed",
            }
            for n in range(routes.CHECKIN_LISTED + 5)
        ]
        people.append(
            {
                "name": "Zoë Waiting",
                "folded_name": "zoe waiting",
                "email": "zoe@example.org",
                "folded_email": "zoe@example.org",
                "status": "waitlisted",
            }
        )
        common = {
            "gathering_id": seeded.gathering_id,
            "role": "nurse",
            "organisation_name": "Fraser Health",
            "organisation_type": "health_authority",
            "health_region": "fraser",
            "consent_collection_at": now,
        }
        db.session.execute(insert(Registration), [{**common, **person} for person in people])
        db.session.commit()
    context = chromium.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/sign-in")
    page.fill("#email", seeded.users["organiser"])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Sign in")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/g/{seeded.slug}/checkin/{item_id}")
    listed = page.locator("li.checkin-person")
    expect(listed).to_have_count(routes.CHECKIN_LISTED)
    expect(page.locator("text=Showing the first")).to_be_visible()

    page.focus("#q")
    page.keyboard.type("zoe")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("Zoë Waiting")
    expect(page.locator("[data-checkin-status]")).to_have_text("1 match")
    url_before = page.url
    page.keyboard.press("Enter")
    expect(page.locator("[data-checkin-status]")).to_have_text("Zoë Waiting is marked present.")
    assert page.url == url_before
    assert present_names(live_server, item_id) == {"Zoë Waiting"}

    page.fill("#q", "")
    beyond = f"{routes.CHECKIN_LISTED + 3:03d}"  # after the first listed
    page.keyboard.type(f"person {beyond}")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text(f"Aaron Person {beyond}")
    page.keyboard.press("Escape")
    expect(listed).to_have_count(routes.CHECKIN_LISTED)
    page.keyboard.type("nobody at all")
    expect(page.locator("#checkin-list")).to_contain_text("Nobody matches")
    page.keyboard.press("Enter")
    page.wait_for_url("**/checkin/*?q=nobody*")
    context.close()
    assert problems == []


@pytest.fixture
def plenary_with_someone_present(live_server):
    """The four people of PEOPLE expected at the first plenary, Sam Wu already checked
    in, and one walk-in."""
    from app.attendance import checkin

    seeded = seed_under_way(live_server)
    with live_server.app_context():
        gathering = db.session.get(Gathering, seeded.gathering_id)
        item = db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.gathering_id == gathering.id, AgendaItem.kind == "plenary")
            .order_by(AgendaItem.starts_at)
        ).first()
        for name, email in PEOPLE:
            db.session.add(
                Registration(
                    gathering_id=gathering.id,
                    name=name,
                    email=email,
                    role="nurse",
                    organisation_name="Fraser Health",
                    organisation_type="health_authority",
                    health_region="fraser",
                    consent_collection_at=datetime.now(UTC),
                )
            )
        db.session.flush()
        sam = db.session.scalar(
            select(Registration).where(
                Registration.gathering_id == gathering.id, Registration.name == "Sam Wu"
            )
        )
        now = datetime.now(UTC)
        checkin.check_in(gathering, item, sam, user=None, now=now)
        checkin.add_walk_in(gathering, item, name="Aroha Te Whare", email="", user=None, now=now)
        db.session.commit()
        return seeded, item.id


def sign_in(page, live_server, seeded) -> None:
    page.goto(f"{live_server.url}/sign-in")
    page.fill("#email", seeded.users["organiser"])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Sign in")
    page.wait_for_load_state()


@pytest.mark.parametrize("width", ["1366", "390"])
def test_the_plenary_list_is_accessible_at_both_widths(
    request, live_server, chromium, axe, plenary_with_someone_present, width
):
    """One form for the whole list: each button is named for its person, and the page
    passes axe with no sideways scrolling at 390 px too."""
    from tests.browser.conftest import WIDTHS, PageProblems, _keep_evidence, check_page

    expect = pytest.importorskip("playwright.sync_api").expect
    seeded, item_id = plenary_with_someone_present
    context = chromium.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.problems = PageProblems()
    page.problems.watch(page)
    try:
        sign_in(page, live_server, seeded)
        page.goto(f"{live_server.url}/g/{seeded.slug}/checkin/{item_id}")
        expect(page.get_by_role("button", name="Mark present Émilie Côté")).to_be_visible()
        expect(page.get_by_role("button", name="Undo Sam Wu")).to_be_visible()
        expect(page.get_by_role("button", name="Remove Aroha Te Whare")).to_be_visible()
        check_page(page, axe, f"checkin-plenary-{width}", width)

        # Keyboard: Tab to a person's button and press Space; the focus stays on it.
        jordan = page.get_by_role("button", name="Mark present Jordan O'Neill")
        jordan.focus()
        page.keyboard.press("Space")
        expect(page.locator("[data-checkin-status]")).to_have_text(
            "Jordan O'Neill is marked present."
        )
        undo = page.get_by_role("button", name="Undo Jordan O'Neill")
        expect(undo).to_be_focused()
        expect(page.locator("li.checkin-person", has_text="Jordan O'Neill")).to_contain_text(
            "Present"
        )
        page.keyboard.press("Enter")
        expect(page.get_by_role("button", name="Mark present Jordan O'Neill")).to_be_focused()
        assert present_names(live_server, item_id) == {"Sam Wu", "Aroha Te Whare"}
        assert page.problems.messages == []
    finally:
        _keep_evidence(request, page)
        context.close()


def test_the_list_works_without_javascript(live_server, chromium, plenary_with_someone_present):
    """The list's one form sends the button pressed: mark present, undo, remove a walk-in,
    each a page reload with what happened said at the top."""
    expect = pytest.importorskip("playwright.sync_api").expect
    seeded, item_id = plenary_with_someone_present
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    sign_in(page, live_server, seeded)
    page.goto(f"{live_server.url}/g/{seeded.slug}/checkin/{item_id}?q=amara")
    page.get_by_role("button", name="Mark present Amara Singh").click()
    expect(page.get_by_text("Amara Singh is marked present.")).to_be_visible()
    assert page.url.endswith("?q=amara")
    assert present_names(live_server, item_id) == {"Sam Wu", "Amara Singh", "Aroha Te Whare"}
    page.get_by_role("button", name="Undo Amara Singh").click()
    expect(page.get_by_text("Amara Singh is no longer marked present.")).to_be_visible()
    page.get_by_role("button", name="Remove Aroha Te Whare").click()
    expect(page.get_by_text("The walk-in was removed.")).to_be_visible()
    assert present_names(live_server, item_id) == {"Sam Wu"}
    context.close()


def test_when_fetch_fails_the_form_is_sent_plainly(
    live_server, chromium, plenary_with_someone_present
):
    """Should the request made in the background fail, the button's form is sent as a
    browser would, with the button pressed, and the person is still marked present."""
    expect = pytest.importorskip("playwright.sync_api").expect
    seeded, item_id = plenary_with_someone_present
    context = chromium.new_context()
    page = context.new_page()
    sign_in(page, live_server, seeded)
    page.goto(f"{live_server.url}/g/{seeded.slug}/checkin/{item_id}")
    failed = []

    def fail_the_first(route):
        if not failed:
            failed.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/present", fail_the_first)
    page.get_by_role("button", name="Mark present Émilie Côté").click()
    expect(page.get_by_text("Émilie Côté is marked present.")).to_be_visible()
    expect(page.get_by_role("button", name="Undo Émilie Côté")).to_be_visible()
    assert len(failed) == 1
    assert present_names(live_server, item_id) == {"Sam Wu", "Émilie Côté", "Aroha Te Whare"}
    context.close()
