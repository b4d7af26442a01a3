"""Breakout assignment: choices, capacity, balance, locks, manual moves and invites."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.breakouts import assignment
from app.breakouts.assignment import AssignmentRefused
from app.extensions import db
from app.models import OutboundEmail, Registration
from tests.conftest import login

pytest_plugins = ["tests.fixtures_breakouts"]

NOW = datetime(2026, 11, 1, 17, tzinfo=UTC)


def invites_sent(registration: Registration) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(OutboundEmail)
        .where(
            OutboundEmail.registration_id == registration.id,
            OutboundEmail.kind == "room_assigned",
        )
    )


@pytest.fixture
def rooms(make_gathering):
    """r0 and r1 hold two people, r2 and r3 have no limit, the other three are closed."""
    gathering = make_gathering()
    rooms = gathering.breakouts
    for room, capacity in zip(rooms, [2, 2, None, None, 0, 0, 0], strict=True):
        room.capacity = capacity
    db.session.commit()
    return gathering, rooms


def people(make_registration, gathering, choices, start=datetime(2026, 9, 1, tzinfo=UTC)):
    """Registrations in the given order of registration, one per (first, second) pair."""
    return [
        make_registration(
            gathering,
            first_choice_id=first.id,
            second_choice_id=second.id if second is not None else None,
            created_at=start + timedelta(minutes=index),
        )
        for index, (first, second) in enumerate(choices)
    ]


def test_everyone_first_choice_before_anyone_second_then_least_full(rooms, make_registration):
    gathering, (r0, r1, r2, r3, *_) = rooms
    p1, p2, p3, p4, p5, p6 = people(
        make_registration,
        gathering,
        [(r0, r1), (r0, r1), (r0, r1), (r1, r0), (r1, r0), (r0, r1)],
    )
    result = assignment.assign_automatically(gathering, now=NOW)
    db.session.commit()

    placed = {p.id: p.assigned_breakout_id for p in (p1, p2, p3, p4, p5, p6)}
    assert placed[p1.id] == placed[p2.id] == r0.id
    # p3 registered before p4 and p5, yet their first choice beats p3's second choice.
    assert placed[p4.id] == placed[p5.id] == r1.id
    # No fitting choice: the least-full open rooms, in agenda order on a tie.
    assert placed[p3.id] == r2.id
    assert placed[p6.id] == r3.id
    assert result == assignment.AssignmentResult(
        first_choice=4,
        second_choice=0,
        other_room=2,
        no_room=0,
        kept_locked=0,
        kept=0,
        changed=6,
    )
    assert assignment.room_counts(gathering) == {r0.id: 2, r1.id: 2, r2.id: 1, r3.id: 1}


def test_second_choice_used_when_first_is_full(rooms, make_registration):
    gathering, (r0, r1, r2, *_) = rooms
    p1, p2, p3 = people(make_registration, gathering, [(r0, r2), (r0, r2), (r0, r1)])
    result = assignment.assign_automatically(gathering, now=NOW)
    assert [p.assigned_breakout_id for p in (p1, p2, p3)] == [r0.id, r0.id, r1.id]
    assert (result.first_choice, result.second_choice) == (2, 1)


def test_every_change_bumps_the_sequence_and_emails_nobody(rooms, make_registration):
    gathering, (r0, r1, *_) = rooms
    p1, p2, p3 = people(make_registration, gathering, [(r0, r1), (r1, r0), (r0, r1)])
    r0.capacity = 1
    db.session.commit()
    before = [p1.calendar_sequence, p2.calendar_sequence, p3.calendar_sequence]
    result = assignment.assign_automatically(gathering, now=NOW)
    db.session.commit()
    assert [p.calendar_sequence for p in (p1, p2, p3)] == [b + 1 for b in before]
    # The service emails nobody (the organiser's page asks first); of the three, only p3
    # goes somewhere other than the first choice their confirmation named.
    assert invites_sent(p1) == invites_sent(p2) == invites_sent(p3) == 0
    assert result.told_of_new_room == (p3,)

    # Same data, same outcome: nothing changes.
    again = assignment.assign_automatically(gathering, now=NOW)
    db.session.commit()
    assert again.changed == 0 and again.told_of_new_room == ()
    assert [p.calendar_sequence for p in (p1, p2, p3)] == [b + 1 for b in before]


def test_the_outcome_does_not_depend_on_insertion_order(rooms, make_registration):
    gathering, (r0, r1, *_) = rooms
    start = datetime(2026, 9, 1, tzinfo=UTC)
    # Inserted in reverse, but registered (created_at) in this order: a, b, c.
    c = make_registration(
        gathering,
        first_choice_id=r0.id,
        second_choice_id=r1.id,
        created_at=start + timedelta(minutes=3),
    )
    b = make_registration(
        gathering,
        first_choice_id=r0.id,
        second_choice_id=r1.id,
        created_at=start + timedelta(minutes=2),
    )
    a = make_registration(
        gathering,
        first_choice_id=r0.id,
        second_choice_id=r1.id,
        created_at=start + timedelta(minutes=1),
    )
    assignment.assign_automatically(gathering, now=NOW)
    assert [a.assigned_breakout_id, b.assigned_breakout_id, c.assigned_breakout_id] == [
        r0.id,
        r0.id,
        r1.id,
    ]


def test_locked_room_keeps_exactly_its_members(rooms, make_registration):
    gathering, (r0, r1, r2, r3, *_) = rooms
    insider, newcomer = people(make_registration, gathering, [(r1, r2), (r0, r1)])
    # The insider was put in r0 by hand although it was not a choice; r0 is then locked.
    assignment.move_person(insider, r0, now=NOW)
    assignment.set_room_locked(r0, True)
    db.session.commit()

    result = assignment.assign_automatically(gathering, now=NOW)
    db.session.commit()
    assert insider.assigned_breakout_id == r0.id
    assert newcomer.assigned_breakout_id == r1.id  # first choice locked: second choice
    assert result.kept_locked == 1
    assert assignment.room_members(r0) == [insider]


def test_a_locked_room_loses_nobody_even_over_capacity(rooms, make_registration):
    gathering, (r0, r1, *_) = rooms
    trio = people(make_registration, gathering, [(r0, r1)] * 3)
    for person in trio:
        person.assigned_breakout_id = r0.id
    r0.room_locked = True
    db.session.commit()
    assignment.assign_automatically(gathering, now=NOW)
    assert [p.assigned_breakout_id for p in trio] == [r0.id] * 3


def test_only_confirmed_people_are_placed_and_others_are_left_alone(rooms, make_registration):
    gathering, (r0, r1, *_) = rooms
    waiting = make_registration(gathering, status="waitlisted", first_choice_id=r0.id)
    gone = make_registration(
        gathering, status="cancelled", first_choice_id=r0.id, assigned_breakout_id=r1.id
    )
    result = assignment.assign_automatically(gathering, now=NOW)
    assert waiting.assigned_breakout_id is None
    assert gone.assigned_breakout_id == r1.id
    assert result.changed == 0
    assert assignment.room_counts(gathering) == {}


def test_people_who_fit_nowhere_stay_without_a_room(make_gathering, make_registration):
    gathering = make_gathering()
    for room in gathering.breakouts:
        room.capacity = 1
    db.session.commit()
    crowd = [make_registration(gathering) for _ in range(9)]
    result = assignment.assign_automatically(gathering, now=NOW)
    assert result.no_room == 2
    assert sum(1 for p in crowd if p.assigned_breakout_id is None) == 2
    assert all(count == 1 for count in assignment.room_counts(gathering).values())
    assert len(assignment.without_room(gathering)) == 2


def test_unlimited_rooms_are_balanced_for_people_without_choices(make_gathering, make_registration):
    gathering = make_gathering()
    for room in gathering.breakouts:
        room.capacity = None
    db.session.commit()
    for _ in range(14):
        make_registration(gathering, first_choice_id=None, second_choice_id=None)
    assignment.assign_automatically(gathering, now=NOW)
    assert sorted(assignment.room_counts(gathering).values()) == [2] * 7


def test_keep_existing_places_only_newcomers(rooms, make_registration):
    gathering, (r0, r1, r2, *_) = rooms
    (moved,) = people(make_registration, gathering, [(r0, r1)])
    assignment.move_person(moved, r2, now=NOW)
    db.session.commit()
    (newcomer,) = people(make_registration, gathering, [(r0, r1)])

    result = assignment.assign_automatically(gathering, now=NOW, keep_existing=True)
    assert moved.assigned_breakout_id == r2.id
    assert newcomer.assigned_breakout_id == r0.id
    assert (result.kept, result.changed) == (1, 1)

    # A full reassignment puts the hand-moved person back to their first choice.
    assignment.assign_automatically(gathering, now=NOW)
    assert moved.assigned_breakout_id == r0.id


def test_removed_room_members_are_placed_again(rooms, make_registration):
    gathering, (r0, r1, r2, *_) = rooms
    (person,) = people(make_registration, gathering, [(r0, r1)])
    assignment.assign_automatically(gathering, now=NOW)
    r0.removed_at = NOW
    db.session.commit()
    assert assignment.without_room(gathering) == [person]
    assignment.assign_automatically(gathering, now=NOW, keep_existing=True)
    assert person.assigned_breakout_id == r1.id


def test_manual_moves_follow_the_rules(rooms, make_registration, make_gathering):
    gathering, (r0, r1, r2, *_) = rooms
    a, b, c = people(make_registration, gathering, [(r0, r1), (r0, r1), (r1, r0)])
    assignment.assign_automatically(gathering, now=NOW)
    db.session.commit()
    sequence = c.calendar_sequence

    with pytest.raises(AssignmentRefused, match="is full"):
        assignment.move_person(c, r0, now=NOW)
    assert assignment.move_person(c, r2, now=NOW) is True
    assert c.assigned_breakout_id == r2.id
    assert c.calendar_sequence == sequence + 1
    assert assignment.move_person(c, r2, now=NOW) is False  # already there: no new invite

    assignment.set_room_locked(r2, True)
    with pytest.raises(AssignmentRefused, match="locked"):
        assignment.move_person(c, r1, now=NOW)
    with pytest.raises(AssignmentRefused, match="locked"):
        assignment.move_person(a, r2, now=NOW)

    other = make_gathering().breakouts[0]
    with pytest.raises(AssignmentRefused, match="not part of this gathering"):
        assignment.move_person(a, other, now=NOW)

    waiting = make_registration(gathering, status="waitlisted")
    with pytest.raises(AssignmentRefused, match="not confirmed"):
        assignment.move_person(waiting, r1, now=NOW)

    assert assignment.move_person(a, None, now=NOW) is True
    assert a.assigned_breakout_id is None
    db.session.commit()
    assert invites_sent(c) == invites_sent(a) == 0  # the route asks, then emails


# --- organiser pages --------------------------------------------------------------------


def test_organiser_assigns_locks_and_moves(organiser_client, rooms, make_registration):
    gathering, (r0, r1, r2, *_) = rooms
    a, b, c = people(make_registration, gathering, [(r0, r1), (r0, r1), (r0, r1)])
    base = f"/organiser/g/{gathering.slug}/breakouts"

    page = organiser_client.get(base)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert r0.title in text and "No limit" in text and "Not started" in text

    # c goes to the second choice: the page asks before emailing them, and saves nothing yet.
    response = organiser_client.post(f"{base}/assign", data={"mode": "all"})
    assert response.status_code == 200
    assert "This will email 1 person" in response.get_data(as_text=True)
    db.session.expire_all()
    assert c.assigned_breakout_id is None and invites_sent(c) == 0
    response = organiser_client.post(f"{base}/assign", data={"mode": "all", "announce": "send"})
    assert response.status_code == 303
    page = organiser_client.get(base).get_data(as_text=True)
    assert "2 got their first choice, 1 their second choice" in page
    assert c.assigned_breakout_id == r1.id
    assert invites_sent(c) == 1 and invites_sent(a) == invites_sent(b) == 0

    response = organiser_client.post(f"{base}/{r1.id}/lock", data={"locked": "1"})
    assert response.status_code == 303
    assert r1.room_locked is True

    # Moving someone out of a locked room: a plain message and a 409, nothing changed.
    response = organiser_client.post(
        f"{base}/move", data={"registration_id": c.id, "room_id": str(r2.id), "back": r1.id}
    )
    assert response.status_code == 409
    assert "is locked" in response.get_data(as_text=True)
    assert c.assigned_breakout_id == r1.id

    organiser_client.post(f"{base}/{r1.id}/lock", data={"locked": "0", "back": "room"})
    move = {"registration_id": c.id, "room_id": str(r2.id), "back": r1.id}
    response = organiser_client.post(f"{base}/move", data=move)
    assert response.status_code == 200 and "This will email 1 person" in response.get_data(
        as_text=True
    )
    response = organiser_client.post(f"{base}/move", data={**move, "announce": "quiet"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{base}/{r1.id}")
    db.session.refresh(c)
    assert c.assigned_breakout_id == r2.id

    response = organiser_client.post(
        f"{base}/move",
        data={"registration_id": c.id, "room_id": "", "back": "", "announce": "quiet"},
    )
    assert response.headers["Location"].endswith(f"{base}/unassigned")
    assert invites_sent(c) == 1  # only the assignment it was sent with
    unassigned = organiser_client.get(f"{base}/unassigned").get_data(as_text=True)
    assert c.name in unassigned and a.name not in unassigned

    room_page = organiser_client.get(f"{base}/{r0.id}").get_data(as_text=True)
    assert a.name in room_page and b.name in room_page and "1st choice" in room_page

    dashboard = organiser_client.get(f"/organiser/g/{gathering.slug}/").get_data(as_text=True)
    assert "Breakout rooms" in dashboard and "Not yet submitted" in dashboard


def test_bad_room_ids_are_404_not_500(organiser_client, rooms, make_registration, make_gathering):
    gathering, (r0, *_) = rooms
    person = make_registration(gathering)
    base = f"/organiser/g/{gathering.slug}/breakouts"
    foreign = make_gathering().breakouts[0]
    assert organiser_client.get(f"{base}/{foreign.id}").status_code == 404
    plenary = gathering.active_agenda[0]
    assert organiser_client.get(f"{base}/{plenary.id}").status_code == 404
    response = organiser_client.post(
        f"{base}/move", data={"registration_id": person.id, "room_id": "abc"}
    )
    assert response.status_code == 400
    response = organiser_client.post(
        f"{base}/move", data={"registration_id": person.id, "room_id": str(foreign.id)}
    )
    assert response.status_code == 404
    response = organiser_client.post(f"{base}/move", data={"registration_id": "999999"})
    assert response.status_code == 404
    response = organiser_client.post(f"{base}/{r0.id}/lock", data={"locked": "maybe"})
    assert response.status_code == 400


def test_steering_and_anonymous_cannot_assign(client, make_user, rooms):
    gathering, _ = rooms
    url = f"/organiser/g/{gathering.slug}/breakouts"
    assert client.get(url).status_code == 302
    login(client, make_user("steering"))
    assert client.get(url).status_code == 403
    assert client.post(url + "/assign", data={"mode": "all"}).status_code == 403


def test_cli_assigns_and_reports(runner, rooms, make_registration):
    gathering, (r0, r1, *_) = rooms
    a, b, c = people(make_registration, gathering, [(r0, r1)] * 3)

    result = runner.invoke(args=["assign-breakouts", gathering.slug, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "First choice 2, second choice 1" in result.output and "3 would change" in result.output
    db.session.expire_all()
    assert a.assigned_breakout_id is None
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 0

    result = runner.invoke(args=["assign-breakouts", gathering.slug])
    assert result.exit_code == 0, result.output
    assert "1 not emailed (--email sends)" in result.output
    db.session.expire_all()
    assert [p.assigned_breakout_id for p in (a, b, c)] == [r0.id, r0.id, r1.id]
    assert invites_sent(c) == 0

    result = runner.invoke(args=["assign-breakouts", gathering.slug, "--email"])
    assert result.exit_code == 0 and "0 emailed" in result.output  # nothing changed since

    result = runner.invoke(args=["assign-breakouts", "no-such-gathering"])
    assert result.exit_code != 0 and "No gathering" in result.output
