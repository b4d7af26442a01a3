"""The demo survey: closed, about 40% of attendees answered, realistic and anonymous."""

import random

from sqlalchemy import select

from app.demo.evaluation import seed_demo_evaluation
from app.evaluation import setup
from app.extensions import db
from app.facts import frames, gathering_facts, survey_counts
from app.models.evaluation import SurveyInvitation
from app.reporting.load import load_evaluation

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
    survey = setup.survey_for(past_gathering)
    assert survey.state(now) == "closed"
    counts = survey_counts(past_gathering.id)
    assert (counts.invited, counts.responded) == (25, 10)
    invitations = db.session.scalars(select(SurveyInvitation)).all()
    assert {i.registration_id for i in invitations} == {p.id for p in people[:25]}
    assert sum(i.responded for i in invitations) == 10
    assert all(i.reminder_count == 0 for i in invitations if i.responded)
    assert all(i.reminder_count == 1 for i in invitations if not i.responded)

    stored = frames.answers(survey.id)
    overall = next(q["id"] for q in frames.questions(survey.id) if q["key"] == "overall_value")
    scores = stored.loc[stored["question_id"] == overall, "value"].astype(int)
    assert len(scores) == 10 and scores.between(1, 5).all()
    assert (stored["kind"] == "text").any()
    report = load_evaluation(gathering_facts(past_gathering))
    assert report.respondents == 10 and len(report.ratings) >= 10

    assert seed_demo_evaluation(past_gathering, rng=random.Random(7), now=now) == 0


def test_seed_demo_includes_the_evaluation(app, now):
    from app.demo import DEMO_SLUG, seed_demo
    from app.models import Gathering

    seed_demo(126, now=now)
    db.session.commit()
    gathering = db.session.scalar(select(Gathering).where(Gathering.slug == DEMO_SLUG))
    attendees = gathering_facts(gathering).attended
    responses = survey_counts(gathering.id).responded
    assert attendees > 50
    assert 0.35 <= responses / attendees <= 0.45
    assert setup.survey_for(gathering).state(now) == "closed"

    seed_demo(126, now=now)  # running it again adds nothing
    db.session.commit()
    assert survey_counts(gathering.id).responded == responses
