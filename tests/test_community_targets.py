"""Representation targets on the dashboard, the outreach list and its CSV, and
returning participation counted across a community's gatherings."""

import csv
import io
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.community.outreach import outreach_for, returning_participation
from app.community.targets import TargetError, TargetInput, save_targets, target_rows
from app.extensions import db
from app.models import AttendanceRecord, Community, Registration, RepresentationTarget
from app.models.attendance import dedupe_key


class BodyRows(HTMLParser):
    """The text of each cell of each <tbody> row."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.in_body = [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.rows.append([])
        elif tag in ("td", "th") and self.in_body:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join(self.cell.split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def body_rows(html: str) -> list[list[str]]:
    parser = BodyRows()
    parser.feed(html)
    return parser.rows


def attend(gathering, registration, minutes=90):
    db.session.add(
        AttendanceRecord(
            gathering_id=gathering.id,
            registration_id=registration.id,
            source="zoom",
            minutes=minutes,
            dedupe_key=dedupe_key(
                gathering_id=gathering.id,
                agenda_item_id=None,
                source="zoom",
                registration_id=registration.id,
            ),
        )
    )
    db.session.commit()


def test_a_region_target_shows_its_gap_on_the_dashboard(
    make_gathering, make_registration, organiser_client
):
    gathering = make_gathering()
    for n in range(3):
        make_registration(gathering, health_region="northern", email=f"north{n}@example.org")
    make_registration(gathering, health_region="northern", status="cancelled")
    make_registration(gathering, health_region="fraser")
    response = organiser_client.post(
        f"/community/g/{gathering.slug}/targets",
        data={
            "region_kind": "count",
            "region_northern": "10",
            "region_fraser": "1",
            "organisation_kind": "share",
            "organisation_patient_partner": "25",
        },
    )
    assert response.status_code == 303
    page = organiser_client.get(f"/organiser/g/{gathering.slug}/").get_data(as_text=True)
    section = page.split('id="targets-title"')[1].split("</section>")[0]
    rows = {cells[0]: cells[1:] for cells in body_rows(section)}
    assert rows["Northern"][-1] == "7 more"
    assert rows["Northern"][2] == "10" and rows["Northern"][3] == "3"
    assert rows["Fraser"][-1] == "Met"
    assert rows["Patient partner"][1:4] == ["25%", "1", "0"]
    assert "<svg" in section and 'role="img"' in section


def test_targets_are_off_the_dashboard_once_registration_closes(
    make_gathering, make_registration, organiser_client
):
    now = datetime.now(UTC)
    gathering = make_gathering(registration_closes_at=now - timedelta(hours=1))
    save_targets(
        gathering, "health_region", [TargetInput("health_region", "island", "count", 5)], now=now
    )
    db.session.commit()
    page = organiser_client.get(f"/organiser/g/{gathering.slug}/").get_data(as_text=True)
    assert "Representation targets" not in page
    assert len(target_rows(gathering)) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"region_kind": "share", "region_fraser": "60", "region_island": "50"},
            "The shares add up to 110%, more than 100%.",
        ),
        ({"region_kind": "share", "region_fraser": "101"}, "A share is at most 100%."),
        ({"region_kind": "count", "region_fraser": "-3"}, "Enter a whole number from 0"),
        ({"region_kind": "count", "region_fraser": "lots"}, "Not a valid integer value"),
        ({"region_kind": "many", "region_fraser": "3"}, "Not a valid choice"),
    ],
)
def test_bad_targets_are_refused_and_nothing_is_saved(
    make_gathering, organiser_client, data, message
):
    gathering = make_gathering()
    response = organiser_client.post(
        f"/community/g/{gathering.slug}/targets", data={"organisation_kind": "count", **data}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'class="error-summary"' in page
    assert db.session.scalars(select(RepresentationTarget)).all() == []


def test_the_service_refuses_unknown_codes(make_gathering):
    gathering = make_gathering()
    with pytest.raises(TargetError):
        save_targets(
            gathering,
            "health_region",
            [TargetInput("health_region", "atlantis", "count", 1)],
            now=datetime.now(UTC),
        )


@pytest.fixture
def community_pair(make_gathering, make_registration):
    community = Community(name="Perinatal Community of Practice", slug="perinatal-cop")
    db.session.add(community)
    db.session.commit()
    upcoming = make_gathering(community_id=community.id, title="Winter Gathering")
    last = make_gathering(
        community_id=community.id,
        title="Provincial Gathering 2022",
        starts_at=upcoming.starts_at - timedelta(days=365),
        ends_at=upcoming.ends_at - timedelta(days=365),
    )
    consent = datetime.now(UTC) - timedelta(days=400)

    def past(name, email, organisation, *, followup=True, came=True):
        registration = make_registration(
            last,
            name=name,
            email=email,
            organisation_name=organisation,
            organisation_type="division",
            health_region="northern",
            consent_followup_at=consent if followup else None,
        )
        if came:
            attend(last, registration)
        return registration

    past("Quinn Returning", "quinn@example.org", "Prince George Division of Family Practice")
    past("Riley Agreed", "riley@example.org", '=HYPERLINK("http://x")')
    past("Sasha Private", "sasha@example.org", "Comox Valley Division", followup=False)
    past("Toni Absent", "toni@example.org", "Nanaimo Division", came=False)
    make_registration(
        upcoming,
        email="QUINN@example.org",
        organisation_name="prince george  division of family practice",
        consent_followup_at=datetime.now(UTC),
    )
    make_registration(upcoming, email="new@example.org", consent_followup_at=datetime.now(UTC))
    return last, upcoming


def test_outreach_lists_who_took_part_and_has_not_registered(community_pair):
    last, upcoming = community_pair
    found = outreach_for(upcoming)
    assert found.previous_title == "Provincial Gathering 2022"
    assert sorted(o.name for o in found.organisations) == [
        '=HYPERLINK("http://x")',
        "Comox Valley Division",
    ]
    assert [(p.name, p.email) for p in found.people] == [("Riley Agreed", "riley@example.org")]
    assert outreach_for(last).organisations == [] and outreach_for(last).people == []


def test_erased_people_are_never_on_the_outreach_list(community_pair):
    last, upcoming = community_pair
    riley = db.session.get(Registration, outreach_for(upcoming).people[0].registration_id)
    riley.erased_at = datetime.now(UTC)
    db.session.commit()
    assert outreach_for(upcoming).people == []
    assert returning_participation(upcoming)[0].consenting == 2


def test_outreach_page_invites_through_the_composer_and_exports_csv(
    community_pair, organiser_client
):
    last, upcoming = community_pair
    page = organiser_client.get(f"/community/g/{upcoming.slug}/outreach").get_data(as_text=True)
    assert "Riley Agreed" in page and "Sasha Private" not in page and "Toni Absent" not in page
    assert "Quinn Returning" not in page
    riley = outreach_for(upcoming).people[0].registration_id
    link = f"/organiser/g/{last.slug}/messages/new?segment=selected&amp;ids={riley}"
    assert link in page
    compose = organiser_client.get(link.replace("&amp;", "&"))
    assert compose.status_code == 200
    response = organiser_client.get(f"/community/g/{upcoming.slug}/outreach.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Kind", "Name", "Email"]
    assert rows[-1][:3] == ["Person", "Riley Agreed", "riley@example.org"]
    assert all(not cell.startswith("=") for row in rows for cell in row)


def test_returning_participation_counts_consenting_emails_only(community_pair, organiser_client):
    last, upcoming = community_pair
    rows = returning_participation(upcoming)
    assert [(r.title, r.consenting, r.returning) for r in rows] == [
        ("Provincial Gathering 2022", 3, 0),
        ("Winter Gathering", 2, 1),
    ]
    assert rows[1].share_label == "50%"
    page = organiser_client.get(f"/community/g/{upcoming.slug}/").get_data(as_text=True)
    assert "Returning participation" in page and "50%" in page
    assert "quinn@example.org" not in page.lower()
