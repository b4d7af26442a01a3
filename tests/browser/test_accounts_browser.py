"""Accounts in Chromium, against gunicorn with a real SMTP server on loopback: an organiser
invites a facilitator, who chooses a password from the email and sees their rooms; a
steering member resets a forgotten password and the old one stops working; a session
cookie copied before sign-out is refused after it; a draft gathering is invisible to the
public. axe-core checks every page these journeys add."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PageProblems, describe
from tests.conftest import PASSWORD

pytest_plugins = ["tests.fixtures_server", "tests.fixtures_mail"]
pytestmark = pytest.mark.browser

LINK = re.compile(r"(https?://\S+/a/[A-Za-z0-9_-]{40,})")
NEW_PASSWORD = "seven swans a swimming"


@pytest.fixture(scope="module")
def server(mailing_server):
    return mailing_server


@pytest.fixture(scope="module")
def seeded(server):
    return server.seed()


def wait_for_mail(smtp, to: str, count: int = 1, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in smtp.inbox.messages if to in str(m["To"])]
        if len(found) >= count:
            return found[count - 1]
        time.sleep(0.2)
    raise AssertionError(f"no email number {count} to {to} within {timeout}s")


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    found = LINK.search(text)
    assert found, text
    return found.group(1)


def sign_in(page, server, email: str, password: str = PASSWORD) -> None:
    page.goto(server.url + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def watch(page):
    """Console errors and CSP refusals of a page opened in a context of the test's own."""
    page.problems = PageProblems()
    page.problems.watch(page)
    return page


def check_axe(page, axe, name: str) -> None:
    violations = axe(page, name)
    assert violations == [], f"{name}:\n{describe(violations)}"
    assert page.problems.csp_violations() == [], page.problems.messages


def mailed_link(message, server) -> str:
    link = link_in(message)
    assert link.startswith(server.url + "/a/"), link
    return link


def test_organiser_invites_a_facilitator_who_chooses_a_password(
    page, server, seeded, smtp, axe, chromium
):
    sign_in(page, server, seeded.users["organiser"])
    page.goto(server.url + "/organiser/accounts/")
    check_axe(page, axe, "staff-accounts")
    page.get_by_role("link", name="Invite a person").click()
    check_axe(page, axe, "staff-invite")
    page.get_by_label("Name").fill("Farah Facilitator")
    page.get_by_label("Email address").fill("farah@example.org")
    page.get_by_label("Role").select_option(label="Facilitator")
    page.get_by_label(seeded.breakout_titles[2], exact=False).check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Invitation sent to farah@example.org")).to_be_visible()
    expect(page.get_by_role("cell", name="Invited, no password yet")).to_be_visible()

    message = wait_for_mail(smtp, "farah@example.org")
    assert "invited" in message["Subject"]
    link = mailed_link(message, server)

    invited = chromium.new_context()
    facilitator = watch(invited.new_page())
    try:
        facilitator.goto(link)
        expect(facilitator.get_by_role("heading", name="Choose your password")).to_be_visible()
        check_axe(facilitator, axe, "choose-password")
        facilitator.get_by_label("New password", exact=True).fill("password123")
        facilitator.get_by_label("New password again").fill("password123")
        facilitator.get_by_role("button", name="Save my password").click()
        expect(facilitator.locator("#password-error")).to_contain_text("one of the most common")
        check_axe(facilitator, axe, "choose-password-error")
        facilitator.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        facilitator.get_by_label("New password again").fill(NEW_PASSWORD)
        facilitator.get_by_role("button", name="Save my password").click()
        expect(facilitator.get_by_text("Your password is set")).to_be_visible()
        sign_in(facilitator, server, "farah@example.org", NEW_PASSWORD)
        rooms = facilitator.get_by_role("link", name=seeded.breakout_titles[2], exact=True)
        expect(rooms).to_be_visible()
        expect(
            facilitator.get_by_role("link", name=seeded.breakout_titles[0], exact=True)
        ).to_have_count(0)
        expect(facilitator.get_by_text("Signed in as")).to_contain_text("Farah Facilitator")
        expect(facilitator.locator(".signed-in-as")).to_contain_text("Facilitator")
        facilitator.goto(link)
        expect(facilitator.get_by_role("heading", name="This link no longer works")).to_be_visible()
        check_axe(facilitator, axe, "link-expired")
    finally:
        invited.close()

    page.goto(server.url + "/organiser/accounts/")
    row = page.get_by_role("row").filter(has_text="farah@example.org")
    expect(row).to_contain_text("Active")
    page.get_by_role("link", name="Farah Facilitator").click()
    check_axe(page, axe, "staff-account")


