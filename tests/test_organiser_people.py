"""The registrant page, its history and actions, and the list's sort, filters and bulk
actions: through HTTP, against the real database, with the outbox rows they write."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AttendanceRecord,
    ManageToken,
    OutboundEmail,
    RegistrantEvent,
    Registration,
)
from app.needs import needs_summary
from app.outbound.mail import deliver_due
from app.registration.services import RegistrationData, register


def emails(registration: Registration, kind: str | None = None) -> list[OutboundEmail]:
    query = select(OutboundEmail).where(OutboundEmail.registration_id == registration.id)
    if kind:
        query = query.where(OutboundEmail.kind == kind)
    return list(db.session.scalars(query))


def person_url(gathering, registration, suffix: str = "") -> str:
    return f"/organiser/g/{gathering.slug}/registrants/{registration.id}{suffix}"


def data(name: str, email: str, **overrides) -> RegistrationData:
    values = {
        "name": name,
        "email": email,
        "role": "nurse",
        "organisation_name": "Island Health",
        "organisation_type": "health_authority",
        "health_region": "island",
        "consent_collection": True,
    }
    values.update(overrides)
    return RegistrationData(**values)


@pytest.fixture
def full_gathering(make_gathering):
    """Two places, both taken, and one person waiting."""
    gathering = make_gathering(capacity=2)
    now = datetime.now(UTC)
    people = [
        register(gathering, data(f"Person {n}", f"p{n}@example.org"), now=now).registration
        for n in range(3)
    ]
    db.session.commit()
    return gathering, people


def test_history_records_what_happened_without_personal_data(full_gathering):
    gathering, (first, second, waiting) = full_gathering
    kinds = db.session.scalars(
        select(RegistrantEvent.kind).where(RegistrantEvent.registration_id == waiting.id)
    ).all()
    assert kinds == ["waitlisted"]
    from app.registration.services import cancel

    cancel(first, now=datetime.now(UTC))
    db.session.commit()
    assert db.session.scalars(
        select(RegistrantEvent.kind).where(RegistrantEvent.registration_id == waiting.id)
    ).all() == ["waitlisted", "promoted"]
    details = " ".join(db.session.scalars(select(RegistrantEvent.detail)))
    assert "example.org" not in details and "Person" not in details


def test_registrant_page_shows_everything_and_the_emails(organiser_client, full_gathering):
    gathering, (first, *_rest) = full_gathering
    first.accessibility_needs = "Live captions, please."
    db.session.commit()
    page = organiser_client.get(person_url(gathering, first)).get_data(as_text=True)
    assert "Live captions, please." in page and "Captions" in page
    assert "p0@example.org" in page
    assert "You are registered" in page  # the confirmation email in the history
    assert "Waiting to be sent" in page


def test_give_a_place_needs_the_over_capacity_confirmation(organiser_client, full_gathering):
    gathering, (_first, _second, waiting) = full_gathering
    url = person_url(gathering, waiting, "/act")
    response = organiser_client.post(url, data={"action": "give_place"})
    assert response.status_code == 409
    assert "Tick the box to give the place anyway" in response.get_data(as_text=True)
    db.session.refresh(waiting)
    assert waiting.status == "waitlisted" and not emails(waiting, "promoted")

    form = {"action": "give_place", "over_capacity": "y"}
    response = organiser_client.post(url, data=form)
    assert response.status_code == 200
    assert "This will email 1 person" in response.get_data(as_text=True)
    db.session.refresh(waiting)
    assert waiting.status == "waitlisted"  # nothing saved until the organiser chooses
    response = organiser_client.post(url, data={**form, "announce": "send"})
    assert response.status_code == 303
    db.session.refresh(waiting)
    assert waiting.status == "confirmed"
    assert len(emails(waiting, "promoted")) == 1


def test_cancel_saved_without_emailing_emails_nobody(organiser_client, full_gathering):
    gathering, (first, _second, waiting) = full_gathering
    url = person_url(gathering, first, "/act")
    confirm = organiser_client.post(url, data={"action": "cancel"}).get_data(as_text=True)
    assert "This will email 2 people" in confirm  # the cancelled and the promoted person
    db.session.refresh(first)
    assert first.status == "confirmed"
    response = organiser_client.post(url, data={"action": "cancel", "announce": "quiet"})
    assert response.status_code == 303
    db.session.refresh(first)
    db.session.refresh(waiting)
    assert first.status == "cancelled" and not emails(first, "cancelled")
    assert waiting.status == "confirmed" and not emails(waiting, "promoted")


def test_move_mark_attended_resend_and_erase(organiser_client, full_gathering):
    gathering, (first, second, _waiting) = full_gathering
    room = gathering.breakouts[2]
    url = person_url(gathering, first, "/act")
    response = organiser_client.post(
        url, data={"action": "move", "room_id": str(room.id), "announce": "send"}
    )
    assert response.status_code == 303
    # An update waits a few minutes for a later change to replace it, then is rendered.
    deliver_due(now=datetime.now(UTC) + timedelta(minutes=6))
    [placed] = emails(first, "room_assigned")
    assert f"You have been placed in {room.title}" in placed.text_body

    organiser_client.post(url, data={"action": "attended"})
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AttendanceRecord)
            .where(AttendanceRecord.registration_id == first.id)
        )
        == 1
    )
    organiser_client.post(url, data={"action": "resend", "confirmed": "yes"})
    assert len(emails(first, "manage_link")) == 1
    organiser_client.get(person_url(gathering, first))  # shows (and clears) the notices

    response = organiser_client.post(url, data={"action": "erase", "confirmed": "yes"})
    assert response.status_code == 303
    db.session.refresh(first)
    assert first.erased_at is not None and first.name == "Erased registrant"
    assert first.organisation_name == "" and "example.org" not in first.email
    assert first.status == "confirmed" and first.health_region == "island"
    assert not db.session.scalars(
        select(ManageToken).where(ManageToken.registration_id == first.id)
    ).all()
    assert all("p0@" not in e.to_address and "Person 0" not in e.text_body for e in emails(first))
    page = organiser_client.get(person_url(gathering, first)).get_data(as_text=True)
    assert "Personal data erased" in page and "p0@example.org" not in page


def test_edit_on_their_behalf(organiser_client, full_gathering):
    gathering, (first, *_rest) = full_gathering
    response = organiser_client.post(
        person_url(gathering, first, "/edit"),
        data={
            "name": "Person Zero",
            "email": "p0@example.org",
            "role": "nurse",
            "organisation_name": "Island Health",
            "organisation_type": "health_authority",
            "health_region": "island",
            "first_choice": str(gathering.breakouts[0].id),
            "accessibility_needs": "ASL interpretation",
            "announce": "send",
        },
    )
    assert response.status_code == 303
    db.session.refresh(first)
    assert first.name == "Person Zero"
    assert emails(first, "registration_changed")
    event = db.session.scalar(
        select(RegistrantEvent).where(
            RegistrantEvent.registration_id == first.id, RegistrantEvent.kind == "edited"
        )
    )
    assert event.detail == "Changed: name, first choice, accessibility needs"


def test_list_sorts_by_any_column_and_keeps_the_filters(
    organiser_client, make_gathering, make_registration
):
    gathering = make_gathering()
    for name in ("Cleo", "Abe", "Bea"):
        make_registration(gathering, name=name, email=f"{name.lower()}@example.org")
    make_registration(gathering, name="Dan", email="dan@example.org", health_region="northern")
    url = f"/organiser/g/{gathering.slug}/registrants"
    page = organiser_client.get(url, query_string={"region": "fraser", "sort": "name"})
    html = page.get_data(as_text=True)
    names = re.findall(r'registrants/\d+">(\w+)</a>', html)
    assert names == ["Abe", "Bea", "Cleo"]
    assert 'aria-sort="ascending"' in html
    assert "sort=name&amp;dir=desc" in html and "region=fraser" in html
    html = organiser_client.get(
        url, query_string={"region": "fraser", "sort": "name", "dir": "desc"}
    ).get_data(as_text=True)
    assert re.findall(r'registrants/\d+">(\w+)</a>', html) == ["Cleo", "Bea", "Abe"]
    assert 'aria-sort="descending"' in html
    assert "3 registrants" in html and "(of 4)" in html


def test_list_filters_needs_room_and_attendance(
    organiser_client, make_gathering, make_registration
):
    gathering = make_gathering()
    room = gathering.breakouts[0]
    a = make_registration(gathering, name="Ada", accessibility_needs="Plain language please")
    make_registration(gathering, name="Bob", assigned_breakout_id=room.id)
    url = f"/organiser/g/{gathering.slug}/registrants"
    html = organiser_client.get(url, query_string={"needs": "yes"}).get_data(as_text=True)
    assert re.findall(r'registrants/\d+">(\w+)</a>', html) == ["Ada"]
    html = organiser_client.get(url, query_string={"room": room.id}).get_data(as_text=True)
    assert re.findall(r'registrants/\d+">(\w+)</a>', html) == ["Bob"]
    organiser_client.post(person_url(gathering, a, "/act"), data={"action": "attended"})
    html = organiser_client.get(url, query_string={"attended": "no"}).get_data(as_text=True)
    assert re.findall(r'registrants/\d+">(\w+)</a>', html) == ["Bob"]


def test_bulk_move_confirms_and_emails_only_changed_people(
    organiser_client, make_gathering, make_registration
):
    gathering = make_gathering()
    room = gathering.breakouts[1]
    a = make_registration(gathering, name="Ada")
    b = make_registration(gathering, name="Bob")
    c = make_registration(gathering, name="Cy", assigned_breakout_id=room.id)
    url = f"/organiser/g/{gathering.slug}/registrants/bulk"
    form = {"action": "move", "room_id": str(room.id), "ids": [a.id, b.id, c.id]}
    confirm = organiser_client.post(url, data=form).get_data(as_text=True)
    assert "Move 2 people?" in confirm and "This will email 2 people" in confirm
    assert not emails(a)
    response = organiser_client.post(url, data={**form, "announce": "send"})
    assert response.status_code == 303
    for person in (a, b, c):
        db.session.refresh(person)
        assert person.assigned_breakout_id == room.id
    assert len(emails(a, "room_assigned")) == len(emails(b, "room_assigned")) == 1
    assert not emails(c)


def test_bulk_cancel_all_matching(organiser_client, make_gathering, make_registration):
    gathering = make_gathering()
    make_registration(gathering, name="Ada", health_region="northern")
    keep = make_registration(gathering, name="Bob")
    url = f"/organiser/g/{gathering.slug}/registrants/bulk"
    form = {"action": "cancel", "all_matching": "y", "region": "northern"}
    assert "This will email 1 person" in organiser_client.post(url, data=form).get_data(
        as_text=True
    )
    assert organiser_client.post(url, data={**form, "announce": "quiet"}).status_code == 303
    statuses = dict(db.session.execute(select(Registration.name, Registration.status)).all())
    assert statuses == {"Ada": "cancelled", "Bob": "confirmed"}
    assert not db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.kind == "cancelled")
    ).all()
    assert not emails(keep, "cancelled")


def test_needs_summary_sorts_typed_answers():
    summary = needs_summary(
        [
            "Live captions, please.",
            "ASL interpreter",
            "plain-language materials",
            "A quiet room",
            "",
        ]
    )
    assert summary == {
        "captions": 1,
        "asl": 1,
        "plain_language": 1,
        "other": 1,
        "any": 4,
    }


def test_dashboard_at_a_glance(organiser_client, make_gathering, make_registration):
    gathering = make_gathering()
    make_registration(gathering, accessibility_needs="ASL interpreter please")
    make_registration(gathering, accessibility_needs="captions", status="cancelled")
    make_registration(gathering)
    page = organiser_client.get(f"/organiser/g/{gathering.slug}/").get_data(as_text=True)
    assert re.search(r'stat-number">(29|30|31)</span>\s*days to go', page)
    assert "ASL interpretation: <strong>1</strong>" in page
    assert "Captions: <strong>0</strong>" in page  # the cancelled person is not counted
    assert "has no facilitator" in page and "The survey is not ready" in page
    assert "No reminders are scheduled" in page
    assert 'src="data:image/svg+xml;base64,' in page
    assert "Running total" in page


def test_a_facilitator_sees_the_needs_of_their_room_not_whose(
    client, make_gathering, make_registration, make_user
):
    from app.breakouts.staffing import add_staff
    from tests.conftest import login

    gathering = make_gathering()
    room = gathering.breakouts[0]
    make_registration(
        gathering,
        name="Nadia Needs",
        assigned_breakout_id=room.id,
        accessibility_needs="Plain-language slides",
        organisation_name="Secret Org",
    )
    facilitator = make_user("facilitator")
    add_staff(room, facilitator, "facilitator")
    db.session.commit()
    login(client, facilitator)
    page = client.get(f"/breakouts/{room.id}").get_data(as_text=True)
    assert "Plain-language slides" in page
    assert "Secret Org" not in page and "person" not in page.split("needs-title")[1][:400]
