"""The pure .ics builders, checked with two independent parsers (icalendar and vobject)."""

import io
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import vobject

from app.calendar import (
    CalendarEvent,
    CalendarGathering,
    Method,
    Person,
    PersonalInvite,
    agenda_calendar,
    breakout_calendar,
    escape_text,
    fold,
    invites_zip,
    personal_invite,
    vtimezone,
)

NOW = datetime(2023, 10, 1, 12, 0, tzinfo=UTC)
ORGANIZER = Person("Perinatal CoP, Shared Care", "cop@example.org")


def make_gathering(starts_at: datetime, hours: float = 3.5, **overrides) -> CalendarGathering:
    values = {
        "slug": "gathering",
        "title": "Provincial Perinatal Gathering",
        "timezone": "America/Vancouver",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=hours),
        "meeting_url": "https://zoom.example/j/123?pwd=abc",
        "page_url": "https://gathering.example/g/gathering",
        "organizer": ORGANIZER,
    }
    values.update(overrides)
    return CalendarGathering(**values)


def make_event(starts_at: datetime, minutes: int = 30, **overrides) -> CalendarEvent:
    values = {
        "uid": "item-1@test",
        "sequence": 0,
        "title": "Welcome",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=minutes),
    }
    values.update(overrides)
    return CalendarEvent(**values)


def make_invite(gathering: CalendarGathering, **overrides) -> PersonalInvite:
    plenary = make_event(gathering.starts_at, uid="p1", title="Co-chairs' welcome")
    breakout = make_event(
        gathering.starts_at + timedelta(hours=1),
        60,
        uid="b1",
        title="Care path for newborns",
        link="https://zoom.example/j/room-3",
        is_breakout=True,
    )
    values = {
        "uid": "reg-uid-42",
        "sequence": 4,
        "number": 42,
        "gathering": gathering,
        "attendee": Person("Amara Singh", "amara@example.org"),
        "agenda": (plenary, breakout),
        "breakout": breakout,
        "manage_url": "https://gathering.example/r/secret-token",
    }
    values.update(overrides)
    return PersonalInvite(**values)


def parse_both(data: bytes):
    return icalendar.Calendar.from_ical(data), vobject.readOne(data.decode("utf-8"))


def assert_wire_format(data: bytes) -> None:
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    for physical in data.split(b"\r\n")[:-1]:
        assert len(physical) <= 75
        physical.decode("utf-8")  # a fold never splits a character


@pytest.mark.parametrize(
    ("local_start", "utc_start", "offset_hours"),
    [
        # Sunday 5 Nov 2023: clocks fell back at 2 a.m.; 9 a.m. is PST (UTC-8).
        ("20231105T090000", datetime(2023, 11, 5, 17, 0, tzinfo=UTC), -8),
        # Sunday 12 Mar 2023: clocks sprang forward at 2 a.m.; 9 a.m. is PDT (UTC-7).
        ("20230312T090000", datetime(2023, 3, 12, 16, 0, tzinfo=UTC), -7),
        ("20221020T090000", datetime(2022, 10, 20, 16, 0, tzinfo=UTC), -7),
    ],
)
def test_daylight_saving_boundary_lands_on_the_right_wall_clock(
    local_start, utc_start, offset_hours
):
    gathering = make_gathering(utc_start)
    event = make_event(utc_start)
    data = agenda_calendar(gathering, [event], now=NOW)
    assert_wire_format(data)
    assert f"DTSTART;TZID=America/Vancouver:{local_start}".encode() in data

    ical, vcal = parse_both(data)
    (parsed,) = ical.walk("VEVENT")
    start = parsed.decoded("DTSTART")
    assert start == utc_start
    assert start.utcoffset() == timedelta(hours=offset_hours)
    assert parsed.decoded("DTEND") == utc_start + timedelta(minutes=30)
    assert vcal.vevent.dtstart.value == utc_start
    assert vcal.vevent.dtstart.value.utcoffset() == timedelta(hours=offset_hours)
    assert vcal.vevent.dtend.value == utc_start + timedelta(minutes=30)