def test_steering_member_resets_a_forgotten_password(page, server, seeded, smtp, axe):
    email = seeded.users["steering"]
    page.goto(server.url + "/sign-in")
    check_axe(page, axe, "sign-in-all-roles")
    page.get_by_role("link", name="Forgotten your password?").click()
    check_axe(page, axe, "forgotten-password")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    check_axe(page, axe, "reset-sent")

    message = wait_for_mail(smtp, email)
    page.goto(mailed_link(message, server))
    expect(page.get_by_role("heading", name="Set a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save my password").click()
    expect(page.get_by_text("Your password is set")).to_be_visible()

    sign_in(page, server, email, PASSWORD)
    expect(page.get_by_text("do not match an account")).to_be_visible()
    sign_in(page, server, email, NEW_PASSWORD)
    expect(page.locator(".signed-in-as")).to_contain_text("Steering committee")
    page.goto(server.url + "/account/password")
    check_axe(page, axe, "change-password")


def test_a_session_copied_before_sign_out_is_refused_after_it(page, server, seeded, chromium):
    sign_in(page, server, seeded.users["organiser"])
    expect(page.get_by_role("heading", name="Gatherings")).to_be_visible()
    copied = page.context.cookies()
    assert any(cookie["name"] == "session" for cookie in copied)

    thief = chromium.new_context()
    try:
        thief.add_cookies(copied)
        stolen = thief.new_page()
        stolen.goto(server.url + "/organiser/")
        expect(stolen.get_by_role("heading", name="Gatherings")).to_be_visible()

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_text("You are signed out")).to_be_visible()

        stolen.goto(server.url + "/organiser/")
        assert "/sign-in" in stolen.url
        expect(stolen.get_by_role("heading", name="Sign in")).to_be_visible()
    finally:
        thief.close()


def test_a_draft_gathering_is_invisible_to_the_public(page, server, seeded, chromium, axe):
    draft = server.seed(title="Secret planning gathering")
    from sqlalchemy import null, update

    from app.extensions import db
    from app.models import Gathering

    with server.app_context():
        db.session.execute(
            update(Gathering).where(Gathering.id == draft.gathering_id).values(published_at=null())
        )
        db.session.commit()

    visitor = chromium.new_context()
    try:
        public = visitor.new_page()
        public.goto(server.url + "/")
        expect(public.get_by_role("heading", name="Gatherings", exact=True)).to_be_visible()
        expect(public.get_by_text("Secret planning gathering")).to_have_count(0)
        response = public.goto(server.url + f"/g/{draft.slug}/")
        assert response.status == 404
        response = public.goto(server.url + f"/g/{draft.slug}/register")
        assert response.status == 404
    finally:
        visitor.close()

    sign_in(page, server, seeded.users["organiser"])
    page.goto(server.url + "/organiser/")
    page.get_by_role("link", name="Secret planning gathering").first.click()
    page.goto(server.url + f"/organiser/g/{draft.slug}/life")
    expect(page.get_by_text("Draft: only staff can see it")).to_be_visible()
    check_axe(page, axe, "gathering-life")
    page.get_by_role("button", name="Publish this gathering").click()
    expect(page.get_by_text("Published: the public page")).to_be_visible()
    page.goto(server.url + f"/organiser/g/{draft.slug}/next")
    check_axe(page, axe, "start-next-gathering")
    page.goto(server.url + "/organiser/archive")
    check_axe(page, axe, "archived-gatherings")
    page.goto(server.url + "/organiser/settings")
    check_axe(page, axe, "organisation-settings")
    page.goto(server.url + f"/organiser/g/{seeded.slug}/breakouts")
    room = page.get_by_role("link", name=seeded.breakout_titles[0]).first
    room.click()
    page.get_by_role("link", name="Add a facilitator by email").click()
    check_axe(page, axe, "invite-to-room")


def test_the_too_many_requests_page_is_friendly_and_accessible(make_live_server, chromium, axe):
    # One worker: without REDIS_URL each process keeps its own counts.
    limited = make_live_server(workers=1, extra_env={"RATELIMIT_ENABLED": "true"})
    (limited.instance_path / "config.py").write_text(
        'RATELIMIT_PASSWORD_RESET_PER_EMAIL = "1 per hour"\n'
    )
    limited.start()
    context = chromium.new_context()
    try:
        page = context.new_page()
        watch(page)
        for _ in range(2):
            page.goto(limited.url + "/forgotten-password")
            page.get_by_label("Email address").fill("someone@example.org")
            page.get_by_role("button", name="Send me a link").click()
        expect(page.get_by_role("heading", name="Please wait a little")).to_be_visible()
        expect(page.get_by_role("link", name="set a new password")).to_be_visible()
        check_axe(page, axe, "too-many-requests")
    finally:
        context.close()
