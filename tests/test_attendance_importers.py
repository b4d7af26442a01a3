"""The Zoom/Teams report parser, on the shared samples and on variants of them."""

from datetime import date, datetime
from pathlib import Path

import pytest

from app.attendance.importers import (
    AttendanceFileError,
    Problem,
    decide_date_order,
    map_header,
    parse_duration,
    parse_report,
)

SAMPLES = Path(__file__).parent / "data" / "samples"
DATA = Path(__file__).parent / "data" / "attendance"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def variant(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_zoom_sample():
    report = parse_report(sample("zoom_participants.csv"))
    assert report.format == "zoom"
    assert report.encoding == "utf-8"
    assert len(report.rows) == 8
    first = report.rows[0]
    assert first.line == 2
    assert first.name == "Dr. Amara Singh"
    assert first.email == "amara.singh@fraserhealth.example"
    assert first.join == datetime(2022, 10, 20, 8, 52, 11)
    assert first.leave == datetime(2022, 10, 20, 12, 31, 40)
    assert first.seconds == 220 * 60
    comma_name = report.rows[3]
    assert comma_name.name == "Nguyen, Thi (Island Health)"
    assert comma_name.email == "THI.NGUYEN@islandhealth.example"
    guest = report.rows[4]
    assert guest.guest and guest.email == ""
    unpadded = report.rows[6]
    assert unpadded.name == "Jordan O'Neill"
    assert unpadded.join == datetime(2022, 10, 20, 9, 5, 33)
    assert report.rows[-1].leave == datetime(2022, 10, 20, 12, 30)


def test_zoom_sample_with_meeting_block_and_bom():
    report = parse_report(sample("zoom_participants_with_meeting.csv"))
    assert report.format == "zoom"
    assert report.encoding == "utf-8-sig"
    assert report.meeting["Meeting ID"] == "812 3456 7890"
    assert report.meeting["Topic"] == "Perinatal CoP Provincial Gathering 2022"
    assert report.header_line == 4
    assert [row.line for row in report.rows] == [5, 6, 7, 8, 9]
    assert report.rows[0].name == "Dr. Amara Singh"


def test_teams_sample_uses_per_join_rows_and_keeps_upns():
    report = parse_report(sample("teams_attendance.csv"))
    assert report.format == "teams"
    assert report.encoding == "utf-16-le"
    assert report.delimiter == "\t"
    assert report.meeting["Meeting title"].startswith("Perinatal CoP breakout")
    names = [row.name for row in report.rows]
    assert names.count("Émilie Côté") == 2
    emilie = [row for row in report.rows if row.name == "Émilie Côté"]
    assert [row.seconds for row in emilie] == [22 * 60 + 47, 35 * 60 + 29]
    sam = next(row for row in report.rows if row.name == "Sam Wu")
    assert sam.email == "sam.wu@gov.bc.example"
    assert sam.upn == "swu@gov.bc.example"
    assert sam.join == datetime(2022, 10, 20, 10, 55)
    guest = next(row for row in report.rows if row.name == "Guest (Unverified)")
    assert guest.email == "" and guest.seconds == 500
    assert report.rows[0].seconds == 3600 + 60 + 20


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-le", b""),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-16-be", b""),
    ],
)
@pytest.mark.parametrize("name", ["zoom_participants.csv", "teams_attendance.csv"])
def test_every_encoding_and_byte_order(name, encoding, bom):
    original = parse_report(sample(name))
    text = sample(name).decode("utf-16" if name.startswith("teams") else "utf-8-sig")
    report = parse_report(bom + text.encode(encoding))
    assert report.rows == original.rows
    assert report.format == original.format


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings(newline):
    text = sample("zoom_participants.csv").decode().replace("\r\n", "\n")
    report = parse_report(text.replace("\n", newline).encode())
    assert len(report.rows) == 8
    assert report.rows[2].line == 4


def test_dayfirst_two_digit_years_24h_lowercase_headers_extra_columns():
    report = parse_report(variant("zoom_dayfirst_24h.csv"))
    assert report.format == "zoom"
    assert report.date_order == "dmy"
    assert not report.date_order_guessed
    assert report.rows[0].join == datetime(2022, 10, 20, 8, 52)
    assert report.rows[1].name == "Zoë Ng (she/they)"
    assert report.rows[1].join == datetime(2022, 10, 20, 13, 5)
    assert report.rows[3].name == "Conor O’Brien"
    assert report.rows[3].guest


def test_unique_users_export_without_times():
    report = parse_report(variant("zoom_unique_users.csv"))
    assert [(row.name, row.seconds) for row in report.rows] == [
        ("Priya Dhaliwal", 213 * 60),
        ("Côté, Émilie", 41 * 60),
    ]
    assert report.rows[0].join is None


