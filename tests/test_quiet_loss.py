"""Data that was lost without a word: placeholders inside Markdown links (a dead link in
every email), a second attendance report for the same item (minutes replaced instead of
intervals merged), a file that is not UTF-8 (guessed as cp1252, every accented name
garbled)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.attendance.importers import AttendanceFileError, Problem
from app.attendance.importers.decoding import decode_report
from app.extensions import db
from app.models import AttendanceRecord
from app.outbound.wording import render

VALUES = {
    "name": "Zoë *Star* <b>O'Neil</b> [x](javascript:alert(1))",
    "gathering": "Spring & Fall",
    "date": "Tuesday 10 March 2026",
    "times": "9:00 to 12:30 PT",
    "room": "Room_1",
    "manage_link": "https://gathering.test/r/AbC_dEf-123456789012345",
    "meeting_link": "https://zoom.example/j/123?pwd=a_b",
}


@pytest.mark.parametrize(
    "body",
    [
        "[Join]({manage_link})",
        'Please [open your page]({manage_link} "Your page") today.',
        "* [Meeting]({meeting_link})\n* [Yours]({manage_link})",
    ],
)
def test_a_placeholder_inside_a_markdown_link_makes_a_working_link(body):
    _subject, _text, html = render("Hi", body, VALUES)
    if "{manage_link}" in body:
        assert f'href="{VALUES["manage_link"]}"' in html
    if "{meeting_link}" in body:
        assert 'href="https://zoom.example/j/123?pwd=a_b"' in html


def test_a_bare_link_placeholder_is_still_a_link():
    _subject, _text, html = render("Hi", "Your page: {manage_link}", VALUES)
    assert f'<a href="{VALUES["manage_link"]}"' in html


def test_values_are_text_not_markdown_or_html():
    _subject, text, html = render(
        "Hi {name}", "Dear {name}, see you in {room} at {gathering}.", VALUES
    )
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert "<em>" not in html and "*Star*" in html
    assert 'href="javascript' not in html
    assert "Room_1" in html and "Spring &amp; Fall" in html
    assert text == f"Dear {VALUES['name']}, see you in Room_1 at Spring & Fall."


# --- a report that is not all UTF-8 ---------------------------------------------------------

HEADER = b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"


def test_one_bad_byte_in_a_utf8_report_is_shown_with_its_line():
    data = (
        HEADER
        + "Zoë Tremblay,zoe@x.example,10/20/2022 9:00,,30\n".encode()
        + b"Bad \xff Byte,b@x.example,10/20/2022 9:00,,30\n"
        + "José Núñez,j@x.example,10/20/2022 9:00,,30\n".encode()
    )
    with pytest.raises(AttendanceFileError) as caught:
        decode_report(data)
    assert caught.value.problem is Problem.ENCODING
    assert caught.value.line == 3
    assert "Line 3" in str(caught.value) and "UTF-8" in str(caught.value)


@pytest.mark.parametrize("bad", [b"\xe9", b"\xc3", b"\xed\xa0\x80", b"\x80"])
def test_other_stray_bytes_beside_utf8_names(bad):
    data = HEADER + "Zoë,z@x.example,10/20/2022 9:00,,30\n".encode() + b"P" + bad + b"x,,,,1\n"
    with pytest.raises(AttendanceFileError) as caught:
        decode_report(data)
    assert caught.value.line == 3


def test_a_windows_1252_report_is_still_read():
    data = HEADER + "Zoë Tremblay,zoe@x.example,10/20/2022 9:00,,30\n".encode("cp1252")
    text, encoding = decode_report(data)
    assert encoding == "cp1252" and "Zoë Tremblay" in text


# --- a second attendance report for the same item -------------------------------------------


def _report(gathering, item, person, start, minutes, *, now):
    from app.attendance.records import RecordEntry, save_records
    from app.models import AttendanceSource, ImportBatch

    batch = ImportBatch(
        gathering_id=gathering.id, agenda_item_id=item.id, sha256="0" * 64, format="zoom"
    )
    db.session.add(batch)
    db.session.flush()
    entry = RecordEntry(person.id, "", "", minutes * 60, start, start + timedelta(minutes=minutes))
    save_records(
        gathering, item.id, AttendanceSource.ZOOM, [entry], batch=batch, user=None, now=now
    )
    db.session.commit()
    return db.session.scalar(
        select(AttendanceRecord).where(AttendanceRecord.registration_id == person.id)
    )


@pytest.mark.parametrize(
    ("second_start", "second_minutes", "expected", "span"),
    [
        (45, 30, 60, (0, 75)),  # the meeting split in two: both parts count
        (-60, 30, 60, (-60, 30)),  # the second report is of an earlier part
        (0, 30, 30, (0, 30)),  # the same report again: nothing doubles
        (15, 25, 40, (0, 40)),  # overlapping parts: the overlap counts once
    ],
)
def test_a_second_report_for_an_item_merges_its_intervals(
    make_gathering, make_registration, second_start, second_minutes, expected, span
):
    gathering = make_gathering()
    item = gathering.agenda_items[0]
    person = make_registration(gathering)
    start = gathering.starts_at
    now = datetime.now(UTC)
    first = _report(gathering, item, person, start, 30, now=now)
    assert first.minutes == 30
    second = _report(
        gathering, item, person, start + timedelta(minutes=second_start), second_minutes, now=now
    )
    db.session.refresh(second)
    assert second.minutes == expected
    assert second.first_join == start + timedelta(minutes=span[0])
    assert second.last_leave == start + timedelta(minutes=span[1])
