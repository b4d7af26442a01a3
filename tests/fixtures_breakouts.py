"""Fixtures for breakout tests: facilitator accounts, staffed rooms and notes form posts.

Register with `pytest_plugins = ["tests.fixtures_breakouts"]`."""

import pytest

from app.breakouts import staffing
from app.extensions import db


@pytest.fixture
def facilitator(make_user):
    user = make_user("facilitator", email="facilitator@example.org")
    user.name = "Fran Facilitator"
    db.session.commit()
    return user


@pytest.fixture
def note_taker(make_user):
    user = make_user("facilitator", email="notes@example.org")
    user.name = "Nico Notetaker"
    db.session.commit()
    return user


@pytest.fixture
def staffed(make_gathering, facilitator, note_taker):
    """A gathering whose first breakout has a facilitator and a note-taker."""
    gathering = make_gathering()
    room = gathering.breakouts[0]
    staffing.add_staff(room, facilitator, "facilitator")
    staffing.add_staff(room, note_taker, "note_taker")
    db.session.commit()
    return gathering, room


@pytest.fixture(name="notes_post")
def notes_post_fixture():
    return notes_post


def notes_post(version: int = 0, action: str = "save", **fields) -> dict:
    """Form data as the notes page sends it."""
    data = {
        "version": str(version),
        "action": action,
        "questions": "What gets in the way?\nWhat would help?",
        "summary": "People spoke about **attachment**.\n\nA second paragraph.",
        "other_themes": "",
        "actions-0-text": "Map attachment lists by region",
        "actions-0-owner": "Working group",
        "actions-0-for_steering": "y",
        "actions-1-text": "",
        "actions-1-owner": "",
        "quotes-0-text": "We need one number to call.",
        "quotes-0-consent": "y",
        "head_count": "14",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}