def test_french_headers_semicolons_windows_1252_iso_dates():
    report = parse_report(variant("zoom_french_semicolon_cp1252.csv"))
    assert report.encoding == "cp1252"
    assert report.delimiter == ";"
    assert report.date_order == "ymd"
    assert report.rows[1].name == "Jean-François Lévesque"
    assert report.rows[1].guest
    assert report.rows[0].join == datetime(2022, 10, 20, 8, 58, 3)


def test_old_teams_joined_left_events_are_paired():
    report = parse_report(variant("teams_v1_events_utf16le.csv"))
    assert report.format == "teams"
    spans = [(row.name, row.join.time().isoformat(), row.seconds) for row in report.rows]
    assert spans == [
        ("Dr. Amara Singh", "10:45:10", 3680),
        ("Émilie Côté", "10:47:13", 22 * 60 + 47),
        ("Émilie Côté", "11:10:30", 35 * 60 + 29),
    ]


def test_teams_utf16_be_without_bom_unnumbered_summary_day_first():
    report = parse_report(variant("teams_v2_utf16be_nobom_dayfirst.csv"))
    assert report.format == "teams"
    assert report.encoding == "utf-16-be"
    assert report.meeting["Meeting Title"] == "Breakout 4: postpartum transitions"
    kalani = report.rows[1]
    assert kalani.email == "" and kalani.upn == "k.morningstar@fnha.example"
    assert kalani.seconds == 44 * 60 + 30
    assert kalani.join == datetime(2022, 10, 20, 13, 5, 30)


def test_header_capitalisation_and_column_order_do_not_matter():
    text = (
        "DURATION (MINUTES),JOIN TIME,NAME (ORIGINAL NAME),LEAVE TIME,USER EMAIL\n"
        "30,10/20/2022 9:00:00 am,Ana Silva,10/20/2022 9:30:00 am,ANA@X.example\n"
    )
    row = parse_report(text.encode()).rows[0]
    assert (row.name, row.email, row.seconds) == ("Ana Silva", "ANA@X.example", 1800)
    assert row.join == datetime(2022, 10, 20, 9, 0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10/20/2022 08:52:11 AM", datetime(2022, 10, 20, 8, 52, 11)),
        ("10/20/2022 8:52:11 PM", datetime(2022, 10, 20, 20, 52, 11)),
        ("10/20/22, 12:05:00 AM", datetime(2022, 10, 20, 0, 5)),
        ("10/20/22, 12:05 PM", datetime(2022, 10, 20, 12, 5)),
        ("10/20/2022 9:05 p.m.", datetime(2022, 10, 20, 21, 5)),
        ("2022-10-20T09:05:00", datetime(2022, 10, 20, 9, 5)),
        ("2022-10-20 21:05:07", datetime(2022, 10, 20, 21, 5, 7)),
        ("Oct 20, 2022 08:52:11 AM", datetime(2022, 10, 20, 8, 52, 11)),
        ("20 Oct 2022 13:05", datetime(2022, 10, 20, 13, 5)),
        ("20-oct.-22 13:05:09", datetime(2022, 10, 20, 13, 5, 9)),
        ("20 octobre 2022 13:05", datetime(2022, 10, 20, 13, 5)),
    ],
)
def test_time_formats(value, expected):
    text = f'Name,Join Time,Leave Time\nAna,"{value}","{value}"\n'
    assert parse_report(text.encode()).rows[0].join == expected


def test_ambiguous_dates_settled_by_the_gathering_day_or_flagged():
    values = ["03/04/2022 09:00:00", "03/04/2022 10:00:00"]
    assert decide_date_order(values) == ("mdy", True)
    assert decide_date_order(values, prefer_date=date(2022, 4, 3)) == ("dmy", False)
    assert decide_date_order(values, prefer_date=date(2022, 3, 4)) == ("mdy", False)
    assert decide_date_order(["13/04/2022 09:00"]) == ("dmy", False)
    text = "Name,Join Time,Leave Time\nAna,03/04/2022 09:00,03/04/2022 10:00\n"
    report = parse_report(text.encode(), prefer_date=date(2022, 4, 3))
    assert report.rows[0].join == datetime(2022, 4, 3, 9, 0)
    forced = parse_report(text.encode(), date_order="mdy", prefer_date=date(2022, 4, 3))
    assert forced.rows[0].join == datetime(2022, 3, 4, 9, 0)