@pytest.mark.parametrize(
    "utc_start",
    [
        datetime(2023, 11, 5, 17, 0, tzinfo=UTC),
        datetime(2023, 3, 12, 16, 0, tzinfo=UTC),
        datetime(2023, 3, 12, 9, 30, tzinfo=UTC),  # 1:30 a.m. PST, just before the jump
        datetime(2023, 11, 5, 8, 30, tzinfo=UTC),  # first 1:30 a.m. (PDT)
        datetime(2023, 11, 5, 9, 30, tzinfo=UTC),  # second 1:30 a.m. (PST)
        datetime(2021, 1, 15, 17, 0, tzinfo=UTC),
        datetime(2027, 7, 1, 16, 0, tzinfo=UTC),
    ],
)
def test_vtimezone_alone_gives_the_right_instant(utc_start):
    """Rename the zone so parsers cannot look it up by name and must use our VTIMEZONE."""
    data = agenda_calendar(make_gathering(utc_start), [make_event(utc_start)], now=NOW)
    data = data.replace(b"America/Vancouver", b"Custom/Test-Zone")
    ical, vcal = parse_both(data)
    (parsed,) = ical.walk("VEVENT")
    assert parsed.decoded("DTSTART") == utc_start
    assert vcal.vevent.dtstart.value == utc_start


def test_vtimezone_writes_the_yearly_rule_with_onsets_in_local_time_before_the_change():
    text = vtimezone("America/Vancouver", 2023, 2023).decode()
    # icalendar writes a rule's parts in its own canonical order (BYDAY before BYMONTH).
    assert (
        "BEGIN:DAYLIGHT\r\nDTSTART:20070311T020000\r\nTZOFFSETFROM:-0800\r\n"
        "TZOFFSETTO:-0700\r\nTZNAME:PDT\r\nRRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n"
    ) in text
    assert (
        "BEGIN:STANDARD\r\nDTSTART:20071104T020000\r\nTZOFFSETFROM:-0700\r\n"
        "TZOFFSETTO:-0800\r\nTZNAME:PST\r\nRRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\n"
    ) in text
    # Every gathering gets the same definition, whatever its year.
    assert vtimezone("America/Vancouver", 2021, 2024) == vtimezone("America/Vancouver", 2023, 2023)


@pytest.mark.parametrize(
    ("tzid", "local", "utc"),
    [
        ("Europe/London", datetime(2023, 3, 26, 9, 0), datetime(2023, 3, 26, 8, 0, tzinfo=UTC)),
        ("Australia/Sydney", datetime(2023, 4, 2, 9, 0), datetime(2023, 4, 1, 23, 0, tzinfo=UTC)),
        ("America/Santiago", datetime(2023, 9, 3, 9, 0), datetime(2023, 9, 3, 12, 0, tzinfo=UTC)),
        ("Asia/Tehran", datetime(2023, 6, 1, 9, 0), datetime(2023, 6, 1, 5, 30, tzinfo=UTC)),
    ],
)
def test_other_zones_round_trip_through_their_vtimezone(tzid, local, utc):
    gathering = make_gathering(utc, timezone=tzid)
    data = agenda_calendar(gathering, [make_event(utc)], now=NOW)
    assert f"DTSTART;TZID={tzid}:{local:%Y%m%dT%H%M%S}".encode() in data
    renamed = data.replace(tzid.encode(), b"Custom/" + tzid.replace("/", "-").encode())
    ical, vcal = parse_both(renamed)
    assert ical.walk("VEVENT")[0].decoded("DTSTART") == utc
    assert vcal.vevent.dtstart.value == utc


def test_zone_without_daylight_saving_still_gets_a_vtimezone():
    start = datetime(2023, 6, 1, 15, 0, tzinfo=UTC)
    gathering = make_gathering(start, timezone="America/Regina")
    data = agenda_calendar(gathering, [make_event(start)], now=NOW)
    assert b"TZID:America/Regina" in data
    assert b"DTSTART;TZID=America/Regina:20230601T090000" in data
    ical, vcal = parse_both(data.replace(b"America/Regina", b"Custom/Fixed"))
    assert ical.walk("VEVENT")[0].decoded("DTSTART") == start
    assert vcal.vevent.dtstart.value == start


