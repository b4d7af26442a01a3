"""Organiser pages: gatherings and agenda, the dashboard, the registrant list and exports."""

import csv
import io
import re
from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.facts import gathering_facts
from app.models import AgendaItem, Gathering, Registration
from app.organiser.services import GatheringData
from tests.conftest import login


def gathering_data(gathering: Gathering, **overrides) -> GatheringData:
    values = {f.name: getattr(gathering, f.name) for f in fields(GatheringData)}
    values.update(overrides)
    return GatheringData(**values)


GATHERING_FORM = {
    "title": "Spring Gathering 2024",
    "slug": "spring-gathering-2024",
    "description": "Half a day together.",
    "timezone": "America/Vancouver",
    "starts_at": "2024-03-10T09:00",
    "ends_at": "2024-03-10T12:30",
    "meeting_url": "https://zoom.example/j/555",
    "registration_opens_at": "",
    "registration_closes_at": "",
    "capacity": "120",
    "waitlist_enabled": "y",
    "attendance_threshold_minutes": "10",
    "land_acknowledgement": "On the territories of the xʷməθkʷəy̓əm.",
    "contact_name": "Coordinator",
    "contact_title": "",
    "contact_email": "coord@example.org",
    "contact_phone": "",
    "contact_address": "",
}


def test_pages_need_an_organiser(client, make_user, make_gathering):
    gathering = make_gathering()
    response = client.get(f"/organiser/g/{gathering.slug}/")
    assert response.status_code == 302
    assert "/sign-in?next=" in response.headers["Location"]
    login(client, make_user("steering"))
    assert client.get(f"/organiser/g/{gathering.slug}/").status_code == 403
    assert client.get(f"/organiser/g/{gathering.slug}/registrants.csv").status_code == 403


