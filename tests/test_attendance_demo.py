"""seed_demo_attendance: plausible figures through the real import, and idempotent."""

import random
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.attendance.importers import parse_report
from app.demo.attendance import demo_zoom_report, seed_demo_attendance
from app.extensions import db
from app.facts import gathering_facts
from app.models import AttendanceRecord, ImportBatch, ImportStatus

pytest_plugins = ["tests.fixtures_attendance"]

NOW = datetime(2022, 10, 21, 18, 0, tzinfo=UTC)


def test_demo_report_parses_as_zoom(gathering_2022, make_registration):
    people = [make_registration(gathering_2022, name=f"Demo Person{i}") for i in range(30)]
    taking_part = {p.id for p in people[:20]}
    data = demo_zoom_report(gathering_2022, people, rng=random.Random(1), taking_part=taking_part)
    report = parse_report(data)
    assert report.format == "zoom" and not report.date_order_guessed
    assert len(report.rows) >= len(taking_part) + 7


def test_seed_demo_attendance(gathering_2022, make_registration):
    people = [
        make_registration(gathering_2022, name=f"Demo Person{i}", email=f"demo{i}@example.org")
        for i in range(120)
    ]
    make_registration(gathering_2022, name="Gone", status="cancelled")
    added = seed_demo_attendance(gathering_2022, rng=random.Random(7), now=NOW)
    db.session.commit()
    assert added > 100
    attended = gathering_facts(gathering_2022).present_ids
    assert 0.70 * len(people) <= len(attended) <= 0.92 * len(people)
    assert gathering_facts(gathering_2022).walk_ins == 4
    batch = db.session.scalar(select(ImportBatch))
    assert batch.status == ImportStatus.CONFIRMED and batch.ambiguous == 0
    checkins = gathering_facts(gathering_2022).present_by_item
    assert sum(len(ids) for key, ids in checkins.items() if key is not None) > 50

    again = seed_demo_attendance(gathering_2022, rng=random.Random(7), now=NOW)
    db.session.commit()
    assert again == 0
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == added


def test_exactly_the_asked_number_take_part_even_with_shared_names(
    gathering_2022, make_registration
):
    for i in range(60):
        make_registration(gathering_2022, name="Sam Lee" if i % 10 == 0 else f"Demo Person{i}")
    seed_demo_attendance(gathering_2022, rng=random.Random(3), now=NOW, taking_part=45)
    db.session.commit()
    facts = gathering_facts(gathering_2022)
    assert (facts.registered, facts.attended, facts.walk_ins) == (60, 45, 4)
    assert db.session.scalar(select(ImportBatch.ambiguous)) == 0
