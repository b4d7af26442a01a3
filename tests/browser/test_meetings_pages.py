"""The meeting bridge, the day-of view and the invitation pages in Chromium at 1366 and
390 px: axe-core on each, no sideways scrolling, screenshots kept; the day-of view
refreshing itself; an invitation list uploaded, mapped and confirmed by keyboard and mouse."""

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    WIDTHS,
    _keep_evidence,
    check_page,
    open_page,
)

pytest_plugins = ["tests.fixtures_server"]
pytestmark = pytest.mark.browser

LIST = Path(__file__).resolve().parents[1] / "data" / "invitation_list.csv"
OPT_OUT_TOKEN = "o" * 43


@pytest.fixture(scope="module")
def world(live_server):
    seeded = live_server.seed(title="Perinatal Gathering 2027")
    from app.extensions import db
    from app.models import AgendaItem, Gathering, Invitee, PollResult, Registration
    from app.models.accommodations import AccommodationRequest

    with live_server.app_context():
        now = datetime.now(UTC)
        gathering = db.session.get(Gathering, seeded.gathering_id)
        rooms = sorted(gathering.breakouts, key=lambda item: item.id)
        people = []
        for n in range(24):
            row = Registration(
                gathering=gathering,
                name=f"Participant {n:02d} Ölander",
                email=f"p{n}@example.org",
                role="midwife",
                organisation_name="Northern Health",
                organisation_type="health_authority",
                health_region="northern",
                consent_collection_at=now,
                assigned_breakout_id=rooms[n % 3].id,
                accessibility_needs="Live captions" if n % 7 == 0 else "",
            )
            db.session.add(row)
            people.append(row)
        db.session.flush()
        db.session.add(
            AccommodationRequest(
                gathering_id=gathering.id,
                registration_id=people[0].id,
                kind="captions",
                status="confirmed",
                arrangement="CART captioner booked",
            )
        )
        db.session.add(
            Invitee(
                gathering_id=gathering.id,
                name="Jordan Lee",
                email="jordan@example.org",
                health_region="northern",
                organisation_type="health_authority",
                token_hash=hashlib.sha256(OPT_OUT_TOKEN.encode()).hexdigest(),
            )
        )
        welcome = db.session.scalar(
            db.select(AgendaItem).where(
                AgendaItem.gathering_id == gathering.id, AgendaItem.title == "Welcome"
            )
        )
        for position, (answer, count) in enumerate([("Cultural safety", 14), ("Data", 3)]):
            db.session.add(
                PollResult(
                    gathering_id=gathering.id,
                    agenda_item_id=welcome.id,
                    poll="Opening poll",
                    question="Which priority area matters most to your work this year?",
                    question_position=0,
                    respondents=17,
                    answer=answer,
                    answer_position=position,
                    count=count,
                )
            )
        room_id = rooms[0].id
        db.session.commit()
    return {"slug": seeded.slug, "room": room_id}


def pages(world) -> dict[str, tuple[str | None, str]]:
    slug = world["slug"]
    return {
        "day-of": ("organiser", f"/day/{slug}"),
        "day-of-facilitator": ("facilitator", f"/day/{slug}"),
        "zoom-and-teams": ("organiser", f"/organiser/g/{slug}/meetings?domains=example.org"),
        "room-list": ("organiser", f"/organiser/g/{slug}/meetings/rooms"),
        "polls-and-qa": ("organiser", f"/organiser/g/{slug}/meetings/reports"),
        "invitations": ("organiser", f"/organiser/g/{slug}/invitations"),
        "opt-out": (None, f"/invitations/opt-out/{OPT_OUT_TOKEN}"),
    }


PAGES = [(name, width) for name in pages({"slug": "s", "room": 1}) for width in WIDTHS]


@pytest.mark.parametrize(("name", "width"), PAGES)
def test_pages_have_no_wcag_violations(
    name, width, request, chromium, live_server, world, signed_in, axe
):
    role, path = pages(world)[name]
    context, page = open_page(chromium, signed_in, role, width)
    try:
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, (path, response.status)
        check_page(page, axe, f"meetings-{name}-{width}", width)
    finally:
        _keep_evidence(request, page)
        context.close()


def test_the_day_of_view_refreshes_in_place(request, chromium, live_server, world, signed_in):
    from app.extensions import db
    from app.models import AttendanceRecord, Registration
    from app.models.attendance import dedupe_key

    context, page = open_page(chromium, signed_in, "organiser", "1366")
    try:
        page.clock.install()
        page.goto(f"{live_server.url}/day/{world['slug']}")
        room_row = page.locator("tr", has=page.locator("th a", has_text="Breakout 1:"))
        expect(room_row.locator("td").nth(2)).to_have_text("0")
        with live_server.app_context():
            person = db.session.scalar(
                db.select(Registration).where(Registration.assigned_breakout_id == world["room"])
            )
            db.session.add(
                AttendanceRecord(
                    gathering_id=person.gathering_id,
                    agenda_item_id=world["room"],
                    registration_id=person.id,
                    source="checkin",
                    dedupe_key=dedupe_key(
                        gathering_id=person.gathering_id,
                        agenda_item_id=world["room"],
                        source="checkin",
                        registration_id=person.id,
                    ),
                )
            )
            db.session.commit()
        page.clock.fast_forward("00:31")
        expect(room_row.locator("td").nth(2)).to_have_text("1")
        assert page.url.endswith(f"/day/{world['slug']}")  # no reload, no navigation
    finally:
        _keep_evidence(request, page)
        context.close()


def test_an_invitation_list_is_uploaded_mapped_and_confirmed(
    request, chromium, live_server, world, signed_in, axe
):
    context, page = open_page(chromium, signed_in, "organiser", "390")
    try:
        page.goto(f"{live_server.url}/organiser/g/{world['slug']}/invitations")
        page.get_by_role("button", name="Upload and check the columns").click()
        summary = page.locator("[data-error-summary]")
        expect(summary).to_contain_text("Choose the file with the people to invite.")
        page.get_by_label("Invitation list (CSV or Excel .xlsx)").set_input_files(str(LIST))
        page.get_by_role("button", name="Upload and check the columns").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Check the columns")
        expect(page.get_by_role("table", name="Rows left out, and why")).to_contain_text(
            "is not an email address"
        )
        check_page(page, axe, "meetings-mapping-390", "390")
        page.get_by_label("Name").select_option(label="Org type")
        page.get_by_label("Organisation type").select_option(label="Org type")
        page.get_by_role("button", name="Check again with these columns").click()
        expect(page.locator("[role=alert]")).to_contain_text("Each column can hold one")
        page.get_by_label("Name").select_option(label="Full name")
        page.get_by_role("button", name="Check again with these columns").click()
        page.get_by_role("button", name="Add 5 people to the invitation list").click()
        expect(page.get_by_role("status")).to_contain_text("5 added to the invitation list")
        page.get_by_role("button", name="Invite 6 people not invited yet…").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("This will email 6 people")
        check_page(page, axe, "meetings-invitations-confirm-390", "390")
        page.get_by_role("link", name="Cancel: send nothing").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Invitations")
    finally:
        _keep_evidence(request, page)
        context.close()
