"""The invitation list: import with column mapping (nothing saved before confirming),
invitations and one reminder through a loopback SMTP server after the organiser saw them,
opt-outs for good, the prefilled registration link and the funnel."""

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.choices import RegistrationStatus
from app.extensions import db
from app.invitations import reading
from app.models import AttendanceRecord, Invitee, InviteeUpload, OutboundEmail
from app.models.attendance import AttendanceSource, dedupe_key
from app.outbound.mail import deliver_due

pytest_plugins = ["tests.fixtures_mail"]

DATA = Path(__file__).parent / "data"
LIST = (DATA / "invitation_list.csv").read_bytes()


@pytest.fixture
def app(tmp_path, smtp_server, mail_app_for):
    yield from mail_app_for(tmp_path, smtp_server)


def _upload(client, gathering, content=LIST, name="invitation_list.csv"):
    return client.post(
        f"/organiser/g/{gathering.slug}/invitations/upload",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _mapping_url(response) -> str:
    return response.headers["Location"]


def _mapping(**chosen) -> dict:
    values = {
        "map_name": "0",
        "map_email": "1",
        "map_organisation_name": "2",
        "map_organisation_type": "3",
        "map_health_region": "4",
    }
    values.update(chosen)
    return values


def _imported(organiser_client, gathering) -> None:
    url = _mapping_url(_upload(organiser_client, gathering))
    response = organiser_client.post(url, data={**_mapping(), "action": "import"})
    assert response.status_code == 303, response.get_data(as_text=True)


def _deliver() -> list:
    deliver_due(now=datetime.now(UTC), limit=1000)


def test_columns_are_guessed_and_bad_rows_explained_before_anything_is_saved(
    organiser_client, make_gathering
):
    gathering = make_gathering()
    response = _upload(organiser_client, gathering)
    assert response.status_code == 303
    page = organiser_client.get(_mapping_url(response))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    # Guessed: each of our fields on the right column.
    for field, column in _mapping().items():
        assert re.search(rf'id="{field}".*?<option selected value="{column}"', text, re.S), field
    assert "5 people will be on the list" in text
    assert "1 row repeats an address higher up" in text
    assert "<td>5</td><td>“not-an-address” is not an email address</td>" in text
    assert "<td>7</td><td>“Atlantis” is not a health region we know" in text
    assert db.session.scalar(select(func.count(Invitee.id))) == 0


def test_confirming_saves_merged_normalised_rows_and_sends_nothing(
    organiser_client, make_gathering, smtp_server
):
    gathering = make_gathering()
    _imported(organiser_client, gathering)
    people = {i.email: i for i in db.session.scalars(select(Invitee))}
    assert sorted(people) == [
        "amara.singh@fraserhealth.example",
        "elise.tremblay@islandhealth.example",
        "formula@division.example",
        "jordan.lee@northernhealth.example",
        "noor.haddad@patientvoices.example",
    ]
    amara = people["amara.singh@fraserhealth.example"]
    assert (amara.name, amara.organisation_type, amara.health_region) == (
        "Amara Singh",
        "health_authority",
        "fraser",
    )
    assert people["jordan.lee@northernhealth.example"].health_region == "northern"
    assert people["noor.haddad@patientvoices.example"].organisation_type == "patient_partner"
    assert db.session.scalar(select(InviteeUpload.content)) is None
    assert db.session.scalar(select(func.count(OutboundEmail.id))) == 0

    exported = organiser_client.get(f"/organiser/g/{gathering.slug}/invitations.csv")
    from app.models import AccessLogEntry

    logged = db.session.scalars(select(AccessLogEntry)).one()
    assert (logged.what, logged.people) == ("invitation_list", 5)
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    formula = next(row for row in rows if row[1] == "formula@division.example")
    assert formula[0].startswith("'=HYPERLINK") and formula[2].startswith("'+Division")


def test_a_wrong_mapping_is_explained_and_kept(organiser_client, make_gathering):
    gathering = make_gathering()
    url = _mapping_url(_upload(organiser_client, gathering))
    same = organiser_client.post(url, data={**_mapping(map_name="1"), "action": "import"})
    assert same.status_code == 422
    assert "Each column can hold one of our fields only" in same.get_data(as_text=True)
    none = organiser_client.post(url, data={**_mapping(map_email=""), "action": "import"})
    assert none.status_code == 422
    assert "Choose the column that holds the email addresses" in none.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Invitee.id))) == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"Name,Email\nJos\xe9,jose@example.org\n", "l.csv", "Line 2 is not UTF-8"),
        (b"", "l.csv", "The file is empty"),
        (b"Name,Email\n", "l.csv", "at least one person"),
        (b"PK\x03\x04 broken", "l.xlsx", "not an Excel workbook"),
    ],
)
def test_unreadable_files_are_refused_beside_the_field(
    organiser_client, make_gathering, content, name, message
):
    gathering = make_gathering()
    response = _upload(organiser_client, gathering, content, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(InviteeUpload.id))) == 0


