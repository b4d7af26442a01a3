"""Dashboard attendance tables: the pure summary and the rendered dashboard."""

from datetime import UTC, datetime

import pandas as pd

from app.attendance import checkin
from app.attendance.tables import attendance_summary
from app.extensions import db
from app.facts import GatheringFacts, gathering_facts, rules

pytest_plugins = ["tests.fixtures_attendance"]

NOW = datetime(2022, 10, 21, 18, 0, tzinfo=UTC)


def facts_of(rows, attendance, walk_ins=0):
    registrations = pd.DataFrame(
        rows, columns=["id", "status", "health_region", "organisation_type", "assigned_breakout_id"]
    )
    records = pd.DataFrame(
        attendance,
        columns=["registration_id", "agenda_item_id", "source", "minutes", "dedupe_key"],
    )
    return GatheringFacts(
        gathering_id=1,
        threshold_minutes=10,
        registrations=rules.annotate(registrations, rules.present_ids(records, 10)),
        attendance=records,
        present_by_item=rules.present_by_item(records, 10),
        walk_ins=walk_ins,
    )


def test_summary_counts_and_rates():
    facts = facts_of(
        [
            (1, "confirmed", "fraser", "division", 10),
            (2, "confirmed", "fraser", "health_authority", 10),
            (3, "confirmed", "island", "division", 11),
            (4, "waitlisted", "island", "division", None),
            (5, "cancelled", "northern", "pcn", None),
            (6, "waitlisted", "vch", "pcn", None),
            (7, "confirmed", "northern", "pcn", None),
        ],
        [
            (1, 10, "checkin", 0, "a"),
            (3, 10, "zoom", 30, "b"),
            (3, 11, "zoom", 30, "c"),
            (5, None, "checkin", 0, "d"),
            (2, None, "zoom", 4, "e"),
        ],
        walk_ins=2,
    )
    summary = attendance_summary(
        facts, breakouts=[(10, "Breakout 1"), (11, "Breakout 2"), (12, "Breakout 3")]
    )
    assert (summary.total.registered, summary.total.attended) == (4, 2)
    assert summary.total.percent == "50%"
    assert summary.no_shows == 2
    assert summary.present_without_place == {"waitlisted": 0, "cancelled": 1}
    regions = {row.label: (row.registered, row.attended) for row in summary.by_region}
    assert regions["Fraser Health"] == (2, 1)
    assert regions["Island Health (Vancouver Island)"] == (1, 1)
    assert regions["Northern Health"] == (1, 0)  # the cancelled person who came is not here
    assert regions["Outside BC"] == (0, 0)
    assert len(summary.by_region) == 8
    types = {row.label: row.attended for row in summary.by_organisation_type}
    assert types["Division of Family Practice"] == 2
    breakouts = [(r.label, r.registered, r.attended, r.percent) for r in summary.by_breakout]
    assert breakouts == [
        ("Breakout 1", 2, 1, "50%"),
        ("Breakout 2", 1, 1, "100%"),
        ("Breakout 3", 0, 0, "–"),
    ]
    assert summary.walk_ins == 2 and summary.has_records


def test_summary_of_nothing():
    summary = attendance_summary(facts_of([], []))
    assert summary.total.registered == 0 and summary.total.percent == "–"
    assert not summary.has_records


def test_dashboard_shows_attendance(organiser_client, gathering_2022, sample_people):
    empty = organiser_client.get(f"/organiser/g/{gathering_2022.slug}/")
    assert "No attendance yet." in empty.get_data(as_text=True)
    breakout = gathering_2022.breakouts[0]
    for person in ("Amara", "Sam"):
        sample_people[person].assigned_breakout_id = breakout.id
    checkin.check_in(gathering_2022, breakout, sample_people["Amara"], user=None, now=NOW)
    checkin.add_walk_in(gathering_2022, breakout, name="Walk In", email="", user=None, now=NOW)
    db.session.commit()
    summary = attendance_summary(
        gathering_facts(gathering_2022),
        breakouts=[(item.id, item.title) for item in gathering_2022.breakouts],
    )
    assert (summary.total.registered, summary.total.attended) == (9, 1)
    assert summary.by_breakout[0].registered == 2 and summary.by_breakout[0].attended == 1
    html = organiser_client.get(f"/organiser/g/{gathering_2022.slug}/").get_data(as_text=True)
    assert "Attendance by health region" in html
    assert "Attendance per breakout" in html
    assert "of 9 registered (11%)" in html