@pytest.mark.parametrize(
    ("instant", "written"),
    [
        (datetime(2023, 11, 5, 8, 30, tzinfo=UTC), b"DTSTART:20231105T083000Z"),
        (datetime(2023, 11, 5, 9, 30, tzinfo=UTC), b"DTSTART:20231105T093000Z"),
    ],
)
def test_twice_occurring_wall_time_on_fall_back_day_is_written_in_utc(instant, written):
    """1:30 a.m. happens twice on 5 Nov 2023 and parsers disagree on which one is meant."""
    data = agenda_calendar(make_gathering(instant), [make_event(instant)], now=NOW)
    assert written in data
    ical, vcal = parse_both(data)
    assert ical.walk("VEVENT")[0].decoded("DTSTART") == instant
    assert vcal.vevent.dtstart.value == instant


TRICKY = [
    "Commas, semicolons; and colons: all here",
    "Line one\nLine two\r\nLine three",
    "Back\\slash and \\n that is not a newline",
    "Emoji 🍼👶🏽 and accents: Métis, Sḵwx̱wú7mesh, Stó:lō, Nuu-chah-nulth, çà",
    "Très long " * 30 + "🌲" * 20,
]


@pytest.mark.parametrize("text", TRICKY)
def test_text_round_trips_through_both_parsers(text):
    start = datetime(2023, 5, 10, 16, 0, tzinfo=UTC)
    gathering = make_gathering(start, title=text)
    event = make_event(start, title=text, description=text, presenter="Elder Mary, Sto:lo")
    data = agenda_calendar(gathering, [event], now=NOW)
    assert_wire_format(data)
    expected = text.replace("\r\n", "\n")
    ical, vcal = parse_both(data)
    parsed = ical.walk("VEVENT")[0]
    assert str(parsed["SUMMARY"]) == expected
    assert expected in str(parsed["DESCRIPTION"])
    assert vcal.vevent.summary.value == expected
    assert expected in vcal.vevent.description.value
    assert vcal.x_wr_calname.value == expected

    invite = personal_invite(
        make_invite(gathering, attendee=Person(text, "amara@example.org")),
        method=Method.REQUEST,
        now=NOW,
    )
    assert_wire_format(invite)
    ical, vcal = parse_both(invite)
    assert str(ical.walk("VEVENT")[0]["SUMMARY"]) == expected
    assert vcal.vevent.summary.value == expected


def test_control_characters_and_quotes_cannot_break_lines_or_parameters():
    start = datetime(2023, 5, 10, 16, 0, tzinfo=UTC)
    gathering = make_gathering(start, title="Bell\x07 and \x00null")
    invite = make_invite(gathering, attendee=Person('Amara "AJ"\r\nSinghX-EVIL:1', "a@x.org"))
    data = personal_invite(invite, method=Method.REQUEST, now=NOW)
    assert_wire_format(data)
    assert b"\x07" not in data and b"\x00" not in data
    ical, vcal = parse_both(data)
    attendee = ical.walk("VEVENT")[0]["ATTENDEE"]
    assert str(attendee) == "mailto:a@x.org"
    assert "X-EVIL" not in ical.walk("VEVENT")[0]
    assert vcal.vevent.attendee.value == "mailto:a@x.org"


def test_a_typed_backslash_n_stays_text():
    """icalendar's own TEXT writer reads a typed \\N as an escaped line break."""
    start = datetime(2023, 5, 10, 16, 0, tzinfo=UTC)
    title = "Files on C:\\New and C:\\north"
    data = agenda_calendar(make_gathering(start), [make_event(start, title=title)], now=NOW)
    assert b"SUMMARY:Files on C:\\\\New and C:\\\\north\r\n" in data
    assert vobject.readOne(data.decode()).vevent.summary.value == title


def test_escape_and_fold_helpers():
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
    folded = fold("DESCRIPTION:" + "é" * 80)
    lines = folded.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert all(line.startswith(b" ") for line in lines[1:-1])
    assert b"".join(line[1:] if i else line for i, line in enumerate(lines)).decode()


