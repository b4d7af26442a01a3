"""Matching report rows to registrations and merging each person's rows."""

import random
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.attendance.importers import AttendanceRow, parse_report
from app.attendance.matching import (
    Candidate,
    MatchedBy,
    MatchStatus,
    merged_seconds,
    name_key,
    normalise_name,
    reconcile,
)

SAMPLES = Path(__file__).parent / "data" / "samples"
T0 = datetime(2022, 10, 20, 9, 0)

REGISTERED = [
    Candidate(1, "Amara Singh", "amara.singh@fraserhealth.example"),
    Candidate(2, "Émilie Côté", "emilie.cote@divisionsbc.example"),
    Candidate(3, "Thi Nguyen", "thi.nguyen@islandhealth.example"),
    Candidate(4, "Mary Sxwelitsa", ""),
    Candidate(5, "Jordan O'Neill", "jordan.oneill@northernhealth.example"),
    Candidate(6, "Kalani Morningstar", "kalani@personal.example"),
    Candidate(7, "David Goliath", "d.goliath@home.example"),
    Candidate(8, "Sam Wu", "swu@gov.bc.example"),
    Candidate(9, "Priya Dhaliwal", "priya.dhaliwal@interiorhealth.example"),
]


def row(name, email="", upn="", start=0, end=30, line=2, seconds=None):
    join = T0 + timedelta(minutes=start)
    leave = T0 + timedelta(minutes=end)
    return AttendanceRow(
        line=line,
        name=name,
        email=email,
        upn=upn,
        join=join,
        leave=leave,
        seconds=seconds if seconds is not None else (end - start) * 60,
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Dr. Amara Singh", "amara singh"),
        ("Dr Amara Singh, MD", "amara singh"),
        ("Singh, Dr. Amara", "amara singh"),
        ("Nguyen, Thi (Island Health)", "thi nguyen"),
        ("Elder Mary Sxwelítsa", "mary sxwelitsa"),
        ("Kalani Morningstar (she/her)", "kalani morningstar"),
        ("Kalani Morningstar she/they", "kalani morningstar"),
        ("Kalani Morningstar [they/them]", "kalani morningstar"),
        ("Jordan O’Neill", "jordan oneill"),
        ("Jordan O'Neill", "jordan oneill"),
        ("Émilie Côté", "emilie cote"),
        ("ÉMILIE CÔTÉ", "emilie cote"),
        ("Mary-Anne Łukasz - Fraser Health", "mary anne lukasz"),
        ("Bjørn Ødegård | PSBC", "bjorn odegard"),
        ("  Sam   Wu  ", "sam wu"),
        ("iPhone (2)", "iphone"),
        ("Elder", "elder"),
        ("Amara Singh MD FRCPC", "amara singh"),
        ("Lin Ma", "lin ma"),
        ("Ma, Lin", "lin ma"),
    ],
)
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


def test_name_key_ignores_order():
    assert name_key("Nguyen Thi") == name_key("Thi Nguyen") == name_key("Nguyen, Thi")


def test_match_by_email_case_insensitive_then_upn_then_name():
    rows = [
        row("Someone Else", "AMARA.SINGH@FraserHealth.example", line=2),
        row("Sam Wu", "sam.wu@gov.bc.example", upn="SWU@gov.bc.example", line=3),
        row("Dr. Priya Dhaliwal (she/her)", "", line=4),
        row("Goliath, David", "david.goliath@vch.example", line=5),
    ]
    result = reconcile(rows, REGISTERED)
    by_id = {m.registration_id: m for m in result.matched}
    assert by_id[1].matched_by is MatchedBy.EMAIL
    assert by_id[8].matched_by is MatchedBy.UPN
    assert by_id[9].matched_by is MatchedBy.NAME
    assert by_id[7].matched_by is MatchedBy.NAME
    assert not result.ambiguous and not result.unmatched


def test_same_name_twice_is_ambiguous_unless_email_settles_it():
    candidates = [*REGISTERED, Candidate(10, "Sam Wu", "sam.wu@fnha.example")]
    result = reconcile(
        [row("Sam Wu", line=2), row("Sam Wu", "sam.wu@fnha.example", line=3)], candidates
    )
    assert [m.registration_id for m in result.matched] == [10]
    assert len(result.ambiguous) == 1
    assert result.ambiguous[0].candidate_ids == (8, 10)
    assert result.ambiguous[0].registration_id is None


