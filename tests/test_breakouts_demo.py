"""The demo gathering gets rooms and submitted notes for all seven breakouts."""

import random
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.breakouts import assignment, note_taking
from app.choices import PriorityArea
from app.demo import DEMO_SLUG, seed_demo
from app.demo.breakouts import DEMO_NOTES, seed_demo_breakouts
from app.extensions import db
from app.models import BreakoutNote, Gathering, OutboundEmail

pytest_plugins = ["tests.fixtures_breakouts"]

NOW = datetime(2026, 11, 26, 19, tzinfo=UTC)


def test_every_area_has_realistic_notes():
    assert set(DEMO_NOTES) == set(PriorityArea)
    for text in DEMO_NOTES.values():
        assert len(text["summary"].split("\n\n")) >= 2
        assert 2 <= len(text["questions"]) <= 4
        assert len(text["themes"]) >= 4
        assert any(action["for_steering"] for action in text["actions"])
        assert text["quotes"]


def test_seeder_assigns_and_submits_once(make_gathering, make_registration):
    gathering = make_gathering()
    people = [make_registration(gathering) for _ in range(30)]
    first = seed_demo_breakouts(gathering, rng=random.Random(1), now=NOW)
    db.session.commit()
    assert first == {"breakout_assignments": 30, "breakout_notes": 7}
    assert all(p.assigned_breakout_id is not None for p in people)
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 0

    overview = note_taking.notes_overview(gathering)
    assert [entry.state for entry in overview] == ["submitted"] * 7
    rows = note_taking.notes_for_report(gathering.id, [r.id for r in gathering.breakouts])
    assert len(rows) == 7
    assert all(row["quotes"] and row["themes"] for row in rows)
    assert any(a["steering"] for row in rows for a in row["actions"])
    counts = assignment.room_counts(gathering)
    for row in rows:
        present = counts.get(row["agenda_item_id"], 0)
        assert (row["head_count"] or 0) <= present

    again = seed_demo_breakouts(gathering, rng=random.Random(1), now=NOW)
    assert again == {"breakout_assignments": 0, "breakout_notes": 0}


def test_seed_demo_includes_breakouts(app):
    seed_demo(60, now=NOW)
    db.session.commit()
    gathering = db.session.scalar(select(Gathering).where(Gathering.slug == DEMO_SLUG))
    notes = db.session.scalars(
        select(BreakoutNote).where(
            BreakoutNote.agenda_item_id.in_([r.id for r in gathering.breakouts])
        )
    ).all()
    assert len(notes) == 7 and {n.status for n in notes} == {"submitted"}
    assert all(n.submitted_at.year == 2022 for n in notes)
    assert assignment.without_room(gathering) == []
