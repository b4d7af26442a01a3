"""Did the engagement matter, in Chromium: axe-core at desktop and phone widths on the
public "You said, we did" page, the agenda's plain-words levels, the follow-up answer page,
a survey with a question set (its source and licence), and the organiser's pages (the
follow-up, its "this will email N people" step, publishing, importing a set). Screenshots
of the public page at 1366 and 390 px go to tests/browser/artifacts/."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, WIDTHS, _keep_evidence, describe, open_page

pytest_plugins = ["tests.fixtures_server"]
pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def world(live_server):
    """The demo (2021 and 2022, with its follow-up and updates), the 2022 page published;
    the seeded upcoming gathering with a draft survey holding the built-in set, and the
    2022 follow-up link of one attendee."""
    seeded = live_server.seed()
    from app.demo import DEMO_SLUG, seed_demo
    from app.evaluation import links, question_sets, setup
    from app.extensions import db
    from app.models import Gathering, Registration
    from app.models.value import ValueFollowUp, ValueInvitation
    from app.outbound.tokens import hash_token, new_token
    from app.said_did import services as said_did

    with live_server.app_context():
        now = datetime.now(UTC)
        seed_demo(40, now=now)
        db.session.commit()
        demo = db.session.query(Gathering).filter_by(slug=DEMO_SLUG).one()
        said_did.publish(
            demo, intro="The steering committee answers here, every few months.", now=now
        )
        followup = ValueFollowUp(gathering=demo, send_at=now, scheduled=False, sent_at=now)
        db.session.add(followup)
        person = db.session.query(Registration).filter_by(gathering_id=demo.id).first()
        raw = new_token()
        db.session.add(
            ValueInvitation(
                followup=followup,
                registration=person,
                token_hash=hash_token(raw),
                invited_at=now,
                responded=False,
            )
        )
        upcoming = db.session.get(Gathering, seeded.gathering_id)
        survey = setup.create_survey(upcoming, now=now)
        question_sets.add_engagement_set(survey)
        db.session.flush()
        draft_slug = upcoming.slug
        # A second survey, open, for the participant's view of a question set.
        guest = db.session.query(Registration).filter_by(gathering_id=demo.id).all()[1]
        demo_survey = setup.survey_for(demo)
        invitation = links.ensure_invitation(demo_survey, guest)
        invitation.responded = False
        demo_survey.status = "open"
        demo_survey.closes_at = None
        from app.outbound.manage_tokens import issue_manage_token

        consenting = (
            db.session.query(Registration)
            .filter(
                Registration.gathering_id == demo.id,
                Registration.consent_followup_at.is_not(None),
            )
            .first()
        )
        manage_token = issue_manage_token(consenting)
        db.session.commit()
        survey_token = links.invitation_token(invitation)
    return {
        "demo": DEMO_SLUG,
        "draft": draft_slug,
        "value_token": raw,
        "survey_token": survey_token,
        "manage_token": manage_token,
    }


def pages(world) -> dict[str, tuple[str | None, str]]:
    demo, draft = world["demo"], world["draft"]
    return {
        "you-said-we-did": (None, f"/g/{demo}/you-said-we-did"),
        "public-agenda": (None, f"/g/{demo}/"),
        "follow-up-answer": (None, f"/v/{world['value_token']}"),
        "survey-with-set": (None, f"/s/{world['survey_token']}"),
        "digest-choice": (None, f"/r/{world['manage_token']}/you-said-we-did"),
        "organiser-value": ("organiser", f"/organiser/g/{demo}/value"),
        "organiser-said-did": ("organiser", f"/organiser/g/{demo}/you-said-we-did"),
        "organiser-survey-sets": ("organiser", f"/organiser/g/{draft}/survey"),
        "organiser-import-set": ("organiser", f"/organiser/g/{draft}/survey/sets/import"),
        "organiser-agenda-item": ("organiser", f"/organiser/g/{draft}/agenda/new"),
    }


PAGES = [
    (name, width)
    for name in pages(
        {"demo": "d", "draft": "s", "value_token": "t", "survey_token": "t", "manage_token": "t"}
    )
    for width in WIDTHS
]


@pytest.mark.parametrize(("name", "width"), PAGES)
def test_engagement_pages_have_no_wcag_violations(
    name, width, request, chromium, live_server, world, signed_in, axe
):
    role, path = pages(world)[name]
    context, page = open_page(chromium, signed_in, role, width)
    try:
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, (path, response.status)
        violations = axe(page, f"engagement-{name}-{width}")
        assert violations == [], f"{name} ({path}):\n{describe(violations)}"
        assert page.locator("main").count() == 1
        assert page.locator("h1").count() == 1
        assert page.problems.csp_violations() == []
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, f"{name} scrolls sideways at {width} px"
        if name in ("you-said-we-did", "follow-up-answer", "survey-with-set"):
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"engagement-{name}-{width}.png"), full_page=True)
    finally:
        _keep_evidence(request, page)
        context.close()


def test_the_public_page_reads_by_keyboard_and_links_its_feed(
    request, chromium, live_server, world, signed_in
):
    context, page = open_page(chromium, signed_in, None, "390")
    try:
        page.goto(f"{live_server.url}/g/{world['demo']}/")
        link = page.get_by_role("link", name="See what became of your input")
        link.focus()
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        expect(page.get_by_role("heading", level=1)).to_have_text("You said, we did")
        expect(page.locator("article.said-did").first).to_contain_text("Owner")
        feed = page.locator('link[rel="alternate"][type="application/atom+xml"]')
        href = feed.get_attribute("href")
        response = page.request.get(live_server.url + href)
        assert response.status == 200 and b"<feed" in response.body()
    finally:
        _keep_evidence(request, page)
        context.close()


def test_sending_the_follow_up_first_says_how_many_it_will_email(
    request, chromium, live_server, world, signed_in, axe
):
    context, page = open_page(chromium, signed_in, "organiser", "1366")
    try:
        page.goto(f"{live_server.url}/organiser/g/{world['demo']}/value")
        page.get_by_role("button", name="Send it now").click()
        page.wait_for_load_state()
        expect(page.get_by_role("status")).to_contain_text("This will email")
        violations = axe(page, "engagement-follow-up-confirm")
        assert violations == [], describe(violations)
        # Going back sends nothing.
        page.get_by_role("link", name="Go back without sending").click()
        expect(page.locator(".notice").first).to_contain_text("Sent on")
    finally:
        _keep_evidence(request, page)
        context.close()


def test_a_participant_answers_the_follow_up_by_keyboard(
    request, chromium, live_server, world, signed_in, axe
):
    context, page = open_page(chromium, signed_in, None, "390")
    try:
        page.goto(f"{live_server.url}/v/{world['value_token']}")
        page.get_by_label("I tried something I learned").check()
        page.get_by_label("Tell us a short story of what came of it (optional)").fill(
            "We now call families the day after discharge."
        )
        page.get_by_label("The organisers may quote my story").check()
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        violations = axe(page, "engagement-follow-up-thanks")
        assert violations == [], describe(violations)
    finally:
        _keep_evidence(request, page)
        context.close()
