"""WCAG 2.1 A/AA in Chromium: axe-core on every public page and the main pages of each
role, the registration form completed by keyboard alone, and focus on the error summary
after a failed submit. Every page must also load without console errors or CSP refusals.
"""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import describe

pytest_plugins = ["tests.fixtures_server"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(live_server):
    """A gathering with a registrant (for the private pages) and an open survey."""
    seeded = live_server.seed(capacity=100)
    visitor = live_server.session()
    fields = visitor.registration_fields(
        seeded.slug, name="Ari Access", email="ari.access@example.org"
    )
    first = str(live_server.breakout_ids(seeded.gathering_id)[0])
    fields = [(k, v) for k, v in fields if k != "first_choice"] + [("first_choice", first)]
    status, headers, _ = visitor.post(f"/g/{seeded.slug}/register", fields)
    assert status == 303
    token = live_server.emailed_token("ari.access@example.org")

    from app.evaluation.setup import create_survey, open_survey
    from app.extensions import db
    from app.models import Gathering

    with live_server.app_context():
        now = datetime.now(UTC)
        gathering = db.session.get(Gathering, seeded.gathering_id)
        survey = create_survey(gathering, now=now)
        open_survey(survey, now=max(now, gathering.starts_at))  # not before it starts
        survey.opens_at = now  # the page under test is the open survey
        db.session.commit()
    return {"seeded": seeded, "token": token, "room": first}


def _paths(site) -> dict[str, tuple[str | None, str]]:
    slug, token, room = site["seeded"].slug, site["token"], site["room"]
    return {
        "home": (None, "/"),
        "gathering": (None, f"/g/{slug}/"),
        "register": (None, f"/g/{slug}/register"),
        "check-your-email": (None, f"/g/{slug}/check-your-email"),
        "manage": (None, f"/r/{token}"),
        "survey": (None, f"/r/{token}/survey"),
        "sign-in": (None, "/sign-in"),
        "not-found": (None, "/no-such-page"),
        "organiser-home": ("organiser", "/organiser/"),
        "organiser-new-gathering": ("organiser", "/organiser/gatherings/new"),
        "organiser-dashboard": ("organiser", f"/organiser/g/{slug}/"),
        "organiser-registrants": ("organiser", f"/organiser/g/{slug}/registrants"),
        "organiser-agenda": ("organiser", f"/organiser/g/{slug}/agenda"),
        "organiser-agenda-item": ("organiser", f"/organiser/g/{slug}/agenda/new"),
        "organiser-settings": ("organiser", f"/organiser/g/{slug}/edit"),
        "organiser-calendar": ("organiser", f"/organiser/g/{slug}/calendar"),
        "organiser-outbox": ("organiser", "/organiser/outbox"),
        "organiser-breakouts": ("organiser", f"/organiser/g/{slug}/breakouts"),
        "organiser-breakout-room": ("organiser", f"/organiser/g/{slug}/breakouts/{room}"),
        "organiser-unassigned": ("organiser", f"/organiser/g/{slug}/breakouts/unassigned"),
        "organiser-survey-settings": ("organiser", f"/organiser/g/{slug}/survey/settings"),
        "organiser-attendance": ("organiser", f"/organiser/g/{slug}/attendance/import"),
        "organiser-survey": ("organiser", f"/organiser/g/{slug}/survey"),
        "organiser-survey-results": ("organiser", f"/organiser/g/{slug}/survey/results"),
        "organiser-key-messages": ("organiser", f"/organiser/g/{slug}/report/key-messages"),
        "organiser-themes": ("organiser", f"/organiser/g/{slug}/report/themes"),
        "facilitator-home": ("facilitator", "/breakouts/"),
        "facilitator-room": ("facilitator", f"/breakouts/{room}"),
        "facilitator-notes": ("facilitator", f"/breakouts/{room}/notes"),
        "facilitator-checkin": ("facilitator", f"/g/{slug}/checkin/{room}"),
        "steering-home": ("steering", "/reports/"),
        "steering-reports": ("steering", f"/reports/g/{slug}/"),
        "steering-report-html": ("steering", f"/reports/g/{slug}/view?variant=committee"),
    }


PAGES = list(_paths({"seeded": SimpleNamespace(slug="s"), "token": "t", "room": "1"}))


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_wcag_violations(
    name, request, chromium, live_server, site, axe, signed_in
):
    role, path = _paths(site)[name]
    options = {"storage_state": signed_in(role)} if role else {}
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, **options)
    page = context.new_page()
    from tests.browser.conftest import PageProblems, _keep_evidence

    problems = PageProblems()
    problems.watch(page)
    try:
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        expected = 404 if name == "not-found" else 200
        assert response.status == expected, (path, response.status)
        landed = page.url[len(live_server.url) :]
        if name == "survey":
            assert landed.startswith("/s/"), f"the survey did not open: {landed}"
        else:
            assert landed == path, f"{path} went to {landed}"
        violations = axe(page, name)
        assert violations == [], f"{name} ({path}):\n{describe(violations)}"
        # Beyond axe: one main landmark and one top heading, so a screen reader's
        # "jump to main" and "heading level 1" land where the page starts.
        assert page.locator("main").count() == 1, f"{name}: landmarks"
        assert page.locator("h1").count() == 1, f"{name}: h1 count"
        assert page.title().strip(), f"{name}: empty title"
        assert problems.csp_violations() == [], problems.csp_violations()
        unexpected = [m for m in problems.messages if "status of 404" not in m]
        assert unexpected == [], unexpected
    finally:
        _keep_evidence(request, page)
        context.close()


