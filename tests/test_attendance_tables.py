"""Dashboard attendance tables: the pure summary and the rendered dashboard."""

from datetime import UTC, datetime

import pandas as pd

from app.attendance import checkin
from app.attendance.tables import attendance_summary, dashboard_attendance
from app.extensions import db

pytest_plugins = ["tests.fixtures_attendance"]

NOW = datetime(2022, 10, 21, 18, 0, tzinfo=UTC)


def frame(rows):
    return pd.DataFrame(
        rows, columns=["id", "status", "health_region", "organisation_type", "assigned_breakout_id"]
    )


def test_summary_counts_and_rates():
    registrations = frame(
        [
            (1, "confirmed", "fraser", "division", 10),
            (2, "confirmed", "fraser", "health_authority", 10),
            (3, "confirmed", "island", "division", 11),
            (4, "waitlisted", "island", "division", None),
            (5, "cancelled", "northern", "pcn", None),
            (6, "waitlisted", "vch", "pcn", None),
        ]
    )
    summary = attendance_summary(
        registrations,
        {1, 3, 5},
        breakouts=[(10, "Breakout 1"), (11, "Breakout 2"), (12, "Breakout 3")],
        attended_by_item={10: {1, 3}, 11: {3}},
        walk_ins=2,
    )
    assert (summary.total.registered, summary.total.attended) == (4, 3)
    assert summary.total.percent == "75%"
    regions = {row.label: (row.registered, row.attended) for row in summary.by_region}
    assert regions["Fraser Health"] == (2, 1)
    assert regions["Island Health (Vancouver Island)"] == (1, 1)
    assert regions["Northern Health"] == (1, 1)
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
    summary = attendance_summary(frame([]), set())
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
    summary = dashboard_attendance(gathering_2022)
    assert (summary.total.registered, summary.total.attended) == (9, 1)
    assert summary.by_breakout[0].registered == 2 and summary.by_breakout[0].attended == 1
    html = organiser_client.get(f"/organiser/g/{gathering_2022.slug}/").get_data(as_text=True)
    assert "Attendance by health region" in html
    assert "Attendance per breakout" in html
    assert "of 9 registered (11%)" in html
