"""What facilitators may see and do: only their own rooms, their people's names, and the
room's accessibility needs listed apart from the names."""

import re

import pytest
from sqlalchemy import select

from app.breakouts import note_taking, staffing
from app.breakouts.access import can_staff
from app.extensions import db
from app.models import BreakoutStaff
from tests.conftest import login

pytest_plugins = ["tests.fixtures_breakouts"]


@pytest.fixture
def people_in_room(staffed, make_registration):
    gathering, room = staffed
    alice = make_registration(
        gathering,
        name="Alice O'Neill",
        email="alice.private@example.org",
        organisation_name="Secret Clinic Society",
        health_region="northern",
        hsda="52",
        accessibility_needs="Needs ASL interpretation",
        indigenous_identity="metis",
        territory="Lheidli T'enneh territory",
        assigned_breakout_id=room.id,
    )
    other_room = gathering.breakouts[1]
    bob = make_registration(gathering, name="Bob Elsewhere", assigned_breakout_id=other_room.id)
    return gathering, room, other_room, alice, bob


def test_can_staff_rules(staffed, facilitator, make_user):
    gathering, room = staffed
    other_room = gathering.breakouts[1]
    plenary = gathering.active_agenda[0]
    organiser, steering = make_user("organiser"), make_user("steering")
    outsider = make_user("facilitator")

    assert can_staff(facilitator, room) is True
    assert can_staff(facilitator, other_room) is False
    assert can_staff(facilitator, plenary) is False
    assert can_staff(outsider, room) is False
    assert can_staff(steering, room) is False
    assert can_staff(organiser, other_room) is True
    assert can_staff(organiser, plenary) is True


def test_facilitator_home_lists_only_their_rooms(client, facilitator, staffed, make_gathering):
    gathering, room = staffed
    elsewhere = make_gathering().breakouts[2]
    response = login(client, facilitator)
    assert response.headers["Location"].endswith("/breakouts/")
    html = client.get("/breakouts/").get_data(as_text=True)
    assert room.title in html
    assert f"/breakouts/{room.id}" in html
    assert f"/breakouts/{gathering.breakouts[1].id}" not in html
    assert f'/breakouts/{elsewhere.id}"' not in html


def test_facilitator_sees_names_and_nothing_else(client, facilitator, people_in_room):
    """Names, and the room's accessibility needs as a list apart from the names."""
    gathering, room, _, alice, bob = people_in_room
    login(client, facilitator)
    for url in (f"/breakouts/{room.id}", f"/breakouts/{room.id}/notes"):
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        for private in (
            "alice.private@example.org",
            "Secret Clinic Society",
            "Northern Health",
            "Lheidli T",
            "Métis",
            bob.name,
        ):
            assert private not in html, (url, private)
    room_page = client.get(f"/breakouts/{room.id}").get_data(as_text=True)
    assert "Alice O&#39;Neill" in room_page
    assert "Nico Notetaker" in room_page  # the other person working in the room
    needs_item = re.search(r"<li>Needs ASL interpretation</li>", room_page)
    assert needs_item is not None
    assert "Alice" not in room_page[needs_item.start() - 200 : needs_item.end() + 200]
    notes_page = client.get(f"/breakouts/{room.id}/notes").get_data(as_text=True)
    assert "Needs ASL interpretation" not in notes_page


@pytest.mark.parametrize(
    "path",
    ["", "/notes", "/notes/versions", "/notes/versions/1"],
)
def test_facilitator_cannot_open_another_room(
    client, facilitator, note_taker, people_in_room, path
):
    gathering, room, other_room, _, _ = people_in_room
    note_taking.save_note(
        other_room,
        note_taking.NoteContent(summary="x"),
        based_on=0,
        user=None,
        now=gathering.starts_at,
    )
    db.session.commit()
    login(client, facilitator)
    assert client.get(f"/breakouts/{other_room.id}{path}").status_code == 403


def test_facilitator_cannot_write_another_rooms_notes(
    client, facilitator, people_in_room, notes_post
):
    _, _, other_room, _, _ = people_in_room
    login(client, facilitator)
    response = client.post(f"/breakouts/{other_room.id}/notes", data=notes_post(0))
    assert response.status_code == 403
    assert note_taking.note_for(other_room) is None


def test_facilitator_cannot_open_organiser_pages(client, facilitator, people_in_room):
    gathering, room, _, alice, _ = people_in_room
    login(client, facilitator)
    base = f"/organiser/g/{gathering.slug}"
    for url in (
        f"{base}/",
        f"{base}/registrants",
        f"{base}/breakouts",
        f"{base}/breakouts/{room.id}",
        f"{base}/breakouts/unassigned",
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        f"{base}/breakouts/move", data={"registration_id": alice.id, "room_id": ""}
    )
    assert response.status_code == 403
    assert alice.assigned_breakout_id == room.id
    response = client.post(f"{base}/breakouts/{room.id}/lock", data={"locked": "1"})
    assert response.status_code == 403 and room.room_locked is False


def test_unknown_and_plenary_items_are_404(client, facilitator, staffed):
    gathering, _ = staffed
    login(client, facilitator)
    assert client.get("/breakouts/999999").status_code == 404
    assert client.get(f"/breakouts/{gathering.active_agenda[0].id}/notes").status_code == 404


def test_other_roles_and_anonymous_are_kept_out(client, make_user, staffed):
    _, room = staffed
    response = client.get(f"/breakouts/{room.id}/notes")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    login(client, make_user("steering"))
    assert client.get("/breakouts/").status_code == 403
    assert client.get(f"/breakouts/{room.id}/notes").status_code == 403


def test_removing_staff_takes_access_away(
    organiser_client, staffed, facilitator, make_user, client
):
    gathering, room = staffed
    staff = db.session.scalar(select(BreakoutStaff).where(BreakoutStaff.user_id == facilitator.id))
    base = f"/organiser/g/{gathering.slug}/breakouts/{room.id}"
    page = organiser_client.get(base).get_data(as_text=True)
    assert "Fran Facilitator" in page and "Nico Notetaker" in page

    response = organiser_client.post(f"{base}/staff/{staff.id}/remove")
    assert response.status_code == 303
    assert can_staff(facilitator, room) is False

    organiser_client.post("/sign-out")
    login(client, facilitator)
    assert client.get(f"/breakouts/{room.id}").status_code == 403


def test_organiser_gives_rooms_to_facilitator_accounts_only(
    organiser_client, organiser, make_gathering, facilitator
):
    gathering = make_gathering()
    room = gathering.breakouts[3]
    base = f"/organiser/g/{gathering.slug}/breakouts/{room.id}"
    response = organiser_client.post(
        f"{base}/staff", data={"user_id": str(facilitator.id), "role": "note_taker"}
    )
    assert response.status_code == 303
    assert staffing.staff_role(facilitator, room) == "note_taker"
    # Giving it again changes the job rather than adding a second row.
    organiser_client.post(
        f"{base}/staff", data={"user_id": str(facilitator.id), "role": "facilitator"}
    )
    assert [s.role for s in staffing.room_staff(room)] == ["facilitator"]

    response = organiser_client.post(
        f"{base}/staff", data={"user_id": str(organiser.id), "role": "facilitator"}
    )
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    with pytest.raises(staffing.StaffRefused):
        staffing.add_staff(room, organiser, "facilitator")
    with pytest.raises(staffing.StaffRefused):
        staffing.add_staff(room, facilitator, "boss")
    response = organiser_client.post(f"{base}/staff", data={"user_id": "", "role": "facilitator"})
    assert response.status_code == 422
    assert "Choose an account" in response.get_data(as_text=True)