def test_guests_without_email_and_device_names_stay_unmatched():
    result = reconcile(
        [row("iPhone (2)", line=2), row("Guest (Unverified)", line=3), row("Guest", line=4)],
        REGISTERED,
    )
    assert not result.matched
    assert [(m.name, m.lines) for m in result.unmatched] == [
        ("iPhone (2)", [2]),
        ("Guest (Unverified)", [3, 4]),
    ]


def test_rejoin_rows_are_merged_into_one_record():
    rows = [
        row("Émilie Côté", "emilie.cote@divisionsbc.example", start=0, end=77, line=2),
        row("Emilie Cote", "", start=80, end=214, line=3),
    ]
    (merged,) = reconcile(rows, REGISTERED).matched
    assert merged.registration_id == 2
    assert merged.minutes == 77 + 134
    assert merged.lines == [2, 3]
    assert merged.first_join == T0
    assert merged.last_leave == T0 + timedelta(minutes=214)
    assert merged.email == "emilie.cote@divisionsbc.example"
    assert merged.matched_by is MatchedBy.EMAIL


def test_overlapping_and_duplicate_rows_do_not_double_count():
    laptop = row("Sam Wu", "swu@gov.bc.example", start=0, end=60, line=2)
    phone = row("Sam Wu", "swu@gov.bc.example", start=30, end=90, line=3)
    inside = row("Sam Wu", "swu@gov.bc.example", start=40, end=50, line=4)
    assert merged_seconds([laptop, phone]) == 90 * 60
    assert merged_seconds([laptop, phone, inside]) == 90 * 60
    assert merged_seconds([laptop, laptop]) == 60 * 60
    assert merged_seconds([laptop]) == 60 * 60


def test_report_durations_kept_when_rows_do_not_overlap():
    first = row("A", start=0, end=10, seconds=11 * 60)
    second = row("A", start=20, end=30, seconds=11 * 60)
    assert merged_seconds([first, second]) == 22 * 60


def test_rows_without_times_add_their_durations():
    rows = [
        AttendanceRow(line=2, name="Priya Dhaliwal", seconds=600),
        AttendanceRow(line=3, name="Priya Dhaliwal", seconds=300),
    ]
    (merged,) = reconcile(rows, REGISTERED).matched
    assert merged.seconds == 900 and merged.first_join is None


def test_zoom_sample_against_registrations():
    report = parse_report((SAMPLES / "zoom_participants.csv").read_bytes())
    result = reconcile(report.rows, REGISTERED)
    matched = {m.registration_id: m for m in result.matched}
    assert set(matched) == {1, 2, 3, 4, 5, 6}
    assert matched[2].minutes == 77 + 134
    assert matched[3].matched_by is MatchedBy.EMAIL
    assert matched[4].matched_by is MatchedBy.NAME
    assert matched[6].matched_by is MatchedBy.NAME
    assert matched[5].minutes == 4
    assert [m.name for m in result.unmatched] == ["iPhone (2)"]


def test_teams_sample_against_registrations():
    report = parse_report((SAMPLES / "teams_attendance.csv").read_bytes())
    result = reconcile(report.rows, REGISTERED)
    matched = {m.registration_id: m for m in result.matched}
    assert matched[8].matched_by is MatchedBy.UPN
    assert matched[7].matched_by is MatchedBy.NAME
    assert matched[2].seconds == 22 * 60 + 47 + 35 * 60 + 29
    assert [m.status for m in result.unmatched] == [MatchStatus.UNMATCHED]


def test_twenty_thousand_rows_against_ten_thousand_registrations_is_fast():
    rng = random.Random(4)
    candidates = [
        Candidate(i, f"Person{i} Family{i % 977}", f"person{i}@example.org") for i in range(10_000)
    ]
    rows = []
    for line in range(2, 20_002):
        person = rng.randrange(12_000)
        email = f"PERSON{person}@example.org" if person % 3 else ""
        rows.append(row(f"Person{person} Family{person % 977}", email, line=line))
    started = time.perf_counter()
    result = reconcile(rows, candidates)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    assert len(result.matched) > 7_000
    assert sum(len(m.lines) for m in result.people) == 20_000