def test_an_excel_list_reads_like_a_csv(organiser_client, make_gathering):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Email", "Region"])
    sheet.append(["Ana Ruiz", "ANA@example.org", "Vancouver Coastal"])
    sheet.append([None, None, None])
    sheet.append(["Bo", 12345, "Interior"])
    buffer = io.BytesIO()
    book.save(buffer)
    table = reading.read_table(buffer.getvalue(), "list.xlsx")
    checked = reading.check_rows(table, reading.guess_mapping(table.headers))
    assert [row["email"] for row in checked.good] == ["ana@example.org"]
    assert checked.good[0]["health_region"] == "vch"
    assert checked.bad == [(4, "“12345” is not an email address")]


def test_invitations_wait_for_confirmation_then_go_once_each(
    organiser_client, make_gathering, smtp_server, make_registration
):
    gathering = make_gathering()
    _imported(organiser_client, gathering)
    make_registration(gathering, email="noor.haddad@patientvoices.example")  # already in

    preview = organiser_client.post(
        f"/organiser/g/{gathering.slug}/invitations/send", data={"kind": "invite"}
    )
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "This will email 4 people" in text and "You are invited to" in text
    assert db.session.scalar(select(func.count(OutboundEmail.id))) == 0

    sent = organiser_client.post(
        f"/organiser/g/{gathering.slug}/invitations/send",
        data={"kind": "invite", "confirmed": "yes"},
    )
    assert sent.status_code == 303
    _deliver()
    messages = smtp_server.inbox.messages
    assert sorted(m["To"] for m in messages) == [
        "amara.singh@fraserhealth.example",
        "elise.tremblay@islandhealth.example",
        "formula@division.example",
        "jordan.lee@northernhealth.example",
    ]
    body = messages[0].get_body(("plain",)).get_content()
    assert "http://gathering.test/g/" in body and "localhost" not in body
    # Sending again finds nobody left to invite.
    again = organiser_client.post(
        f"/organiser/g/{gathering.slug}/invitations/send",
        data={"kind": "invite", "confirmed": "yes"},
    )
    assert again.status_code == 303
    assert db.session.scalar(select(func.count(OutboundEmail.id))) == 4


def _links(message) -> tuple[str, str]:
    body = message.get_body(("plain",)).get_content()
    register = re.search(r"http://gathering\.test(/g/\S+/register\?invite=\S+)", body).group(1)
    opt_out = re.search(r"http://gathering\.test(/invitations/opt-out/\S+)", body).group(1)
    return register, opt_out


