"""Between-gatherings pages in Chromium: axe-core on each, a steering member updating a
recommendation, an organiser setting a target that the dashboard then shows, and a
participant's certificate verified from its link."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PageProblems, _keep_evidence, describe

pytest_plugins = ["tests.fixtures_server"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(live_server):
    """This gathering (registration open) and last year's in one community: last year's
    notes flagged an action, one attendee agreed to follow-up contact, attendance is
    final, and a certificate was issued."""
    seeded = live_server.seed(title="Winter Gathering")
    from app.community.certificates import issue, minutes_attended
    from app.extensions import db
    from app.models import (
        AttendanceRecord,
        BreakoutNote,
        CertificateSettings,
        Community,
        Gathering,
        Recommendation,
        Registration,
    )
    from app.models.attendance import dedupe_key
    from app.outbound.manage_tokens import issue_manage_token

    with live_server.app_context():
        now = datetime.now(UTC)
        community = Community(name="Perinatal Community of Practice", slug="perinatal-cop")
        db.session.add(community)
        this = db.session.get(Gathering, seeded.gathering_id)
        this.community = community
        last = Gathering(
            slug="last-year",
            title="Provincial Gathering 2022",
            community=community,
            starts_at=this.starts_at - timedelta(days=365),
            ends_at=this.ends_at - timedelta(days=365),
            contact_name="Gathering coordinator",
            contact_email="coordinator@example.org",
        )
        db.session.add(last)
        db.session.flush()
        from app.models import AgendaItem

        room = AgendaItem(
            gathering=last,
            kind="breakout",
            title="Care closer to home",
            starts_at=last.starts_at,
            ends_at=last.starts_at + timedelta(hours=1),
        )
        db.session.add(room)
        db.session.flush()
        db.session.add(
            BreakoutNote(
                agenda_item_id=room.id,
                status="submitted",
                questions=[],
                summary="",
                themes=[],
                quotes=[],
                actions=[
                    {
                        "text": "Map the newborn care path",
                        "owner": "Working group",
                        "for_steering": True,
                    }
                ],
                submitted_at=now,
            )
        )
        person = Registration(
            gathering=last,
            name="Avery Attendee",
            email="avery@example.org",
            role="midwife",
            organisation_name="Northern Health",
            organisation_type="health_authority",
            health_region="northern",
            consent_collection_at=now - timedelta(days=400),
            consent_followup_at=now - timedelta(days=400),
        )
        db.session.add(person)
        db.session.flush()
        db.session.add(
            AttendanceRecord(
                gathering_id=last.id,
                registration_id=person.id,
                source="zoom",
                minutes=135,
                dedupe_key=dedupe_key(
                    gathering_id=last.id,
                    agenda_item_id=None,
                    source="zoom",
                    registration_id=person.id,
                ),
            )
        )
        db.session.add(
            CertificateSettings(
                gathering=last,
                attendance_final_at=now,
                require_survey=False,
                accreditation_statement="Certified for up to 3 Mainpro+ credits.",
                credits_per_hour=Decimal("1"),
            )
        )
        db.session.flush()
        token = issue_manage_token(person)
        facts = issue(
            person,
            minutes=minutes_attended(last)[person.id],
            settings=db.session.query(CertificateSettings).one(),
            verify_url=lambda code: f"{live_server.url}/certificates/{code}",
            now=now,
        )
        db.session.commit()
        recommendation_id = db.session.query(Recommendation.id).scalar()
    return {
        "slug": seeded.slug,
        "last_slug": "last-year",
        "token": token,
        "code": facts.code,
        "recommendation_id": recommendation_id,
    }


def pages(world) -> dict[str, tuple[str | None, str, int]]:
    slug = world["slug"]
    return {
        "steering-recommendations-home": ("steering", "/community/recommendations/", 200),
        "steering-recommendations": ("steering", f"/community/g/{slug}/recommendations", 200),
        "organiser-recommendations": (
            "organiser",
            f"/community/g/{world['last_slug']}/recommendations",
            200,
        ),
        "organiser-between": ("organiser", f"/community/g/{slug}/", 200),
        "organiser-certificates": (
            "organiser",
            f"/community/g/{world['last_slug']}/certificates",
            200,
        ),
        "organiser-targets": ("organiser", f"/community/g/{slug}/targets", 200),
        "organiser-outreach": ("organiser", f"/community/g/{slug}/outreach", 200),
        "participant-certificate-offer": (None, f"/r/{world['token']}", 200),
        "certificate-verified": (None, f"/certificates/{world['code']}", 200),
        "certificate-refused": (None, "/certificates/" + "Z" * 24, 404),
    }


PAGES = list(pages({"slug": "s", "last_slug": "l", "token": "t", "code": "c"}))


def open_page(chromium, live_server, signed_in, role):
    options = {"storage_state": signed_in(role)} if role else {}
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, **options)
    page = context.new_page()
    page.problems = PageProblems()
    page.problems.watch(page)
    return context, page


@pytest.mark.parametrize("name", PAGES)
def test_new_page_has_no_wcag_violations(
    name, request, chromium, live_server, world, signed_in, axe
):
    role, path, status = pages(world)[name]
    context, page = open_page(chromium, live_server, signed_in, role)
    try:
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert response.status == status, (path, response.status)
        violations = axe(page, f"community-{name}")
        assert violations == [], f"{name} ({path}):\n{describe(violations)}"
        assert page.locator("main").count() == 1
        assert page.locator("h1").count() == 1
        assert page.problems.csp_violations() == []
        assert [m for m in page.problems.messages if "status of 404" not in m] == []
    finally:
        _keep_evidence(request, page)
        context.close()


def test_steering_member_updates_a_recommendation(
    request, chromium, live_server, world, signed_in, axe
):
    context, page = open_page(chromium, live_server, signed_in, "steering")
    try:
        page.goto(f"{live_server.url}/community/g/{world['slug']}/recommendations")
        card = page.locator(f"#rec-{world['recommendation_id']}")
        expect(card.get_by_role("heading", name="Map the newborn care path")).to_be_visible()
        card.get_by_label("Evidence link").fill("not a link")
        card.get_by_label("Status").select_option(label="In progress")
        card.get_by_role("button", name="Save this recommendation").click()
        summary = page.locator("[data-error-summary]")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("Enter a full link starting with https://")
        violations = axe(page, "community-recommendation-error")
        assert violations == [], describe(violations)

        card = page.locator(f"#rec-{world['recommendation_id']}")
        card.get_by_label("Evidence link").fill("https://example.org/minutes")
        card.get_by_label("What happened").fill("Two health authorities began mapping.")
        card.get_by_role("button", name="Save this recommendation").click()
        expect(page.get_by_role("status")).to_contain_text("Recommendation updated.")
        assert re.search(r"#rec-\d+$", page.url)
        card = page.locator(f"#rec-{world['recommendation_id']}")
        expect(card).to_contain_text("Status: In progress")
        expect(card.locator("ol.updates")).to_contain_text("Two health authorities began mapping.")
    finally:
        _keep_evidence(request, page)
        context.close()


def test_organiser_sets_a_region_target_and_the_dashboard_shows_the_gap(
    request, chromium, live_server, world, signed_in, axe
):
    context, page = open_page(chromium, live_server, signed_in, "organiser")
    try:
        page.goto(f"{live_server.url}/community/g/{world['slug']}/targets")
        page.get_by_label("Health region targets are").select_option(label="Number of people")
        page.get_by_label("Northern Health", exact=True).fill("12")
        page.get_by_role("button", name="Save targets").click()
        expect(page.get_by_role("status")).to_contain_text("Targets saved.")
        page.goto(f"{live_server.url}/organiser/g/{world['slug']}/")
        section = page.locator("section.dashboard-targets")
        row = section.get_by_role("row", name=re.compile("^Northern"))
        expect(row).to_contain_text("12 more")
        expect(section.locator("svg[role=img]")).to_be_visible()
        violations = axe(page, "community-dashboard-targets")
        assert violations == [], describe(violations)
    finally:
        _keep_evidence(request, page)
        context.close()


def test_participant_downloads_a_certificate_whose_link_verifies_it(
    request, chromium, live_server, world
):
    from io import BytesIO

    from pypdf import PdfReader

    context, page = open_page(chromium, live_server, None, None)
    try:
        page.goto(f"{live_server.url}/r/{world['token']}")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download your certificate (PDF)").click()
        pdf = download.value.path().read_bytes()
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).split())
        assert "Avery Attendee" in text and "2 hours 15 minutes" in text
        link = re.search(r"(http://127\.0\.0\.1:\d+/certificates/[A-Za-z0-9_-]+)", text).group(1)
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("This certificate is genuine")
        expect(page.locator("main")).to_contain_text("Avery Attendee")
    finally:
        _keep_evidence(request, page)
        context.close()


def test_organiser_prepares_the_certificates_zip_and_follows_its_progress(
    request, chromium, live_server, world, signed_in, axe
):
    """"Prepare certificates" leads to the run's page, which shows progress (axe-clean),
    follows the job by polling and offers the ZIP once it is ready."""
    import zipfile
    from io import BytesIO

    context, page = open_page(chromium, live_server, signed_in, "organiser")
    try:
        page.goto(f"{live_server.url}/community/g/{world['last_slug']}/certificates")
        page.get_by_role("button", name=re.compile("^Prepare certificates")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Everyone's certificates")
        violations = axe(page, "community-certificates-run")
        assert violations == [], describe(violations)
        download_link = page.get_by_role("link", name=re.compile("^Download the ZIP"))
        expect(download_link).to_be_visible(timeout=60_000)
        violations = axe(page, "community-certificates-ready")
        assert violations == [], describe(violations)
        with page.expect_download() as download:
            download_link.click()
        archive = zipfile.ZipFile(BytesIO(download.value.path().read_bytes()))
        assert len(archive.namelist()) == 1 and archive.namelist()[0].endswith(".pdf")
        assert page.problems.csp_violations() == []
    finally:
        _keep_evidence(request, page)
        context.close()