def test_a_later_date_settles_the_order_of_the_dates_before_it():
    ambiguous = "".join(f"P{i},03/04/2022 09:{i:02d},03/04/2022 10:00\n" for i in range(30))
    text = "Name,Join Time,Leave Time\n" + ambiguous + "Zed,13/04/2022 09:00,13/04/2022 10:00\n"
    report = parse_report(text.encode())
    assert (report.date_order, report.date_order_guessed) == ("dmy", False)
    assert report.rows[0].join == datetime(2022, 4, 3, 9, 0)
    one_date = parse_report(("Name,Join Time,Leave Time\n" + ambiguous).encode())
    assert (one_date.date_order, one_date.date_order_guessed) == ("mdy", True)


def test_mixed_date_orders_are_refused():
    with pytest.raises(AttendanceFileError) as caught:
        decide_date_order(["13/04/2022 09:00", "04/13/2022 09:00"])
    assert caught.value.problem is Problem.BAD_TIME


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("220", 13200),
        ("1h 2m 3s", 3723),
        ("1h 1m 20s", 3680),
        ("54m", 3240),
        ("8m 20s", 500),
        ("45s", 45),
        ("2h", 7200),
        ("1 hr 5 min", 3900),
        ("1:02:03", 3723),
        ("12.5", 750),
    ],
)
def test_durations(value, seconds):
    assert parse_duration(value, line=1) == seconds


def test_bad_duration_names_the_line():
    text = "Name,Join Time,Leave Time,Duration\nAna,10/20/2022 09:00,10/20/2022 09:30,soon\n"
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(text.encode())
    assert caught.value.problem is Problem.BAD_DURATION
    assert caught.value.line == 2
    assert "Line 2" in str(caught.value) and "soon" in str(caught.value)


def test_a_bad_duration_repeated_names_its_first_line():
    good = "".join(f"P{i},10/20/2022 09:00,,{30 + i % 3}\n" for i in range(40))
    bad = "Ana,10/20/2022 09:00,,soon\nBo,10/20/2022 09:00,,1h\nCy,10/20/2022 09:00,,soon\n"
    text = "Name,Join Time,Leave Time,Duration\n" + good + bad
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(text.encode())
    assert caught.value.problem is Problem.BAD_DURATION
    assert caught.value.line == 42


def test_durations_and_guest_flags_in_one_column_of_several_spellings():
    text = (
        "Name,User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        "Ana,a@x.example,10/20/2022 09:00:00 AM,,007,YES\n"
        "Bo,,10/20/2022 09:00:00 AM,10/20/2022 09:45:00 AM,,Oui\n"
        "Cy,,10/20/2022 9:05 AM,,1h 2m,no\n"
        'Di,,"Oct 20, 2022 09:10:00 AM",,12.5,\n'
        "Ana,a@x.example,10/20/2022 10:00:00 AM,,007,yes\n"
    )
    rows = parse_report(text.encode()).rows
    assert [row.seconds for row in rows] == [420, 2700, 3720, 750, 420]
    assert [row.guest for row in rows] == [True, True, False, False, True]
    assert [row.join for row in rows] == [
        datetime(2022, 10, 20, 9, 0),
        datetime(2022, 10, 20, 9, 0),
        datetime(2022, 10, 20, 9, 5),
        datetime(2022, 10, 20, 9, 10),
        datetime(2022, 10, 20, 10, 0),
    ]
    assert rows[0].leave == datetime(2022, 10, 20, 9, 7)
    assert rows[2].leave == datetime(2022, 10, 20, 10, 7)


def test_people_cells_are_cleaned_like_typed_text():
    text = (
        "Name,User Email,Join Time,Leave Time\n"
        '" Émilie\u00a0  Côte\u0301 ", A@X.example ,10/20/2022 09:00,10/20/2022 09:30\n'
        '"Bo\u2028Li",,10/20/2022 09:00,10/20/2022 09:30\n'
    )
    rows = parse_report(text.encode()).rows
    assert [(row.name, row.email) for row in rows] == [
        ("Émilie\u00a0 Côté", "A@X.example"),
        ("Bo Li", ""),
    ]


def test_header_mapping_by_meaning():
    mapping = map_header(
        [
            "Name",
            "First Join",
            "Last Leave",
            "In-Meeting Duration",
            "Email",
            "Participant ID (UPN)",
            "Role",
        ]
    )
    assert mapping == {"name": 0, "join": 1, "leave": 2, "duration": 3, "email": 4, "upn": 5}


# --- bad files --------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf", b"\xff\xfe"])
def test_empty_files(data):
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(data)
    assert caught.value.problem is Problem.EMPTY


