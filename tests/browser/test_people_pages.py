"""Contributors', accommodations' and accessibility-feedback pages in Chromium: axe-core
on each at desktop width and at 390 px (where nothing may scroll sideways), with a
screenshot of each phone view kept in tests/browser/artifacts/; a contributor confirms
their plan on a phone."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, PageProblems, _keep_evidence, describe

pytest_plugins = ["tests.fixtures_server"]
pytestmark = pytest.mark.browser

NARROW = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def world(live_server):
    """A gathering with an Elder's plan (and their private link), two people whose needs
    are requests (one arranged), an open survey inviting one of them, and feedback."""
    seeded = live_server.seed(title="Winter Gathering")
    from app.accommodations import feedback, services
    from app.contributors import services as contributors
    from app.evaluation import links
    from app.evaluation.setup import create_survey, open_survey
    from app.extensions import db
    from app.models import Gathering, Registration

    with live_server.app_context():
        now = datetime.now(UTC)
        gathering = db.session.get(Gathering, seeded.gathering_id)
        room = min(gathering.breakouts, key=lambda item: item.id)
        elder = contributors.save_plan(
            gathering,
            contributors.PlanData(
                name="Elder Rose Williams",
                role="elder",
                recognition="honorarium",
                honorarium_level="ceremony",
                minutes=120,
                agenda_item_ids=[gathering.active_agenda[0].id],
                protocol_tobacco=True,
                protocol_honorarium=True,
                support_person="Her granddaughter",
                preferred_name="Elder Siyámiya Rose Williams",
                nation="Stó:lō Nation",
                named_in_thanks=True,
            ),
        )
        partner = contributors.save_plan(
            gathering,
            contributors.PlanData(
                name="Amrit Gill",
                role="patient_partner",
                recognition="honorarium",
                honorarium_level="share",
                minutes=180,
                expenses_claimed_cents=4500,
                expenses_approved_cents=4500,
            ),
        )
        contributors.advance(partner, "delivered", now=now)
        token = contributors.issue_link(elder)
        people = []
        for name, needs in (
            ("Dana Signer", "ASL interpretation, please"),
            ("Lee Reader", "Live captions"),
        ):
            person = Registration(
                gathering=gathering,
                name=name,
                email=f"{name.split()[0].lower()}@example.org",
                role="nurse",
                organisation_name="Fraser Health",
                organisation_type="health_authority",
                health_region="fraser",
                consent_collection_at=now,
                accessibility_needs=needs,
                assigned_breakout_id=room.id,
            )
            db.session.add(person)
            people.append(person)
        db.session.flush()
        services.bring_in_needs(gathering)
        db.session.flush()
        arranged = [r for r in services.requests_of(gathering) if r.kind == "asl"][0]
        services.arrange(
            arranged, what="Two ASL interpreters, pinned", by_whom="WAVCO", owner=None, now=now
        )
        services.confirm(arranged, email=False, now=now)
        captions = [r for r in services.requests_of(gathering) if r.kind == "captions"][0]
        services.arrange(captions, what="Live captions (CART)", by_whom="", owner=None, now=now)
        survey = create_survey(gathering, now=now)
        open_survey(survey, now=max(now, gathering.starts_at))  # not before it starts
        survey.opens_at = now - timedelta(minutes=1)  # the pages under test show it open
        invitation = links.ensure_invitation(survey, people[0])
        feedback.submit(
            barrier="The reminder email's link was hard to find on my phone.",
            page="Reminder email",
            name="",
            contact="reader@example.org",
            now=now,
        )
        db.session.commit()
        return {
            "slug": seeded.slug,
            "elder": elder.id,
            "token": token,
            "room": room.id,
            "request": captions.id,
            "survey": links.invitation_token(invitation),
        }


def pages(world) -> dict[str, tuple[str | None, str]]:
    slug = world["slug"]
    return {
        "contributors": ("organiser", f"/organiser/g/{slug}/contributors"),
        "contributor-new": ("organiser", f"/organiser/g/{slug}/contributors/new"),
        "contributor-edit": ("organiser", f"/organiser/g/{slug}/contributors/{world['elder']}"),
        "honorarium-schedule": ("organiser", f"/organiser/g/{slug}/contributors/rates"),
        "contributor-own-plan": (None, f"/c/{world['token']}"),
        "accommodations": ("organiser", f"/organiser/g/{slug}/accommodations"),
        "room-accommodations": ("facilitator", f"/breakouts/{world['room']}/accommodations"),
        "survey-with-accommodation": (None, f"/s/{world['survey']}"),
        "accessibility-feedback": (None, "/accessibility-feedback"),
        "accessibility-feedback-thanks": (None, "/accessibility-feedback/thanks"),
        "accessibility-feedback-list": ("organiser", "/organiser/accessibility-feedback"),
    }


PAGES = list(pages({"slug": "s", "elder": 1, "token": "t", "room": 1, "request": 1, "survey": "k"}))


@pytest.mark.parametrize("name", PAGES)
def test_page_is_axe_clean_at_desktop_and_at_390px(
    name, request, chromium, live_server, world, signed_in, axe
):
    role, path = pages(world)[name]
    options = {"storage_state": signed_in(role)} if role else {}
    for label, viewport in (("desktop", {"width": 1280, "height": 900}), ("390", NARROW)):
        context = chromium.new_context(viewport=viewport, **options)
        page = context.new_page()
        problems = PageProblems()
        problems.watch(page)
        try:
            response = page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            assert response.status == 200, (path, response.status)
            assert page.url == live_server.url + path, page.url
            violations = axe(page, f"people-{name}-{label}")
            assert violations == [], f"{name} ({path}) at {label}:\n{describe(violations)}"
            assert page.locator("main").count() == 1 and page.locator("h1").count() == 1
            assert problems.csp_violations() == []
            assert [m for m in problems.messages if "status of 404" not in m] == []
            footer = page.locator("footer").get_by_role("link", name="Accessibility feedback")
            expect(footer).to_be_visible()
            if label == "390":
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= NARROW["width"], f"{name} scrolls sideways at 390 px: {width}"
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"people-{name}-390.png"), full_page=True)
        finally:
            _keep_evidence(request, page)
            context.close()


def test_a_contributor_confirms_their_plan_on_a_phone(chromium, live_server, world, request):
    context = chromium.new_context(viewport=NARROW, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/c/{world['token']}")
        expect(page.get_by_text("$200.00 for 2 h")).to_be_visible()
        page.get_by_label("Your Nation or community, as you wish it written").fill("Stó:lō")
        page.get_by_label("Thank me by name in the gathering's report").check()
        page.get_by_role("button", name="Confirm my plan").click()
        expect(page.get_by_text("Thank you: your plan is confirmed.")).to_be_visible()
        expect(page.get_by_text("You confirmed this plan on")).to_be_visible()
    finally:
        _keep_evidence(request, page)
        context.close()


def test_telling_a_participant_shows_the_email_first(
    request, chromium, live_server, world, signed_in, axe
):
    """At 390 px: the organiser presses "Tell ...", sees who would be emailed and the
    email itself, and saves without emailing; nothing was sent."""
    context = chromium.new_context(viewport=NARROW, storage_state=signed_in("organiser"))
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/organiser/g/{world['slug']}/accommodations")
        page.get_by_role("button", name="Tell Lee Reader…").click()
        expect(page.get_by_text("This will email 1 person")).to_be_visible()
        expect(page.get_by_text("Live captions (CART)").first).to_be_visible()
        violations = axe(page, "people-accommodation-confirm-390")
        assert violations == [], describe(violations)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"], width
        page.screenshot(
            path=str(ARTIFACTS / "people-accommodation-confirm-390.png"), full_page=True
        )
        page.get_by_role("button", name="Mark as confirmed without emailing").click()
        expect(page.get_by_text("Confirmed to Lee Reader. Nobody was emailed")).to_be_visible()
    finally:
        _keep_evidence(request, page)
        context.close()
