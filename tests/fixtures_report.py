"""A gathering with people, attendance and (where the models exist) notes, for the
report tests."""

import random

import pytest

from app.choices import HealthRegion, OrganisationType, Role
from app.extensions import db
from app.models import AttendanceRecord
from app.models.attendance import dedupe_key


@pytest.fixture
def report_gathering(make_gathering, make_registration):
    """42 confirmed people spread over regions and organisation types, 3 waitlisted, 2
    cancelled; 30 of the confirmed attended (over the 10-minute threshold), 2 stayed
    only 5 minutes; rooms attended by the people who came."""
    rng = random.Random(7)
    gathering = make_gathering(title="Provincial Perinatal Gathering")
    rooms = gathering.breakouts
    regions = [r.value for r in HealthRegion]
    org_types = [o.value for o in OrganisationType]
    roles = [r.value for r in Role]
    confirmed = []
    for n in range(42):
        confirmed.append(
            make_registration(
                gathering,
                health_region=regions[n % 6] if n < 36 else rng.choice(regions),
                organisation_type=org_types[n % 5] if n < 30 else rng.choice(org_types),
                role=rng.choice(roles),
                indigenous_identity=["", "first_nations", "not_indigenous", "metis inuit"][n % 4],
                assigned_breakout_id=rooms[n % len(rooms)].id,
                name=f"Secret Person{n}",
                email=f"secret.person{n}@example.org",
            )
        )
    for n in range(3):
        make_registration(gathering, status="waitlisted", email=f"wait{n}@example.org")
    for n in range(2):
        make_registration(gathering, status="cancelled", email=f"gone{n}@example.org")
    for index, person in enumerate(confirmed[:32]):
        minutes = 5 if index >= 30 else 90
        db.session.add(
            AttendanceRecord(
                gathering_id=gathering.id,
                registration_id=person.id,
                source="zoom",
                minutes=minutes,
                dedupe_key=dedupe_key(
                    gathering_id=gathering.id,
                    agenda_item_id=None,
                    source="zoom",
                    registration_id=person.id,
                ),
            )
        )
        if minutes > 10:
            db.session.add(
                AttendanceRecord(
                    gathering_id=gathering.id,
                    registration_id=person.id,
                    source="zoom",
                    agenda_item_id=person.assigned_breakout_id,
                    minutes=50,
                    dedupe_key=dedupe_key(
                        gathering_id=gathering.id,
                        agenda_item_id=person.assigned_breakout_id,
                        source="zoom",
                        registration_id=person.id,
                    ),
                )
            )
    db.session.commit()
    return gathering


def add_note(room, *, status="submitted", **content):
    """A breakout note stored the way the breakouts feature stores it."""
    from datetime import UTC, datetime

    from app.models.breakouts import BreakoutNote

    values = {
        "summary": "The room discussed **attachment** to a family physician.",
        "themes": ["Continuity of care", "Rural access"],
        "actions": [
            {"text": "Map the newborn care path", "owner": "Working group", "for_steering": True},
            {"text": "Share the clinic toolkit", "owner": "", "for_steering": False},
        ],
        "quotes": [{"text": "One place to find who takes new patients.", "consent": True}],
        "head_count": 12,
    }
    values.update(content)
    note = BreakoutNote(
        agenda_item_id=room.id,
        status=status,
        questions=[],
        submitted_at=datetime.now(UTC) if status == "submitted" else None,
        **values,
    )
    db.session.add(note)
    db.session.commit()
    return note


SCALE_QUESTIONS = [
    ("worthwhile", "The gathering was a good use of my time"),
    ("breakouts", "The breakout discussions were useful to my work"),
]


def add_survey(gathering, scores: list[tuple[int, int]], comments: list[str]):
    """A survey with two rating questions and one open question; one response per pair
    of scores, the first responses carrying the comments. Every attendee holds a link;
    the first ones answered."""
    import secrets
    from datetime import date

    from app.facts import gathering_facts
    from app.models.evaluation import (
        Survey,
        SurveyAnswer,
        SurveyInvitation,
        SurveyQuestion,
        SurveyResponse,
    )

    survey = Survey(gathering_id=gathering.id, title="Evaluation", status="closed")
    db.session.add(survey)
    db.session.flush()
    questions = []
    for position, (key, prompt) in enumerate(SCALE_QUESTIONS):
        questions.append(
            SurveyQuestion(
                survey_id=survey.id, key=key, position=position, kind="scale", prompt=prompt
            )
        )
    open_question = SurveyQuestion(
        survey_id=survey.id, key="worked", position=9, kind="text", prompt="What worked well?"
    )
    choice_question = SurveyQuestion(
        survey_id=survey.id,
        key="room",
        position=8,
        kind="single",
        prompt="Which breakout did you join?",
    )
    choice_question.options = ["Newborn care path", "Care closer to home", "Education"]
    db.session.add_all([*questions, open_question, choice_question])
    attendees = sorted(gathering_facts(gathering).attended_ids)
    for index, registration_id in enumerate(attendees):
        db.session.add(
            SurveyInvitation(
                survey_id=survey.id,
                registration_id=registration_id,
                token_hash=secrets.token_hex(32),
                responded=index < len(scores),
            )
        )
    db.session.flush()
    for index, pair in enumerate(scores):
        response = SurveyResponse(
            survey_id=survey.id,
            edit_key_hash=secrets.token_hex(32),
            submitted_on=date(2026, 11, 20),
        )
        db.session.add(response)
        db.session.flush()
        for question, score in zip(questions, pair, strict=True):
            db.session.add(
                SurveyAnswer(response_id=response.id, question_id=question.id, value=str(score))
            )
        rooms = ["Newborn care path", "Care closer to home", "Care closer to home", "Education"]
        room = rooms[index % 4] if index < 23 else "Education"
        db.session.add(
            SurveyAnswer(response_id=response.id, question_id=choice_question.id, value=room)
        )
        if index < len(comments):
            db.session.add(
                SurveyAnswer(
                    response_id=response.id, question_id=open_question.id, value=comments[index]
                )
            )
    db.session.commit()
    return survey
