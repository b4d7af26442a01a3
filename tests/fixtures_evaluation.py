"""Fixtures for the evaluation survey: a gathering that has happened, attendance, an open
survey. Register with `pytest_plugins = ["tests.fixtures_evaluation"]`."""

from datetime import UTC, datetime, timedelta

import pytest

from app.evaluation import answers, setup
from app.extensions import db
from app.models import AttendanceRecord, Gathering, Registration
from app.models.attendance import AttendanceSource


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def past_gathering(make_gathering, now):
    start = (now - timedelta(days=2)).replace(microsecond=0)
    return make_gathering(
        starts_at=start,
        ends_at=start + timedelta(hours=3, minutes=30),
        registration_opens_at=start - timedelta(days=30),
        registration_closes_at=start - timedelta(hours=1),
    )


def _attend(gathering: Gathering, registration: Registration, minutes: int = 90) -> None:
    db.session.add(
        AttendanceRecord(
            gathering=gathering,
            registration=registration,
            source=AttendanceSource.ZOOM.value,
            minutes=minutes,
            dedupe_key=f"test:{gathering.id}:{registration.id}",
        )
    )
    db.session.commit()


@pytest.fixture
def survey(past_gathering, now):
    created = setup.create_survey(past_gathering, now=now)
    db.session.commit()
    return created


@pytest.fixture
def open_survey(survey, now):
    setup.open_survey(survey, now=now - timedelta(minutes=1))
    db.session.commit()
    return survey


@pytest.fixture
def attend():
    """attend(gathering, registration, minutes=90): a Zoom attendance record."""
    return _attend


@pytest.fixture
def answer_form():
    """answer_form(survey, key=value, ...): form data for the survey page."""
    return _answer_form


def _answer_form(survey, **by_key) -> dict:
    """Form data for the survey page, by question key: scale points, options, text."""
    data = {}
    for question in survey.questions:
        if question.key in by_key:
            data[answers.field_name(question)] = by_key[question.key]
    return data
