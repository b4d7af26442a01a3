"""The demo survey: closed, about 40% of attendees answered, realistic and anonymous."""

import random

from sqlalchemy import select

from app.evaluation import data, services
from app.evaluation.demo import seed_demo_evaluation
from app.extensions import db
from app.models.evaluation import SurveyInvitation

pytest_plugins = ["tests.fixtures_evaluation"]


def test_demo_survey_is_closed_with_about_forty_percent_of_attendees(
    past_gathering, make_registration, attend, now
):
    people = [make_registration(past_gathering) for _ in range(30)]
    for person in people[:25]:
        attend(past_gathering, person)

    added = seed_demo_evaluation(past_gathering, rng=random.Random(7), now=now)
    db.session.commit()

    assert added == 10
    survey = services.survey_for(past_gathering)
    assert survey.state(now) == "closed"
    assert data.invited_count(past_gathering.id) == 25
    assert data.responded_count(past_gathering.id) == 10
    invitations = db.session.scalars(select(SurveyInvitation)).all()
    assert {i.registration_id for i in invitations} == {p.id for p in people[:25]}
    assert sum(i.responded for i in invitations) == 10
    assert all(i.reminder_count == 0 for i in invitations if i.responded)
    assert all(i.reminder_count == 1 for i in invitations if not i.responded)

    records = data.answers(past_gathering.id)
    overall = [r["score"] for r in records if r["question"] == "overall_value"]
    assert len(overall) == 10 and all(1 <= s <= 5 for s in overall)
    assert any(r["kind"] == "text" for r in records)
    report = services.evaluation_for_report(past_gathering.id)
    assert report.respondents == 10 and len(report.ratings) >= 10

    assert seed_demo_evaluation(past_gathering, rng=random.Random(7), now=now) == 0


def test_seed_demo_includes_the_evaluation(app, now):
    from app.attendance.services import attended_registration_ids
    from app.demo import DEMO_SLUG, seed_demo
    from app.models import Gathering

    seed_demo(126, now=now)
    db.session.commit()
    gathering = db.session.scalar(select(Gathering).where(Gathering.slug == DEMO_SLUG))
    attendees = len(attended_registration_ids(gathering))
    responses = data.responded_count(gathering.id)
    assert attendees > 50
    assert 0.35 <= responses / attendees <= 0.45
    assert services.survey_for(gathering).state(now) == "closed"

    seed_demo(126, now=now)  # running it again adds nothing
    db.session.commit()
    assert data.responded_count(gathering.id) == responses