def test_axe_finds_violations_when_there_are_some(page, axe):
    """The harness itself: a page with known faults must not pass."""
    page.set_content(
        "<html><head><title>t</title></head><body><main>"
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<input type="text" id="unlabelled">'
        '<p style="color:#bbb;background:#fff">faint text</p>'
        "</main></body></html>"
    )
    found = {v["id"] for v in axe(page, "canary")}
    assert {"image-alt", "label", "color-contrast", "html-has-lang"} <= found, found


def test_form_error_page_has_no_wcag_violations(page, live_server, site, axe):
    page.goto(f"{live_server.url}/g/{site['seeded'].slug}/register")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    violations = axe(page, "register-with-errors")
    assert violations == [], describe(violations)


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {
            tag: el.tagName.toLowerCase(), id: el.id || '', type: el.type || '',
            text: (el.innerText || el.value || '').trim().slice(0, 60),
            summary: el.hasAttribute('data-error-summary'),
            outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
            shadow: style.boxShadow !== 'none',
          };
        }"""
    )


def test_registration_by_keyboard_alone(page, live_server, site):
    """Tab through the form, type, choose with the arrow keys, tick with Space, send
    with Enter: no mouse. Every stop shows where focus is."""
    seeded = site["seeded"]
    page.goto(f"{live_server.url}/g/{seeded.slug}/register")
    page.keyboard.press("Tab")
    first = _focused(page)
    assert first["text"] == "Skip to main content", first
    typed = {
        "name": "Kim Keyboard",
        "email": "kim.keyboard@example.org",
        "organisation_name": "Interior Health",
    }
    arrows = {"role": 3, "organisation_type": 2, "health_region": 2, "first_choice": 2}
    done: set[str] = set()
    no_focus_ring = []
    for _ in range(120):
        page.keyboard.press("Tab")
        here = _focused(page)
        if not (here["outline"] or here["shadow"]):
            no_focus_ring.append(here)
        if here["id"] in typed:
            page.keyboard.type(typed[here["id"]])
        elif here["id"] in arrows:
            for _ in range(arrows[here["id"]]):
                page.keyboard.press("ArrowDown")
        elif here["id"] == "consent_collection":
            page.keyboard.press("Space")
        elif here["tag"] == "button" and here["text"] == "Register":
            assert done >= set(typed) | set(arrows) | {"consent_collection"}, done
            page.keyboard.press("Enter")
            break
        done.add(here["id"])
    else:
        pytest.fail(f"never reached the Register button; visited {sorted(done)}")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert no_focus_ring == [], f"focus not visible on: {no_focus_ring}"


def test_focus_lands_on_error_summary_after_a_failed_submit(page, live_server, site):
    page.goto(f"{live_server.url}/g/{site['seeded'].slug}/register")
    page.get_by_label("Full name").fill("Only A Name")
    page.get_by_role("button", name="Register").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_contain_text("problems")
    # What the person typed is still there.
    expect(page.get_by_label("Full name")).to_have_value("Only A Name")
    # Each message links to its field: following the first one puts focus in the field.
    page.keyboard.press("Tab")
    link = _focused(page)
    assert link["tag"] == "a", link
    page.keyboard.press("Enter")
    page.wait_for_timeout(200)
    target = _focused(page)
    assert target["tag"] in ("input", "select", "textarea"), target
    assert target["id"] == "email", target


def test_focus_lands_on_error_summary_after_a_failed_sign_in(page, live_server, site):
    page.goto(live_server.url + "/sign-in")
    page.get_by_label("Email address").fill("organiser@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()


REFLOW_PAGES = ["home", "gathering", "register", "check-your-email", "manage", "sign-in"]


def test_public_pages_reflow_at_320_css_pixels(chromium, live_server, site):
    """WCAG 1.4.10: at 320 CSS px (400% zoom of 1280) nothing needs sideways scrolling."""
    context = chromium.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    too_wide = {}
    try:
        for name in REFLOW_PAGES:
            _, path = _paths(site)[name]
            page.goto(live_server.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                too_wide[name] = width
    finally:
        context.close()
    assert too_wide == {}, f"pages wider than the 320px screen: {too_wide}"


def test_page_states_have_no_wcag_violations(page, live_server, site, axe):
    """The pages people reach by doing things: registering twice, the waitlist, a
    cancelled registration, the survey with errors, its thank-you and edit page."""
    seeded = site["seeded"]
    found: dict[str, list] = {}

    def check(name: str) -> None:
        page.wait_for_load_state("networkidle")
        found[name] = axe(page, name)

    page.goto(f"{live_server.url}/g/{seeded.slug}/register")
    fill_basics(page, seeded, "ari.access@example.org")
    page.get_by_role("button", name="Register").click()
    # An address already registered is told to check its email (the page never says who
    # is registered).
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    check("register-check-your-email")

    full = live_server.seed(capacity=0)
    page.goto(f"{live_server.url}/g/{full.slug}/")
    check("gathering-full")
    page.get_by_role("link", name="Join the waitlist").click()
    fill_basics(page, full, "wait.list@example.org")
    page.get_by_role("button", name="Register").click()
    # The same page as for any address; the link and the waitlist come by email.
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(f"{live_server.url}/r/{live_server.emailed_token('wait.list@example.org')}")
    expect(page.get_by_text("You are on the waitlist")).to_be_visible()
    check("manage-waitlisted")
    page.get_by_role("link", name="Cancel my registration").click()
    check("cancel-confirmation")
    page.get_by_role("button", name="Yes, cancel my registration").click()
    expect(page.get_by_text("Your registration is cancelled")).to_be_visible()
    check("manage-cancelled")

    page.goto(f"{live_server.url}/r/{site['token']}/survey")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    check("survey-after-submit")
    radios = page.locator("fieldset:has(input[type=radio])")
    if page.locator("[data-error-summary]").count():
        check("survey-with-errors")
        for index in range(radios.count()):
            radios.nth(index).locator("input[type=radio]").first.check()
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state("networkidle")
    assert "/s/edit/" in page.url, page.url
    check("survey-thank-you-and-edit")

    problems = {name: describe(v) for name, v in found.items() if v}
    assert problems == {}, "\n".join(f"{k}:\n{v}" for k, v in problems.items())


def fill_basics(page, seeded, email: str) -> None:
    page.get_by_label("Full name").fill("Ari Access")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Your role").select_option(label="Nurse")
    page.get_by_label("Organisation name").fill("Island Health")
    page.get_by_label("Type of organisation").select_option(label="Regional health authority")
    page.get_by_label("Health region where you work").select_option(
        label="Island Health (Vancouver Island)"
    )
    page.get_by_label("First choice of breakout discussion").select_option(
        label=seeded.breakout_titles[0]
    )
    page.get_by_label("I have read the collection notice").check()


def test_a_long_registrant_list_is_paged_accessibly(
    chromium, live_server, axe, signed_in
):
    """The registrant list of a big gathering comes a page at a time: the pages are a
    labelled nav with the current one marked, reachable by keyboard, and axe-clean."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import Registration

    seeded = live_server.seed()
    with live_server.app_context():
        db.session.execute(
            insert(Registration),
            [
                {
                    "gathering_id": seeded.gathering_id,
                    "name": f"Paged Person {n}",
                    "email": f"paged{n}@example.org",
                    "role": "nurse",
                    "organisation_name": "Island Health",
                    "organisation_type": "health_authority",
                    "health_region": "island",
                    "consent_collection_at": datetime.now(UTC),
                }
                for n in range(7)
            ],
        )
        db.session.commit()
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, storage_state=signed_in("organiser")
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/organiser/g/{seeded.slug}/registrants?per_page=2&sort=name")
        pages = page.get_by_role("navigation", name="Pages of registrants")
        expect(pages.locator("[aria-current=page]")).to_have_text("Page 1")
        pages.get_by_role("link", name="Page 3").focus()
        page.keyboard.press("Enter")
        page.wait_for_load_state("networkidle")
        expect(pages.locator("[aria-current=page]")).to_have_text("Page 3")
        expect(page.locator(".pager-status")).to_have_text("Page 3 of 4: 5 to 6 of 7")
        assert "sort=name" in page.url and "page=3" in page.url
        violations = axe(page, "organiser-registrants-paged")
        assert violations == [], describe(violations)
    finally:
        context.close()
