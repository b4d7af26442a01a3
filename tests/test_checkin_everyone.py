"""Check-in knows everyone registered: a walk-in whose email or name matches a
registration is checked in against it (no walk-in is counted); check-in opens on the
gathering's day (an organiser may open it early for a rehearsal, with a plain warning);
the survey cannot open before the gathering starts."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.evaluation import setup
from app.evaluation.setup import SurveyError
from app.extensions import db
from app.facts import gathering_facts
from app.models import AttendanceRecord

pytest_plugins = ["tests.fixtures_attendance"]


def checkin_url(gathering, item, suffix=""):
    return f"/g/{gathering.slug}/checkin/{item.id}{suffix}"


def walk_in_records() -> int:
    return db.session.scalar(
        select(func.count(AttendanceRecord.id)).where(AttendanceRecord.registration_id.is_(None))
    )


def test_a_walk_in_with_a_registered_email_is_checked_in_against_it(
    organiser_client, gathering_2022, sample_people
):
    amara = sample_people["Amara"]
    room = gathering_2022.breakouts[3]
    page = organiser_client.post(
        checkin_url(gathering_2022, room, "/walk-in"),
        data={"name": "A. Singh", "email": amara.email.upper()},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Amara Singh is registered: checked in against their registration" in page
    assert walk_in_records() == 0
    facts = gathering_facts(gathering_2022)
    assert facts.walk_ins == 0 and amara.id in facts.present_ids


def test_a_walk_in_with_a_registered_name_is_linked_and_a_stranger_is_not(
    organiser_client, gathering_2022, sample_people
):
    room = gathering_2022.breakouts[0]
    organiser_client.post(
        checkin_url(gathering_2022, room, "/walk-in"), data={"name": "  sam   WU ", "email": ""}
    )
    assert walk_in_records() == 0
    assert sample_people["Sam"].id in gathering_facts(gathering_2022).present_ids
    organiser_client.post(
        checkin_url(gathering_2022, room, "/walk-in"),
        data={"name": "Mere Ngata", "email": "mere@x.example"},
    )
    assert walk_in_records() == 1


@pytest.fixture
def next_month(make_gathering, make_registration):
    gathering = make_gathering()  # thirty days from now
    return gathering, make_registration(gathering, name="Early Bird")


def test_check_in_opens_on_the_gathering_day(organiser_client, next_month):
    gathering, person = next_month
    plenary = gathering.agenda_items[0]
    page = organiser_client.get(checkin_url(gathering, plenary)).get_data(as_text=True)
    assert "Check-in opens on the day of the gathering" in page
    response = organiser_client.post(
        checkin_url(gathering, plenary, "/present"),
        data={"present": person.id},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409 and "opens on the day" in response.json["error"]
    organiser_client.post(
        checkin_url(gathering, plenary, "/walk-in"), data={"name": "Someone", "email": ""}
    )
    assert not db.session.scalar(select(func.count(AttendanceRecord.id)))

    # A rehearsal: the organiser opens it early and is told plainly what that records.
    page = organiser_client.get(checkin_url(gathering, plenary) + "?rehearsal=1")
    assert "Rehearsal." in page.get_data(as_text=True)
    response = organiser_client.post(
        checkin_url(gathering, plenary, "/present"),
        data={"present": person.id, "rehearsal": "1"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200 and response.json["present"] is True


def test_a_facilitator_cannot_rehearse_early(client, make_user, next_month):
    from app.models import BreakoutStaff
    from tests.conftest import login

    gathering, person = next_month
    room = gathering.breakouts[0]
    facilitator = make_user("facilitator")
    db.session.add(BreakoutStaff(agenda_item_id=room.id, user_id=facilitator.id))
    db.session.commit()
    login(client, facilitator)
    response = client.post(
        checkin_url(gathering, room, "/present"),
        data={"present": person.id, "rehearsal": "1"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409
    assert "Open it now for a rehearsal" not in client.get(checkin_url(gathering, room)).get_data(
        as_text=True
    )


def test_the_survey_cannot_open_before_the_gathering_starts(app, next_month):
    gathering, _ = next_month
    survey = setup.create_survey(gathering, now=datetime.now(UTC))
    db.session.commit()
    with pytest.raises(SurveyError, match="cannot open before the gathering starts"):
        setup.open_survey(survey, now=datetime.now(UTC))
    with pytest.raises(SurveyError, match="cannot open before the gathering starts"):
        setup.update_settings(
            survey,
            title=survey.title,
            intro="",
            opens_at=gathering.starts_at - timedelta(days=1),
            closes_at=None,
        )
    setup.open_survey(survey, now=gathering.starts_at + timedelta(minutes=1))
    assert survey.status == "open"