def test_gathering_feed_has_every_item_and_standard_properties():
    start = datetime(2022, 10, 20, 16, 0, tzinfo=UTC)
    gathering = make_gathering(start)
    events = [
        make_event(start, uid="p1", title="Welcome", presenter="Co-chairs"),
        make_event(
            start + timedelta(hours=1),
            uid="b1",
            title="Breakout",
            link="https://zoom.example/j/room-1",
            is_breakout=True,
            sequence=2,
        ),
    ]
    data = agenda_calendar(gathering, events, now=NOW)
    ical, vcal = parse_both(data)
    assert str(ical["METHOD"]) == "PUBLISH"
    assert vcal.method.value == "PUBLISH"
    parsed = ical.walk("VEVENT")
    assert [str(event["UID"]) for event in parsed] == ["p1", "b1"]
    assert [int(event["SEQUENCE"]) for event in parsed] == [0, 2]
    assert all(str(event["STATUS"]) == "CONFIRMED" for event in parsed)
    assert all(event.decoded("DTSTAMP") == NOW for event in parsed)
    alarm = parsed[0].walk("VALARM")[0]
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-15)
    assert str(parsed[1]["LOCATION"]) == "https://zoom.example/j/room-1"
    assert str(parsed[1]["URL"]) == "https://zoom.example/j/room-1"
    assert str(parsed[1]["ORGANIZER"]) == "mailto:cop@example.org"
    assert "ATTENDEE" not in parsed[0]
    assert len(vcal.vevent_list) == 2
    assert "Co-chairs" in str(parsed[0]["DESCRIPTION"])


