"""The privacy pages in Chromium at 1366 and 390 px: axe-core on each (the organisers'
retention page with its dry run, requests and erasure log, the access log, a participant's
own data, the erasure request and what follows it, the collection notice), a retention
form sent with junk, and a participant asking to be erased."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    WIDTHS,
    _keep_evidence,
    check_page,
    describe,
    open_page,
)

pytest_plugins = ["tests.fixtures_server"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(live_server):
    """This gathering (registration open) in a community, last year's (ended 20 months
    ago, so not yet due), one person who asked to be erased, one erasure logged, and a
    few lines in the access log."""
    seeded = live_server.seed(title="Winter Gathering")
    from app.extensions import db
    from app.models import (
        Community,
        ErasureReason,
        Gathering,
        PersonalDataView,
        Registration,
        User,
    )
    from app.outbound.manage_tokens import issue_manage_token
    from app.privacy_records.access_log import record_access
    from app.privacy_records.erasure_log import log_erasure

    with live_server.app_context():
        now = datetime.now(UTC)
        community = Community(name="Perinatal Community of Practice", slug="perinatal-cop")
        db.session.add(community)
        this = db.session.get(Gathering, seeded.gathering_id)
        this.community = community
        ended = now - timedelta(days=610)
        last = Gathering(
            slug="last-year",
            title="Provincial Gathering 2025",
            community=community,
            starts_at=ended - timedelta(hours=3),
            ends_at=ended,
            contact_name="Gathering coordinator",
            contact_email="coordinator@example.org",
        )
        db.session.add(last)

        def person(gathering, name, email, **extra):
            row = Registration(
                gathering=gathering,
                name=name,
                email=email,
                role="midwife",
                organisation_name="Northern Health",
                organisation_type="health_authority",
                health_region="northern",
                consent_collection_at=now - timedelta(days=5),
                **extra,
            )
            db.session.add(row)
            db.session.flush()
            return row, issue_manage_token(row)

        avery, avery_token = person(
            this,
            "Avery Attendee",
            "avery@example.org",
            accessibility_needs="Live captions, please",
            territory="Lheidli T'enneh",
            indigenous_identity="metis",
        )
        person(last, "Blair Past", "blair@example.org")
        casey, _ = person(last, "Casey Past", "casey@example.org")
        casey.erasure_requested_at = now  # asked after their link was sent
        _, leaver_token = person(this, "Devon Leaving", "devon@example.org")
        organiser_id = db.session.query(User.id).filter_by(role="organiser").scalar()
        for what, people in (
            (PersonalDataView.REGISTRANT_LIST, 3),
            (PersonalDataView.EXPORT_CSV, 3),
        ):
            record_access(what, user_id=organiser_id, gathering=this, people=people, now=now)
        log_erasure(last.id, ErasureReason.ORGANISER, actor_id=organiser_id, now=now)
        db.session.commit()
    return {
        "slug": seeded.slug,
        "token": avery_token,
        "leaver": leaver_token,
    }


def pages(world) -> dict[str, tuple[str | None, str]]:
    token = world["token"]
    return {
        "organiser-privacy": ("organiser", "/organiser/privacy"),
        "organiser-access-log": ("organiser", "/organiser/privacy/access-log"),
        "participant-manage": (None, f"/r/{token}"),
        "participant-my-data": (None, f"/r/{token}/my-data"),
        "participant-erase": (None, f"/r/{token}/erase"),
        "participant-erased": (None, "/erased"),
        "collection-notice": (None, f"/g/{world['slug']}/register"),
    }


PAGES = [(name, width) for name in pages({"slug": "s", "token": "t"}) for width in WIDTHS]


@pytest.mark.parametrize(("name", "width"), PAGES)
def test_privacy_pages_have_no_wcag_violations(
    name, width, request, chromium, live_server, world, signed_in, axe
):
    role, path = pages(world)[name]
    context, page = open_page(chromium, signed_in, role, width)
    try:
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, (path, response.status)
        check_page(page, axe, f"privacy-{name}-{width}", width)
    finally:
        _keep_evidence(request, page)
        context.close()


def test_the_dry_run_and_requests_show_on_the_privacy_page(
    request, chromium, live_server, world, signed_in, axe
):
    context, page = open_page(chromium, signed_in, "organiser", "1366")
    try:
        page.goto(f"{live_server.url}/organiser/privacy")
        plan = page.get_by_role("region", name="What will be erased, and when")
        expect(plan).to_contain_text("Provincial Gathering 2025")
        expect(plan).to_contain_text("Winter Gathering")
        requests = page.get_by_role("region", name="Erasure requests waiting for an organiser")
        expect(requests).to_contain_text("Casey Past")
        months = page.get_by_label("Months to keep personal data after a gathering")
        months.fill("600")
        page.get_by_role("button", name="Save Perinatal Community of Practice's retention").click()
        summary = page.locator("[data-error-summary]")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("Enter a number of months from 1 to 120.")
        violations = axe(page, "privacy-retention-error")
        assert violations == [], describe(violations)
        page.get_by_label("Months to keep personal data after a gathering").fill("36")
        page.get_by_role("button", name="Save Perinatal Community of Practice's retention").click()
        expect(page.get_by_role("status")).to_contain_text("Retention for")
        expect(page.get_by_label("Months to keep personal data after a gathering")).to_have_value(
            "36"
        )
    finally:
        _keep_evidence(request, page)
        context.close()


def test_a_participant_asks_to_be_erased(request, chromium, live_server, world, signed_in):
    context, page = open_page(chromium, signed_in, None, "390")
    try:
        page.goto(f"{live_server.url}/r/{world['leaver']}")
        page.get_by_role("link", name="Ask us to erase your data").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Ask us to erase your data")
        expect(page.locator("main")).to_contain_text("cancels your registration")
        page.get_by_role("button", name="Erase my data").click()
        expect(page.get_by_role("status")).to_contain_text("Your request is recorded.")
        expect(page.locator("main")).to_contain_text("for your data to be erased")
    finally:
        _keep_evidence(request, page)
        context.close()
    context, page = open_page(chromium, signed_in, "organiser", "1366")
    try:
        page.goto(f"{live_server.url}/organiser/privacy")
        page.get_by_role("button", name="Erase Devon Leaving's data").click()
        expect(page.get_by_role("status")).to_contain_text("Erased as requested")
        expect(page.locator("main")).not_to_contain_text("Devon Leaving")
        log = page.get_by_role("region", name="Erasure log")
        expect(log).to_contain_text("Participant's request")
    finally:
        _keep_evidence(request, page)
        context.close()
    context, page = open_page(chromium, signed_in, None, "1366")
    try:
        assert page.goto(f"{live_server.url}/r/{world['leaver']}").status == 404
    finally:
        context.close()