def test_the_link_prefills_registration_and_opt_out_holds_for_good(
    organiser_client, client, make_gathering, smtp_server, make_registration
):
    gathering = make_gathering()
    _imported(organiser_client, gathering)
    organiser_client.post(
        f"/organiser/g/{gathering.slug}/invitations/send",
        data={"kind": "invite", "confirmed": "yes"},
    )
    _deliver()
    by_address = {m["To"]: m for m in smtp_server.inbox.messages}
    register, _ = _links(by_address["amara.singh@fraserhealth.example"])
    form = organiser_client.get(register).get_data(as_text=True)
    assert 'value="Amara Singh"' in form and 'value="amara.singh@fraserhealth.example"' in form
    assert re.search(r'<option selected value="fraser">', form)

    _, opt_out = _links(by_address["jordan.lee@northernhealth.example"])
    page = organiser_client.get(opt_out)
    assert page.status_code == 200 and "Stop invitations" in page.get_data(as_text=True)
    assert (
        db.session.scalar(
            select(Invitee.opted_out_at).where(Invitee.email == "jordan.lee@northernhealth.example")
        )
        is None
    )  # opening is not asking
    assert organiser_client.post(opt_out).status_code == 200

    # Elise registers: no reminder for her; Jordan opted out; the other three get one each.
    make_registration(gathering, email="elise.tremblay@islandhealth.example")
    preview = organiser_client.post(
        f"/organiser/g/{gathering.slug}/invitations/send", data={"kind": "remind"}
    )
    assert "This will email 3 people" in preview.get_data(as_text=True)
    organiser_client.post(
        f"/organiser/g/{gathering.slug}/invitations/send",
        data={"kind": "remind", "confirmed": "yes"},
    )
    organiser_client.post(
        f"/organiser/g/{gathering.slug}/invitations/send",
        data={"kind": "remind", "confirmed": "yes"},
    )
    _deliver()
    reminders = [m["To"] for m in smtp_server.inbox.messages if m["Subject"].startswith("Reminder")]
    assert sorted(reminders) == [
        "amara.singh@fraserhealth.example",
        "formula@division.example",
        "noor.haddad@patientvoices.example",
    ]
    # The first invitation's link still works after the reminder.
    assert 'value="Amara Singh"' in organiser_client.get(register).get_data(as_text=True)

    # Jordan on the next gathering's list is never written to.
    later = make_gathering()
    _imported(organiser_client, later)
    preview = organiser_client.post(
        f"/organiser/g/{later.slug}/invitations/send", data={"kind": "invite"}
    )
    assert "This will email 4 people" in preview.get_data(as_text=True)
    assert "jordan.lee" not in preview.get_data(as_text=True).split("The email")[1].split("<pre")[0]


def test_the_funnel_counts_equal_the_rows(organiser_client, make_gathering, make_registration):
    gathering = make_gathering()
    _imported(organiser_client, gathering)
    amara = make_registration(
        gathering, email="amara.singh@fraserhealth.example", health_region="fraser"
    )
    make_registration(
        gathering,
        email="jordan.lee@northernhealth.example",
        status=RegistrationStatus.CANCELLED.value,
    )
    make_registration(gathering, email="walkup@example.org", health_region="fraser")
    db.session.add(
        AttendanceRecord(
            gathering_id=gathering.id,
            agenda_item_id=gathering.active_agenda[0].id,
            registration_id=amara.id,
            source=AttendanceSource.CHECKIN.value,
            dedupe_key=dedupe_key(
                gathering_id=gathering.id,
                agenda_item_id=gathering.active_agenda[0].id,
                source=AttendanceSource.CHECKIN.value,
                registration_id=amara.id,
            ),
        )
    )
    db.session.commit()
    from app.invitations.services import funnel

    result = funnel(gathering)
    assert (result.on_list, result.registered, result.attended) == (5, 1, 1)
    assert result.uninvited_registered == 1
    fraser = next(row for row in result.by_region if row.code == "fraser")
    assert (fraser.invited, fraser.registered, fraser.attended, fraser.uninvited_registered) == (
        1,
        1,
        1,
        1,
    )
    assert sum(row.invited for row in result.by_region) == 5
    assert sum(row.invited for row in result.by_type) == 5
    page = organiser_client.get(f"/organiser/g/{gathering.slug}/invitations")
    assert "registered without an invitation" in page.get_data(as_text=True)
    dashboard = organiser_client.get(f"/organiser/g/{gathering.slug}/").get_data(as_text=True)
    assert "Who we invited, who came" in dashboard


def test_only_organisers_see_the_list(client, make_gathering, make_user):
    from tests.conftest import login

    gathering = make_gathering()
    for role in ("facilitator", "steering"):
        login(client, make_user(role))
        for url in ("invitations", "invitations.csv"):
            assert client.get(f"/organiser/g/{gathering.slug}/{url}").status_code == 403
        client.post("/sign-out")
    assert client.get("/invitations/opt-out/" + "a" * 43).status_code == 404
