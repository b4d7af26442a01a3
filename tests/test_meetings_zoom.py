"""Zoom's breakout pre-assignment file and the room list for Teams."""

import csv
import io
from datetime import timedelta

from app.choices import AgendaKind, RegistrationStatus
from app.extensions import db
from app.meetings import zoom
from app.models import AgendaItem
from tests.conftest import login


def _rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


def test_the_file_has_zooms_header_and_one_row_per_assigned_person(
    organiser_client, make_gathering, make_registration
):
    gathering = make_gathering(breakouts=False)
    start = gathering.starts_at + timedelta(minutes=30)
    rooms = [
        AgendaItem(
            gathering=gathering,
            kind=AgendaKind.BREAKOUT.value,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
        for title in ("Cultural safety", "=Data, and more", "Patient voice")
    ]
    db.session.add_all(rooms)
    db.session.commit()
    amy = make_registration(
        gathering, name="Amy", email="amy@fraserhealth.ca", assigned_breakout_id=rooms[1].id
    )
    bo = make_registration(
        gathering, name="Bo", email="bo@example.org", assigned_breakout_id=rooms[0].id
    )
    make_registration(
        gathering,
        name="Cy",
        email="cy@example.org",
        assigned_breakout_id=rooms[0].id,
        status=RegistrationStatus.CANCELLED.value,
    )
    make_registration(gathering, name="Di", email="di@example.org")  # no room

    response = organiser_client.get(f"/organiser/g/{gathering.slug}/meetings/zoom-1.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert not response.data.startswith(b"\xef\xbb\xbf")
    assert response.data.endswith(b"\r\n")
    assert _rows(response.data) == [
        ["Pre-assign Room Name", "Email Address"],
        ["Cultural safety", bo.email],
        ["'=Data, and more", amy.email],
    ]


def test_each_meeting_and_session_has_its_own_file(
    organiser_client, make_gathering, make_registration
):
    gathering = make_gathering()  # seven rooms, each with its own join link
    person = make_registration(gathering, assigned_breakout_id=gathering.breakouts[2].id)

    page = organiser_client.get(f"/organiser/g/{gathering.slug}/meetings")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "zoom-7.csv" in text and "zoom-8.csv" not in text
    third = organiser_client.get(f"/organiser/g/{gathering.slug}/meetings/zoom-3.csv")
    assert _rows(third.data)[1] == ["Breakout 3", person.email]
    for number in ("8", "0", "²", "99999999999999999999"):
        assert (
            organiser_client.get(
                f"/organiser/g/{gathering.slug}/meetings/zoom-{number}.csv"
            ).status_code
            == 404
        )


def test_people_past_a_thousand_or_without_email_are_listed_not_dropped():
    people = [zoom.Person(f"P{n}", f"p{n}@example.org", "Room A") for n in range(1002)]
    people.insert(3, zoom.Person("No Address", "", "Room A"))
    result = zoom.build("https://zoom.example/j/1", ["Room A"], people)
    assert len(result.rows) == 1000
    assert [(p.name, p.reason.split(":")[0]) for p in result.left_out] == [
        ("No Address", "no email address on file"),
        ("P1000", "Zoom takes at most 1,000 people a meeting"),
        ("P1001", "Zoom takes at most 1,000 people a meeting"),
    ]
    assert result.csv_bytes().count(b"\r\n") == 1001


def test_rooms_past_a_hundred_are_listed():
    rooms = [f"Room {n}" for n in range(101)]
    result = zoom.build("m", rooms, [zoom.Person("Late", "late@example.org", "Room 100")])
    assert result.rows == [] and "100 rooms" in result.left_out[0].reason


def test_two_rooms_of_one_name_stay_two_rooms(organiser_client, make_gathering, make_registration):
    gathering = make_gathering(breakouts=False)
    start = gathering.starts_at + timedelta(minutes=30)
    rooms = [
        AgendaItem(
            gathering=gathering,
            kind=AgendaKind.BREAKOUT.value,
            title="Data",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
        for _ in range(2)
    ]
    db.session.add_all(rooms)
    db.session.commit()
    for room in rooms:
        make_registration(gathering, assigned_breakout_id=room.id)
    body = organiser_client.get(f"/organiser/g/{gathering.slug}/meetings/zoom-1.csv").data
    assert [row[0] for row in _rows(body)[1:]] == ["Data", "Data (2)"]


def test_addresses_outside_the_zoom_account_are_named_to_move_live(
    organiser_client, make_gathering, make_registration
):
    gathering = make_gathering()
    make_registration(
        gathering,
        name="Inside",
        email="in@fraserhealth.ca",
        assigned_breakout_id=gathering.breakouts[0].id,
    )
    make_registration(
        gathering,
        name="Outside Person",
        email="out@gmail.example",
        assigned_breakout_id=gathering.breakouts[0].id,
    )

    page = organiser_client.get(f"/organiser/g/{gathering.slug}/meetings?domains=fraserhealth.ca")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "may need moving live" in text and "Outside Person" in text
    assert text.count("Inside") == 0

    bad = organiser_client.get(f"/organiser/g/{gathering.slug}/meetings?domains=not+a+domain%21")
    assert bad.status_code == 422
    assert "is not an email domain" in bad.get_data(as_text=True)
    assert 'value="not a domain!"' in bad.get_data(as_text=True)


def test_the_room_list_prints_names_by_room(organiser_client, make_gathering, make_registration):
    gathering = make_gathering()
    make_registration(gathering, name="Zed <b>", assigned_breakout_id=gathering.breakouts[1].id)
    page = organiser_client.get(f"/organiser/g/{gathering.slug}/meetings/rooms")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Breakout 2 (1)" in text and "Zed &lt;b&gt;" in text


def test_only_organisers_get_the_files(client, make_gathering, make_user):
    gathering = make_gathering()
    url = f"/organiser/g/{gathering.slug}/meetings/zoom-1.csv"
    assert client.get(url).status_code in (302, 303)
    for role in ("facilitator", "steering"):
        user = make_user(role)
        login(client, user)
        assert client.get(url).status_code == 403
        client.post("/sign-out")
