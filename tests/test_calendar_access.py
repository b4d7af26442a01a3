"""Who may download which calendar: organisers every gathering's full agenda; a facilitator
only the gatherings where they staff a room, with the links of their own rooms and none of
the other rooms' meeting links, and nothing of a gathering still in draft."""

import icalendar
import pytest

from app.extensions import db
from app.models import BreakoutStaff
from tests.conftest import login


def links_in(data: bytes) -> set[str]:
    calendar = icalendar.Calendar.from_ical(data)
    found = set()
    for event in calendar.walk("VEVENT"):
        if event.get("URL"):
            found.add(str(event["URL"]))
        found.update(word for word in str(event.get("DESCRIPTION", "")).split() if "://" in word)
    return found


@pytest.fixture
def two_gatherings(make_gathering):
    mine = make_gathering()
    other = make_gathering()
    for n, room in enumerate(other.breakouts, start=1):
        room.room_url = f"https://zoom.example/j/other{n}?pwd=secret{n}"
    db.session.commit()
    return mine, other


def test_a_facilitator_without_rooms_gets_no_calendar(client, make_user, two_gatherings):
    _mine, other = two_gatherings
    login(client, make_user("facilitator"))
    assert client.get(f"/organiser/g/{other.slug}/calendar.ics").status_code == 403
    for item in other.agenda_items:
        url = f"/organiser/g/{other.slug}/agenda/{item.id}.ics"
        assert client.get(url).status_code == 403, item.title


def test_a_facilitator_gets_only_their_own_rooms_links(client, make_user, two_gatherings):
    mine, other = two_gatherings
    facilitator = make_user("facilitator")
    own, neighbour = mine.breakouts[0], mine.breakouts[1]
    db.session.add(BreakoutStaff(agenda_item_id=own.id, user_id=facilitator.id))
    db.session.commit()
    login(client, facilitator)

    agenda = client.get(f"/organiser/g/{mine.slug}/calendar.ics")
    assert agenda.status_code == 200
    links = links_in(agenda.get_data())
    assert own.room_url in links
    assert neighbour.room_url not in links
    assert not any("room" in link and link != own.room_url for link in links)
    assert client.get(f"/organiser/g/{mine.slug}/agenda/{own.id}.ics").status_code == 200
    plenary = mine.agenda_items[0]
    assert client.get(f"/organiser/g/{mine.slug}/agenda/{plenary.id}.ics").status_code == 200
    assert client.get(f"/organiser/g/{mine.slug}/agenda/{neighbour.id}.ics").status_code == 403
    # Another gathering, where they staff nothing, stays closed.
    assert client.get(f"/organiser/g/{other.slug}/calendar.ics").status_code == 403


def test_a_draft_gathering_calendar_is_for_organisers(client, make_user, make_gathering, organiser):
    draft = make_gathering()
    draft.published_at = None
    facilitator = make_user("facilitator")
    db.session.add(BreakoutStaff(agenda_item_id=draft.breakouts[0].id, user_id=facilitator.id))
    db.session.commit()
    login(client, facilitator)
    assert client.get(f"/organiser/g/{draft.slug}/calendar.ics").status_code == 403
    client.post("/sign-out")
    login(client, organiser)
    full = client.get(f"/organiser/g/{draft.slug}/calendar.ics")
    assert full.status_code == 200
    assert {room.room_url for room in draft.breakouts} <= links_in(full.get_data())