def test_create_gathering_across_a_clock_change(organiser_client):
    response = organiser_client.post("/organiser/gatherings/new", data=GATHERING_FORM)
    assert response.status_code == 303
    gathering = db.session.scalar(select(Gathering))
    # 10 March 2024 is the day clocks spring forward in BC: 09:00 is PDT, UTC-7.
    assert gathering.starts_at == datetime(2024, 3, 10, 16, 0, tzinfo=UTC)
    assert gathering.capacity == 120


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "Not A Slug"}, "lower-case letters"),
        ({"ends_at": "2024-03-10T08:00"}, "The end must be after the start."),
        ({"starts_at": "2024-03-10T02:30"}, "does not exist"),
        ({"starts_at": "tomorrow"}, "Not a valid datetime"),
        ({"meeting_url": "javascript:alert(1)"}, "full link"),
        ({"capacity": "0"}, "Enter a number from 1."),
        ({"title": ""}, "Enter a title."),
    ],
)
def test_gathering_form_bad_input(organiser_client, overrides, message):
    response = organiser_client.post(
        "/organiser/gatherings/new", data={**GATHERING_FORM, **overrides}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert "Half a day together." in body
    assert db.session.scalar(select(Gathering)) is None


def test_duplicate_slug_is_refused(organiser_client, make_gathering):
    existing = make_gathering()
    response = organiser_client.post(
        "/organiser/gatherings/new", data={**GATHERING_FORM, "slug": existing.slug}
    )
    assert response.status_code == 422
    assert "already uses this web address" in response.get_data(as_text=True)


def test_edit_time_raises_calendar_sequence(organiser_client, make_gathering):
    gathering = make_gathering()
    page = organiser_client.get(f"/organiser/g/{gathering.slug}/edit")
    assert page.status_code == 200
    before = gathering.calendar_sequence
    form = {**GATHERING_FORM, "slug": gathering.slug, "capacity": ""}
    response = organiser_client.post(f"/organiser/g/{gathering.slug}/edit", data=form)
    assert response.status_code == 303
    db.session.refresh(gathering)
    assert gathering.calendar_sequence == before + 1
    assert gathering.capacity is None


def test_agenda_add_edit_remove(organiser_client, make_gathering):
    gathering = make_gathering(breakouts=False)
    base = f"/organiser/g/{gathering.slug}/agenda"
    response = organiser_client.post(
        f"{base}/new",
        data={
            "kind": "breakout",
            "title": "Newborn care path",
            "priority_area": "newborn_care_path",
            "starts_at": "2024-03-10T10:00",
            "ends_at": "2024-03-10T11:00",
            "room_url": "https://zoom.example/j/room",
            "capacity": "25",
        },
    )
    assert response.status_code == 303
    item = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Newborn care path"))
    uid = item.calendar_uid
    response = organiser_client.post(
        f"{base}/{item.id}/edit",
        data={
            "kind": "breakout",
            "title": "Newborn care path",
            "priority_area": "newborn_care_path",
            "starts_at": "2024-03-10T10:30",
            "ends_at": "2024-03-10T11:30",
            "room_url": "https://zoom.example/j/room",
            "capacity": "25",
        },
    )
    assert response.status_code == 303
    db.session.refresh(item)
    assert item.sequence == 1 and item.calendar_uid == uid
    confirm = organiser_client.post(f"{base}/{item.id}/remove")
    assert confirm.status_code == 200 and "Yes, remove it" in confirm.get_data(as_text=True)
    db.session.refresh(item)
    assert item.removed_at is None
    response = organiser_client.post(f"{base}/{item.id}/remove", data={"confirmed": "yes"})
    assert response.status_code == 303
    db.session.refresh(item)
    assert item.removed_at is not None and item.sequence == 2
    assert organiser_client.get(f"{base}/{item.id}/edit").status_code == 404


def test_the_agenda_of_a_gathering_that_is_over_does_not_change(
    organiser_client, make_gathering
):
    past = datetime(2022, 10, 20, 16, tzinfo=UTC)
    gathering = make_gathering(starts_at=past, ends_at=past.replace(hour=20))
    item = gathering.breakouts[0]
    base = f"/organiser/g/{gathering.slug}/agenda"
    for response in (
        organiser_client.get(f"{base}/new"),
        organiser_client.post(f"{base}/{item.id}/edit", data={"title": "Changed"}),
        organiser_client.post(f"{base}/{item.id}/remove", data={"confirmed": "yes"}),
    ):
        assert response.status_code == 303
    db.session.refresh(item)
    assert item.removed_at is None and item.title == "Breakout 1"
    page = organiser_client.get(base).get_data(as_text=True)
    assert "This gathering is over, so its agenda can no longer change" in page


def test_breakout_needs_a_priority_area(organiser_client, make_gathering):
    gathering = make_gathering()
    response = organiser_client.post(
        f"/organiser/g/{gathering.slug}/agenda/new",
        data={
            "kind": "breakout",
            "title": "Room",
            "priority_area": "",
            "starts_at": "2024-03-10T10:00",
            "ends_at": "2024-03-10T11:00",
        },
    )
    assert response.status_code == 422
    assert "Choose the priority area" in response.get_data(as_text=True)


def test_dashboard_counts_and_region_table(organiser_client, make_gathering, make_registration):
    gathering = make_gathering()
    for region, org in [("fraser", "division"), ("fraser", "division"), ("northern", "pcn")]:
        make_registration(gathering, health_region=region, organisation_type=org)
    make_registration(gathering, status="waitlisted")
    make_registration(gathering, status="cancelled")
    body = organiser_client.get(f"/organiser/g/{gathering.slug}/").get_data(as_text=True)
    assert '<span class="stat-number">3</span> <a' in body
    assert '<span class="stat-number">1</span> <a href="/organiser/g/' in body
    assert "Vancouver Coastal" in body and "Primary Care Network" in body

    from app.organiser import tables

    cross = tables.organisation_by_region(gathering_facts(gathering).registrations)
    division = cross.cells[cross.row_labels.index("Division of Family Practice")]
    assert division[cross.column_labels.index("Fraser")] == 2
    assert cross.cells[-1][-1] == 3  # grand total counts confirmed only


def test_registrant_search_filter_and_paging(
    organiser_client, app, make_gathering, make_registration
):
    gathering = make_gathering()
    app.config["REGISTRANTS_PER_PAGE"] = 2
    for i in range(5):
        make_registration(gathering, name=f"Fraser Person {i}")
    make_registration(gathering, name="Émilie Côté", health_region="island")
    url = f"/organiser/g/{gathering.slug}/registrants"
    body = organiser_client.get(url, query_string={"q": "côté"}).get_data(as_text=True)
    assert "Émilie Côté" in body and "Fraser Person" not in body
    body = organiser_client.get(url, query_string={"region": "island"}).get_data(as_text=True)
    assert "<strong>1 registrant</strong> matches the filters (of 6)" in body
    body = organiser_client.get(url, query_string={"page": 3}).get_data(as_text=True)
    assert "Page 3 of 3" in body
    # Numbered pages in a labelled nav, the current one marked; the links keep the
    # filters and the sort, and the counts cover every match, not only the page.
    body = organiser_client.get(
        url, query_string={"q": "fraser person", "sort": "name", "dir": "desc", "page": 2}
    ).get_data(as_text=True)
    nav = body[body.index('<nav class="pager" aria-label="Pages of registrants">') :]
    nav = nav[: nav.index("</nav>")]
    assert "Page 2 of 3: 3 to 4 of 5" in nav
    assert re.search(r'href="[^"]*page=2[^"]*" aria-current="page"', nav)
    assert nav.count("aria-current") == 1
    for number in (1, 3):
        link = re.search(rf'href="([^"]*page={number}[^"]*)"', nav).group(1)
        assert "q=fraser+person" in link and "sort=name" in link and "dir=desc" in link
    assert "<strong>5 registrants</strong> match the filters (of 6)" in body
    assert "All 5 matching the filters" in body
    person = db.session.scalars(select(Registration).order_by(Registration.id)).first()
    page = organiser_client.get(url, query_string={"sort": "registered"}).get_data(as_text=True)
    with app.test_request_context():
        address = url_for("organiser.registrant", slug=gathering.slug, registration_id=person.id)
    assert f'href="{address}"' in page
    assert (
        organiser_client.get(url, query_string={"page": "abc", "status": "bogus"}).status_code
        == 200
    )


def test_exports_neutralise_formulas(organiser_client, make_gathering, make_registration):
    gathering = make_gathering()
    make_registration(
        gathering,
        name='=HYPERLINK("http://evil.example")',
        organisation_name="+SUM(A1)",
        accessibility_needs="@cmd",
    )
    make_registration(gathering, name="Émilie Côté")
    response = organiser_client.get(f"/organiser/g/{gathering.slug}/registrants.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "Name"
    assert rows[1][0].startswith("'=") and rows[1][4] == "'+SUM(A1)" and rows[1][11] == "'@cmd"
    assert rows[2][0] == "Émilie Côté"

    response = organiser_client.get(f"/organiser/g/{gathering.slug}/registrants.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][0].startswith("'=") and values[2][0] == "Émilie Côté"
    assert len(values) == 3


def test_export_respects_filters(organiser_client, make_gathering, make_registration):
    gathering = make_gathering()
    make_registration(gathering, name="Kept", status="waitlisted")
    make_registration(gathering, name="Left out")
    response = organiser_client.get(
        f"/organiser/g/{gathering.slug}/registrants.csv", query_string={"status": "waitlisted"}
    )
    text = response.get_data().decode("utf-8-sig")
    assert "Kept" in text and "Left out" not in text


def test_the_kept_list_shows_each_change_at_once(
    organiser_client, make_gathering, make_registration
):
    """The list's rows are kept between requests; a change to a person or their
    attendance shows on the next view all the same."""
    from app.attendance import checkin

    start = datetime.now(UTC).replace(microsecond=0)
    gathering = make_gathering(starts_at=start, ends_at=start + timedelta(hours=3))
    person = make_registration(gathering, name="Before Rename")
    url = f"/organiser/g/{gathering.slug}/registrants"

    def row() -> str:
        body = organiser_client.get(url).get_data(as_text=True)
        return re.search(r'<tr>\s*<td class="select-col">.*?</tr>', body, re.S).group(0)

    assert ">Before Rename</a>" in row() and "<td>No</td>" in row()
    person.name = "After Rename"
    db.session.commit()
    assert ">After Rename</a>" in row()
    checkin.check_in(gathering, gathering.active_agenda[0], person, user=None, now=start)
    db.session.commit()
    assert "<td>Yes</td>" in row()