def test_removed_item_stays_in_feed_as_cancelled_and_alone_as_cancel():
    start = datetime(2022, 10, 20, 16, 0, tzinfo=UTC)
    gathering = make_gathering(start)
    removed = make_event(start, uid="b7", sequence=3, cancelled=True, is_breakout=True)
    feed = agenda_calendar(gathering, [make_event(start, uid="p1"), removed], now=NOW)
    ical, vcal = parse_both(feed)
    cancelled = ical.walk("VEVENT")[1]
    assert str(cancelled["UID"]) == "b7"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 3
    assert not cancelled.walk("VALARM")
    assert vcal.vevent_list[1].status.value == "CANCELLED"

    alone = breakout_calendar(gathering, removed, now=NOW)
    ical, vcal = parse_both(alone)
    assert str(ical["METHOD"]) == "CANCEL"
    assert vcal.method.value == "CANCEL"
    assert str(ical.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
    standing = breakout_calendar(gathering, make_event(start), now=NOW)
    assert b"METHOD:PUBLISH" in standing


def test_personal_invite_request_publish_and_cancel_share_one_uid():
    start = datetime(2023, 11, 5, 17, 0, tzinfo=UTC)
    gathering = make_gathering(start)
    invite = make_invite(gathering)
    request = personal_invite(invite, method=Method.REQUEST, now=NOW)
    publish = personal_invite(invite, method=Method.PUBLISH, now=NOW)
    cancel = personal_invite(make_invite(gathering, sequence=5), method=Method.CANCEL, now=NOW)
    parsed = {}
    for name, data in (("request", request), ("publish", publish), ("cancel", cancel)):
        assert_wire_format(data)
        ical, vcal = parse_both(data)
        (event,) = ical.walk("VEVENT")
        assert str(event["UID"]) == vcal.vevent.uid.value == "reg-uid-42"
        assert event.decoded("DTSTART") == start
        assert event.decoded("DTEND") == start + timedelta(hours=3.5)
        parsed[name] = (ical, event)

    ical, event = parsed["request"]
    assert str(ical["METHOD"]) == "REQUEST"
    assert str(event["ORGANIZER"]) == "mailto:cop@example.org"
    assert event["ORGANIZER"].params["CN"] == "Perinatal CoP, Shared Care"
    assert str(event["ATTENDEE"]) == "mailto:amara@example.org"
    assert event["ATTENDEE"].params["CN"] == "Amara Singh"
    assert int(event["SEQUENCE"]) == 4
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "https://zoom.example/j/123?pwd=abc"
    description = str(event["DESCRIPTION"])
    assert "9:00 a.m. to 9:30 a.m.: Co-chairs' welcome" in description
    assert "10:00 a.m. to 11:00 a.m.: Care path for newborns" in description
    assert "Your breakout room: https://zoom.example/j/room-3" in description
    assert "https://gathering.example/r/secret-token" in description
    assert event.walk("VALARM")[0].decoded("TRIGGER") == timedelta(minutes=-15)

    ical, event = parsed["publish"]
    assert str(ical["METHOD"]) == "PUBLISH"
    assert "ATTENDEE" not in event

    ical, event = parsed["cancel"]
    assert str(ical["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 5
    assert not event.walk("VALARM")


def test_personal_invite_before_assignment_and_without_manage_link():
    start = datetime(2023, 3, 12, 16, 0, tzinfo=UTC)
    gathering = make_gathering(start)
    plenary = make_event(start, uid="p1", title="Welcome")
    invite = make_invite(gathering, agenda=(plenary,), breakout=None, manage_url="")
    data = personal_invite(invite, method=Method.PUBLISH, now=NOW)
    description = vobject.readOne(data.decode()).vevent.description.value
    assert "will be confirmed" in description
    assert "Gathering page: https://gathering.example/g/gathering" in description


def test_unsafe_links_are_left_out():
    start = datetime(2023, 3, 12, 16, 0, tzinfo=UTC)
    gathering = make_gathering(start, meeting_url="javascript:alert(1)")
    event = make_event(start, link="https://zoom.example/with space")
    data = agenda_calendar(gathering, [event], now=NOW)
    assert b"javascript" not in data
    ical, vcal = parse_both(data)
    (parsed,) = ical.walk("VEVENT")
    assert str(parsed["LOCATION"]) == "Online"
    assert str(parsed["URL"]) == "https://gathering.example/g/gathering"
    assert vcal.vevent.url.value == "https://gathering.example/g/gathering"
    personal = personal_invite(make_invite(gathering), method=Method.PUBLISH, now=NOW)
    assert b"javascript" not in personal


def test_emailed_invite_needs_an_organizer():
    gathering = make_gathering(datetime(2023, 3, 12, 16, 0, tzinfo=UTC), organizer=None)
    with pytest.raises(ValueError, match="organizer"):
        personal_invite(make_invite(gathering), method=Method.REQUEST, now=NOW)


def test_zip_has_safe_unique_names_and_valid_invites():
    gathering = make_gathering(datetime(2022, 10, 20, 16, 0, tzinfo=UTC))
    invites = [
        make_invite(gathering, number=42, uid="u42", attendee=Person("Amara Singh", "a@x.org")),
        make_invite(gathering, number=7, uid="u7", attendee=Person("Amara Singh", "b@x.org")),
        make_invite(
            gathering, number=8, uid="u8", attendee=Person("../../etc/Zoë Ł'Étoile", "c@x.org")
        ),
        make_invite(gathering, number=9, uid="u9", attendee=Person("🍼🍼", "d@x.org")),
    ]
    data = invites_zip(invites, now=NOW)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == [
            "0042-amara-singh.ics",
            "0007-amara-singh.ics",
            "0008-etc-zoe-etoile.ics",
            "0009-participant.ics",
        ]
        for name, invite in zip(names, invites, strict=True):
            ical, vcal = parse_both(archive.read(name))
            assert str(ical["METHOD"]) == "PUBLISH"
            assert vcal.vevent.uid.value == invite.uid


def content_lines(data: bytes) -> list[str]:
    """The unfolded content lines of a calendar."""
    return data.decode().replace("\r\n ", "").split("\r\n")[:-1]


def test_invites_of_one_gathering_differ_only_in_each_persons_own_lines():
    """Personal invites are set into a frame serialised once per gathering: two people's
    invites share every line but their UID, SEQUENCE, DESCRIPTION (their manage link, and
    their room) and ATTENDEE, and the VEVENT has an agenda item's properties in its order."""
    start = datetime(2023, 11, 5, 17, 0, tzinfo=UTC)
    gathering = make_gathering(start)
    first = make_invite(gathering)
    room_mate = make_invite(
        gathering,
        uid="reg-uid-43",
        sequence=5,
        number=43,
        attendee=Person("Joe Wu", "joe@example.org"),
        manage_url="https://gathering.example/r/other-token",
    )
    elsewhere_room = make_event(
        start + timedelta(hours=1),
        60,
        uid="b2",
        title="Transition to postpartum care",
        link="https://zoom.example/j/room-4",
        is_breakout=True,
    )
    elsewhere = make_invite(
        gathering,
        uid="reg-uid-44",
        attendee=Person("Lee Park", "lee@example.org"),
        agenda=(first.agenda[0], elsewhere_room),
        breakout=elsewhere_room,
    )
    written = {
        invite.uid: personal_invite(invite, method=Method.REQUEST, now=NOW)
        for invite in (first, room_mate, elsewhere)
    }
    lines = {uid: content_lines(data) for uid, data in written.items()}
    assert len({len(found) for found in lines.values()}) == 1
    for uid in ("reg-uid-43", "reg-uid-44"):
        differing = {
            mine.split(";")[0].split(":")[0]
            for mine, theirs in zip(lines["reg-uid-42"], lines[uid], strict=True)
            if mine != theirs
        }
        assert differing == {"UID", "SEQUENCE", "DESCRIPTION", "ATTENDEE"} - (
            {"SEQUENCE"} if uid == "reg-uid-44" else set()
        )
    for uid, data in written.items():
        assert_wire_format(data)
        ical, vcal = parse_both(data)
        (event,) = ical.walk("VEVENT")
        assert str(event["UID"]) == vcal.vevent.uid.value == uid
    described = {
        uid: str(icalendar.Calendar.from_ical(data).walk("VEVENT")[0]["DESCRIPTION"])
        for uid, data in written.items()
    }
    assert "https://gathering.example/r/other-token" in described["reg-uid-43"]
    assert "room-3" in described["reg-uid-43"] and "room-3" not in described["reg-uid-44"]
    assert "Your breakout room: https://zoom.example/j/room-4" in described["reg-uid-44"]

    def event_names(data: bytes) -> list[str]:
        lines = content_lines(data)
        event = lines[lines.index("BEGIN:VEVENT") : lines.index("END:VEVENT") + 1]
        return [line.split(";")[0].split(":")[0] for line in event]

    item = make_event(start, presenter="Co-chairs")
    item_names = event_names(agenda_calendar(gathering, [item], now=NOW))
    invite_names = event_names(written["reg-uid-42"])
    assert [name for name in invite_names if name != "ATTENDEE"] == item_names
    assert invite_names.index("ATTENDEE") == invite_names.index("ORGANIZER") + 1


def test_an_edit_to_the_gathering_or_its_agenda_shows_in_the_next_invite():
    """What invites share is kept between invites: the next one must still show a
    change, even at the same moment and for the same gathering (slug, UIDs unchanged)."""
    start = datetime(2023, 5, 10, 16, 0, tzinfo=UTC)
    gathering = make_gathering(start)
    invite = make_invite(gathering)
    before = personal_invite(invite, method=Method.REQUEST, now=NOW)
    assert b"SUMMARY:Provincial Perinatal Gathering" in before

    plenary, breakout = invite.agenda
    renamed = replace(plenary, title="Elders' welcome", sequence=1)
    moved_room = replace(breakout, link="https://zoom.example/j/room-9")
    edited_agenda = make_invite(
        gathering, uid="reg-2", agenda=(renamed, moved_room), breakout=moved_room
    )
    description = str(
        icalendar.Calendar.from_ical(
            personal_invite(edited_agenda, method=Method.REQUEST, now=NOW)
        ).walk("VEVENT")[0]["DESCRIPTION"]
    )
    assert "Elders' welcome" in description and "Co-chairs' welcome" not in description
    assert "room-9" in description and "room-3" not in description

    later = start + timedelta(days=1, hours=1)
    moved = replace(
        gathering,
        title="Perinatal Gathering (new date)",
        starts_at=later,
        ends_at=later + timedelta(hours=2),
        meeting_url="https://zoom.example/j/456",
        organizer=Person("New organisers", "new@example.org"),
    )
    after = personal_invite(replace(invite, gathering=moved), method=Method.REQUEST, now=NOW)
    (event,) = icalendar.Calendar.from_ical(after).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Perinatal Gathering (new date)"
    assert event.decoded("DTSTART") == later
    assert event.decoded("DTEND") == later + timedelta(hours=2)
    assert str(event["LOCATION"]) == "https://zoom.example/j/456"
    assert str(event["ORGANIZER"]) == "mailto:new@example.org"
    assert str(event.walk("VALARM")[0]["DESCRIPTION"]) == "Perinatal Gathering (new date)"
    assert "Thursday, 11 May 2023, 10:00 a.m. to 12:00 p.m." in str(event["DESCRIPTION"])

    stamped_later = personal_invite(invite, method=Method.REQUEST, now=NOW + timedelta(hours=1))
    (event,) = icalendar.Calendar.from_ical(stamped_later).walk("VEVENT")
    assert event.decoded("DTSTAMP") == NOW + timedelta(hours=1)
    assert personal_invite(invite, method=Method.REQUEST, now=NOW) == before