def test_too_large():
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(sample("zoom_participants.csv"), max_bytes=100)
    assert caught.value.problem is Problem.TOO_LARGE
    assert "limit" in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + bytes(range(256)) * 4,
        b"%PDF-1.7\n%\xe2\xe3",
        b"\x89PNG\r\n\x1a\n" + bytes(64),
        bytes(range(256)) * 16,
        b"Name,Join Time\nAna\x00\x01\x02,\x03\n",
    ],
)
def test_binary_files(data):
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(data)
    assert caught.value.problem is Problem.BINARY


def test_control_characters_name_their_line():
    text = "Name,Join Time,Leave Time\nAna,10/20/2022 9:00,10/20/2022 9:30\nB\x07,x,y\n"
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(text.encode())
    assert caught.value.line == 3


@pytest.mark.parametrize(
    "text",
    [
        "Name,Email,Organisation\nAna Silva,ana@x.example,Fraser Health\n",
        "just some words\nin a text file\n",
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
        "812,Gathering,10/20/2022 08:40:12 AM,10/20/2022 12:35:50 PM,a@b.example,236,6\n",
    ],
)
def test_wrong_format(text):
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(text.encode())
    assert caught.value.problem is Problem.WRONG_FORMAT
    assert "not a Zoom or Teams attendance report" in str(caught.value)


def test_missing_leave_and_duration_columns():
    text = "\n\nName (Original Name),User Email,Join Time\nAna,a@x.example,10/20/2022 9:00\n"
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(text.encode())
    assert caught.value.problem is Problem.MISSING_COLUMNS
    assert caught.value.line == 3
    assert "leave time or duration" in str(caught.value)


def test_header_without_rows():
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n")
    assert caught.value.problem is Problem.NO_ROWS


@pytest.mark.parametrize(
    ("row", "problem", "words"),
    [
        ("Ana,a@x.example,yesterday,10/20/2022 9:30,30", Problem.BAD_TIME, "join time"),
        ("Ana,a@x.example,10/20/2022 9:00,13/45/2022 9:30,30", Problem.BAD_TIME, "leave time"),
        ("Ana,a@x.example,10/20/2022 13:00 PM,10/20/2022 14:00,30", Problem.BAD_TIME, "join"),
        ("Ana,a@x.example,,10/20/2022 9:30,30", Problem.BAD_TIME, "empty"),
        ("Ana,a@x.example,10/20/2022 9:30,10/20/2022 9:00,30", Problem.BAD_TIME, "before"),
    ],
)
def test_bad_values_name_the_line(row, problem, words):
    text = (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
        "Bo,b@x.example,10/20/2022 9:00,10/20/2022 9:30,30\n" + row + "\n"
    )
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(text.encode())
    assert caught.value.problem is problem
    assert caught.value.line == 3
    assert words in str(caught.value)


def test_invalid_utf16():
    data = b"\xff\xfe" + "Name\tJoin Time\n".encode("utf-16-le") + b"\x00\xd8\x41"
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(data)
    assert caught.value.problem is Problem.ENCODING


def test_blank_rows_and_short_rows_inside_the_table():
    text = (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        "Ana,a@x.example,10/20/2022 9:00,10/20/2022 9:30,30\n"
        ",,,,,\n"
        "Bo,,10/20/2022 9:00,10/20/2022 9:10,10,Yes\n"
    )
    report = parse_report(text.encode())
    assert [(row.name, row.line) for row in report.rows] == [("Ana", 2), ("Bo", 4)]


def test_webinar_report_with_several_tables_and_absentees():
    report = parse_report(variant("zoom_webinar_sections.csv"))
    assert report.format == "zoom"
    assert [(row.name, row.line, row.seconds // 60) for row in report.rows] == [
        ("Perinatal CoP Host", 8, 215),
        ("Amara Singh", 12, 180),
        ("Jean-François Lévesque", 14, 30),
    ]
    assert report.rows[2].guest


def test_teams_activities_section_in_another_language_is_used_alone():
    text = (
        sample("teams_attendance.csv")
        .decode("utf-16")
        .replace("3. In-Meeting Activities", "3. Aktivitäten in der Besprechung")
    )
    report = parse_report(text.encode("utf-16"))
    assert len(report.rows) == 6
    assert [row.name for row in report.rows].count("Émilie Côté") == 2


def test_mixed_date_orders_in_a_file_name_the_line():
    text = (
        "Name,Join Time,Leave Time\n"
        "Ana,13/04/2022 09:00,13/04/2022 10:00\n"
        "Bo,04/14/2022 09:00,04/14/2022 10:00\n"
    )
    with pytest.raises(AttendanceFileError) as caught:
        parse_report(text.encode())
    assert caught.value.problem is Problem.BAD_TIME
    assert caught.value.line == 3
    assert "04/14/2022" in str(caught.value)
