"""Pure iCalendar (RFC 5545 / RFC 5546) builders: plain frozen data in, bytes out.

Nothing here touches the database or Flask, so every calendar the app serves or mails
can be built and checked in isolation. Every calendar object (VCALENDAR, VEVENT,
VTIMEZONE with its observances, VALARM, ORGANIZER, ATTENDEE) is built with `icalendar`
and written through its content lines. What this module adds is the data, the
VTIMEZONE's yearly rule, and corrections where icalendar's writer is not what clients
need or is too slow for a fan-out of thousands of invites: TEXT escaping (`_text`),
parameter values (`_param`), folding (`fold`), and what every calendar of a gathering
shares serialised once (the zone, `vtimezone`; a personal invite's frame, `_invite_frame`),
each explained where it is made. Tests parse every output with icalendar and vobject.

Shapes:

* Gathering calendar (`agenda_calendar`): METHOD:PUBLISH, one VEVENT per agenda item,
  UID = the item's stored calendar_uid. Removed items stay in the feed with
  STATUS:CANCELLED and a higher SEQUENCE, so subscribed calendars drop them.
* Breakout calendar (`breakout_calendar`): the same VEVENT for one item; a removed
  item is served as METHOD:CANCEL.
* Personal invite (`personal_invite`): ONE VEVENT spanning the whole gathering, with
  UID = the registration's calendar_uid. iTIP wants one UID per REQUEST, and one event
  means the emailed REQUEST, its later updates, a CANCEL and the downloadable PUBLISH
  copy all land on the same calendar entry instead of piling up duplicates. The
  DESCRIPTION carries the agenda (plenaries plus the person's breakout with its room
  link) in the gathering's local time, and the manage link when one is given.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote
from zoneinfo import ZoneInfo

from app import timefmt

if TYPE_CHECKING:
    from icalendar import (
        Alarm,
        Calendar,
        Component,
        Event,
        Timezone,
        TimezoneDaylight,
        TimezoneStandard,
        vCalAddress,
        vRecur,
    )


class _Icalendar:
    """icalendar, imported when the first calendar is written: the import takes about
    100 ms, and every process (each web worker, each `flask` command) loads this module
    at start-up, while only a few of them ever write a calendar."""

    def __getattr__(self, name: str):
        import icalendar

        value = getattr(icalendar, name)
        setattr(self, name, value)  # found directly from then on
        return value


ical = _Icalendar()

PRODID = "-//BC Perinatal Community of Practice//Gathering manager//EN"
CRLF = b"\r\n"
ALARM_MINUTES = 15


class Method(StrEnum):
    PUBLISH = "PUBLISH"
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One agenda item as a calendar sees it. Times are timezone-aware UTC instants.

    `sequence` is the value to publish: callers add one for a removed item so that the
    cancellation outranks the last published version.
    """

    uid: str
    sequence: int
    title: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    presenter: str = ""
    link: str = ""
    is_breakout: bool = False
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class CalendarGathering:
    slug: str
    title: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    meeting_url: str = ""
    page_url: str = ""
    description: str = ""
    organizer: Person | None = None


@dataclass(frozen=True, slots=True)
class PersonalInvite:
    """Everything one participant's invite shows. `number` (the registration id) makes
    file names unique; `agenda` is the person's own agenda in time order."""

    uid: str
    sequence: int
    number: int
    gathering: CalendarGathering
    attendee: Person
    agenda: tuple[CalendarEvent, ...]
    breakout: CalendarEvent | None = None
    manage_url: str = ""


# --- property values -----------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_PARAM_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\"]")
_URI_SAFE = re.compile(r"^[\x21-\x7e]+$")


def escape_text(value: str) -> str:
    """RFC 5545 3.3.11 TEXT escaping; control characters a client would choke on go."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = _NEWLINES.sub("\\\\n", value)
    return _CONTROL.sub("", value)


@cache
def _text_type() -> type:
    class _Text(ical.vText):
        """A TEXT value written with `escape_text`. icalendar's own vText turns a typed
        backslash-N into a line break (it reads `\\N` as already escaped) and writes control
        characters such as NUL or BEL as they are, which some clients refuse the file for."""

        def to_ical(self) -> bytes:
            return escape_text(self).encode("utf-8")

    return _Text


def _text(value: str):
    """`value` as a TEXT property (see `_text_type`)."""
    return _text_type()(value)


def _param(value: str) -> str:
    """A parameter value. icalendar would write a double quote or line break with RFC 6868
    carets (^' and ^n), which clients that predate RFC 6868 show literally; replacing them
    keeps a name readable everywhere. icalendar adds the quotes that : ; , need."""
    return _PARAM_UNSAFE.sub(lambda m: "'" if m.group() == '"' else " ", value).strip()


def safe_uri(value: str) -> str:
    """Only absolute http(s) links without spaces or control characters are written as
    URIs; anything else is left out rather than producing an unparsable line."""
    value = (value or "").strip()
    if not value.lower().startswith(("https://", "http://")) or not _URI_SAFE.match(value):
        return ""
    return value


def _mailto(email: str) -> str:
    return "mailto:" + quote(email.strip(), safe="@.+-_~!$&'*=")


def fold(line: str) -> bytes:
    """One content line, folded so no physical line exceeds 75 octets, no UTF-8 sequence
    is split, and no line ends with the backslash (or RFC 6868 caret) of an escape (the
    rules of icalendar's folding). icalendar folds a character at a time in Python, which
    was a third of an invite's time; this cuts at octet positions instead."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return raw + CRLF
    parts = []
    start, limit, size = 0, 75, len(raw)
    while start < size:
        end = min(start + limit, size)
        while end < size and (raw[end] & 0xC0) == 0x80:
            end -= 1
        if end < size and raw[end - 1] in b"\\^" and end - 1 > start:
            end -= 1
        parts.append(raw[start:end])
        start, limit = end, 74
    return b"\r\n ".join(parts) + CRLF


def _line(name: str, value) -> bytes:
    """One property as icalendar writes its content line (`Component.content_line`),
    folded."""
    params = getattr(value, "params", None)
    if params is None:  # BEGIN and END
        params = ical.Parameters()
    return fold(ical.parser.Contentline.from_parts(name, params, value, sorted=False))


def _serialised(component: Component, *, recursive: bool = True) -> bytes:
    """The component's content lines in the order they were added, folded."""
    return b"".join(
        _line(name, value)
        for name, value in component.property_items(recursive=recursive, sorted=False)
    )


def _add_zoned(event: Event, name: str, moment: datetime, zone: ZoneInfo) -> None:
    """DTSTART/DTEND with TZID, unless the wall-clock time happens twice at a
    daylight-saving change: parsers disagree on which one is meant, so write UTC."""
    instant = moment.astimezone(UTC)
    local = instant.astimezone(zone)
    naive = local.replace(tzinfo=None)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first != instant or second != instant:
        event.add(name, instant)
    else:
        event.add(name, local)


# --- VTIMEZONE -----------------------------------------------------------------------


def _state(zone: ZoneInfo, moment: datetime) -> tuple:
    local = moment.astimezone(zone)
    return (local.utcoffset(), local.dst(), local.tzname())


def _transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants in [start, end) where the zone's offset, DST flag or name changes."""
    found = []
    step = timedelta(days=2)
    previous, previous_state = start, _state(zone, start)
    moment = start + step
    while moment <= end:
        state = _state(zone, moment)
        if state != previous_state:
            low, high = previous, moment
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _state(zone, middle) == previous_state:
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))
            previous_state = state
        previous = moment
        moment += step
    return found


@dataclass(frozen=True, slots=True)
class _Change:
    """One offset change: its UTC instant, onset in local time before it, and states."""

    instant: datetime
    onset: datetime
    offset_from: timedelta
    offset_to: timedelta
    daylight: bool
    name: str

    @property
    def shape(self) -> tuple:
        return (self.onset.time(), self.offset_from, self.offset_to, self.daylight, self.name)


def _change(zone: ZoneInfo, instant: datetime) -> _Change:
    before = (instant - timedelta(seconds=1)).astimezone(zone)
    after = instant.astimezone(zone)
    return _Change(
        instant=instant,
        onset=(instant + before.utcoffset()).replace(tzinfo=None),
        offset_from=before.utcoffset(),
        offset_to=after.utcoffset(),
        daylight=bool(after.dst()),
        name=after.tzname() or "",
    )


@lru_cache(maxsize=512)
def _changes_in_year(tzid: str, year: int) -> tuple[_Change, ...]:
    zone = ZoneInfo(tzid)
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    return tuple(_change(zone, moment) for moment in _transitions(zone, start, end))


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _rule_date(year: int, month: int, weekday: int, nth: int) -> date:
    """The nth (or, for -1, the last) given weekday of a month."""
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _rule_for(change: _Change) -> tuple[int, int, int]:
    day = change.onset.date()
    following_week = day + timedelta(days=7)
    nth = -1 if following_week.month != day.month else (day.day - 1) // 7 + 1
    return day.month, day.weekday(), nth


def _year_follows(tzid: str, year: int, pattern: tuple[_Change, _Change]) -> bool:
    changes = _changes_in_year(tzid, year)
    if len(changes) != 2:
        return False
    for change, model in zip(changes, pattern, strict=True):
        month, weekday, nth = _rule_for(model)
        if change.shape != model.shape:
            return False
        if change.onset.date() != _rule_date(year, month, weekday, nth):
            return False
    return True


@lru_cache(maxsize=64)
def _timezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for `tzid` that covers `first_year` to `last_year`, built from the
    system's zoneinfo.

    Where the zone follows one yearly rule (as Pacific Time has since 2007) we write
    that rule as STANDARD/DAYLIGHT with RRULE, starting the year the rule began: the
    shape Outlook and Google write themselves, and identical for every gathering, so a
    client that caches zones by TZID cannot pick up a narrower copy. Otherwise every
    change in the window is listed explicitly. Each DTSTART is the local time just
    before the change (TZOFFSETFROM), as RFC 5545 3.6.5 requires. (icalendar's own
    `Timezone.from_tzid` always lists the changes one by one, so the rule is ours.)

    Cached and shared between calendars: nothing changes a component after it is built.
    """
    zone = ZoneInfo(tzid)
    timezone = ical.Timezone()
    timezone.add("tzid", _text(tzid))
    pattern = _changes_in_year(tzid, first_year)
    if len(pattern) == 2 and all(
        _year_follows(tzid, year, pattern) for year in range(first_year, last_year + 1)
    ):
        since = first_year
        while since > 1970 and _year_follows(tzid, since - 1, pattern):
            since -= 1
        until = last_year
        while until < last_year + 5 and _year_follows(tzid, until + 1, pattern):
            until += 1
        for model in pattern:
            month, weekday, nth = _rule_for(model)
            rule = ical.vRecur(freq="YEARLY", bymonth=month, byday=f"{nth}{_WEEKDAYS[weekday]}")
            if until < last_year + 5:
                rule["UNTIL"] = datetime(until, 12, 31, 23, 59, 59, tzinfo=UTC)
            onset = datetime.combine(_rule_date(since, month, weekday, nth), model.onset.time())
            timezone.add_component(_observance(model, onset, rule))
    else:
        window_start = datetime(first_year, 1, 1, tzinfo=UTC)
        window_end = datetime(last_year + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)
        earlier = _transitions(zone, window_start - timedelta(days=800), window_start)
        if earlier:
            timezone.add_component(_observance(_change(zone, earlier[-1])))
        else:
            steady = window_start.astimezone(zone)
            fixed = _Change(
                instant=window_start,
                onset=datetime(1970, 1, 1),
                offset_from=steady.utcoffset(),
                offset_to=steady.utcoffset(),
                daylight=bool(steady.dst()),
                name=steady.tzname() or "",
            )
            timezone.add_component(_observance(fixed))
        for moment in _transitions(zone, window_start, window_end):
            timezone.add_component(_observance(_change(zone, moment)))
    return timezone


@lru_cache(maxsize=64)
def vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE component alone, as written into every calendar for this zone."""
    return _serialised(_timezone(tzid, first_year, last_year))


def _observance(
    change: _Change, onset: datetime | None = None, rule: vRecur | None = None
) -> TimezoneStandard | TimezoneDaylight:
    observance = ical.TimezoneDaylight() if change.daylight else ical.TimezoneStandard()
    observance.add("dtstart", onset or change.onset)
    observance.add("tzoffsetfrom", change.offset_from)
    observance.add("tzoffsetto", change.offset_to)
    observance.add("tzname", _text(change.name))
    if rule is not None:
        observance.add("rrule", rule)
    return observance


# --- wording -------------------------------------------------------------------------


def one_line(text: str) -> str:
    return " ".join(text.split())


def _agenda_line(event: CalendarEvent, zone: str) -> str:
    line = f"{timefmt.clock(event.starts_at, zone)} to {timefmt.clock(event.ends_at, zone)}: "
    line += one_line(event.title)
    if event.presenter:
        line += f" ({one_line(event.presenter)})"
    return line


def personal_description(invite: PersonalInvite) -> str:
    """Plain text for the invite's DESCRIPTION: the gathering and the person's agenda
    (the same for everyone in a room, so written once), then their own link."""
    text = _agenda_text(invite.gathering, invite.agenda, invite.breakout is None)
    if invite.manage_url:
        return f"{text}\n\nChange or cancel your registration: {invite.manage_url}"
    if invite.gathering.page_url:
        return f"{text}\n\nGathering page: {invite.gathering.page_url}"
    return text


@lru_cache(maxsize=256)
def _agenda_text(
    gathering: CalendarGathering, agenda: tuple[CalendarEvent, ...], unassigned: bool
) -> str:
    """Keyed by the values themselves, so an edit to the gathering or any item of the
    agenda is a different key: nothing can be served from before the change."""
    zone = gathering.timezone
    label = timefmt.zone_short(zone, gathering.starts_at)
    lines = [
        gathering.title,
        f"{timefmt.long_date(gathering.starts_at, zone)}, "
        f"{timefmt.clock(gathering.starts_at, zone)} to "
        f"{timefmt.clock(gathering.ends_at, zone)} {label}",
    ]
    meeting = safe_uri(gathering.meeting_url)
    if meeting:
        lines += ["", f"Join: {meeting}"]
    lines += ["", f"Your agenda ({label}):"]
    for event in agenda:
        if event.cancelled:
            continue
        lines.append(_agenda_line(event, zone))
        if event.is_breakout:
            room = safe_uri(event.link)
            lines.append(f"  Your breakout room: {room}" if room else "  Your breakout room")
    if unassigned:
        lines += ["", "Your breakout room will be confirmed before the gathering."]
    return "\n".join(lines)


def event_description(event: CalendarEvent) -> str:
    parts = []
    if event.presenter:
        parts.append(f"With {event.presenter}")
    if event.description:
        parts.append(event.description)
    link = safe_uri(event.link)
    if link:
        parts.append(f"Join: {link}")
    return "\n\n".join(parts)


# --- components ----------------------------------------------------------------------


def _calendar(method: Method, name: str = "") -> Calendar:
    calendar = ical.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method.value)
    if name:
        calendar.add("x-wr-calname", _text(name))
    return calendar


def _address(email: str, name: str, **parameters: str) -> vCalAddress:
    address = ical.vCalAddress(_mailto(email))
    if name:
        address.params["CN"] = _param(name)
    for key, value in parameters.items():
        address.params[key] = value
    return address


def _alarm(title: str) -> Alarm:
    alarm = ical.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _text(title))
    alarm.add("trigger", timedelta(minutes=-ALARM_MINUTES))
    return alarm


def _attendee(person: Person) -> vCalAddress:
    return _address(
        person.email,
        person.name,
        CUTYPE="INDIVIDUAL",
        ROLE="REQ-PARTICIPANT",
        PARTSTAT="NEEDS-ACTION",
        RSVP="FALSE",
    )


def _add_timing(
    event: Event, *, now: datetime, title: str, starts_at: datetime, ends_at: datetime, tzid: str
) -> None:
    zone = ZoneInfo(tzid)
    event.add("dtstamp", now)
    _add_zoned(event, "dtstart", starts_at, zone)
    _add_zoned(event, "dtend", ends_at, zone)
    event.add("summary", _text(title))


def _add_place(event: Event, *, link: str, page_url: str, organizer: Person | None) -> None:
    link = safe_uri(link)
    if link:
        event.add("location", _text(link))
        event.add("url", ical.vUri(link))
    else:
        event.add("location", _text("Online"))
        if safe_uri(page_url):
            event.add("url", ical.vUri(safe_uri(page_url)))
    if organizer is not None:
        event.add("organizer", _address(organizer.email, organizer.name))


def _add_status(event: Event, *, title: str, cancelled: bool) -> None:
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    if not cancelled:
        event.add_component(_alarm(title))


def _vevent(
    *,
    uid: str,
    sequence: int,
    now: datetime,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    tzid: str,
    description: str,
    link: str,
    page_url: str,
    cancelled: bool,
    organizer: Person | None,
) -> Event:
    """An agenda item's VEVENT. A personal invite has the same properties in the same
    order, with its ATTENDEE after ORGANIZER (see `_invite_frame`)."""
    event = ical.Event()
    event.add("uid", _text(uid))
    event.add("sequence", sequence)
    _add_timing(event, now=now, title=title, starts_at=starts_at, ends_at=ends_at, tzid=tzid)
    if description:
        event.add("description", _text(description))
    _add_place(event, link=link, page_url=page_url, organizer=organizer)
    _add_status(event, title=title, cancelled=cancelled)
    return event


def _years(moments: Iterable[datetime], tzid: str) -> tuple[int, int]:
    zone = ZoneInfo(tzid)
    years = [moment.astimezone(zone).year for moment in moments] or [datetime.now(UTC).year]
    return min(years), max(years)


_END_CALENDAR = b"END:VCALENDAR\r\n"


def _head(calendar: Calendar, tzid: str, years: tuple[int, int]) -> bytes:
    """The calendar's own properties and the zone (serialised once per zone and years)."""
    return _serialised(calendar, recursive=False).removesuffix(_END_CALENDAR) + vtimezone(
        tzid, *years
    )


def _finish(calendar: Calendar, tzid: str, years: tuple[int, int], events: list[Event]) -> bytes:
    body = b"".join(_serialised(event) for event in events)
    return _head(calendar, tzid, years) + body + _END_CALENDAR


def _item_event(gathering: CalendarGathering, event: CalendarEvent, now: datetime) -> Event:
    return _vevent(
        uid=event.uid,
        sequence=event.sequence,
        now=now,
        title=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        tzid=gathering.timezone,
        description=event_description(event),
        link=event.link,
        page_url=gathering.page_url,
        cancelled=event.cancelled,
        organizer=gathering.organizer,
    )


def agenda_calendar(
    gathering: CalendarGathering,
    events: Sequence[CalendarEvent],
    *,
    now: datetime,
    name: str = "",
) -> bytes:
    """METHOD:PUBLISH feed with one VEVENT per agenda item, cancelled ones included."""
    calendar = _calendar(Method.PUBLISH, name or gathering.title)
    calendar.add("x-wr-timezone", _text(gathering.timezone))
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", ical.vDuration(timedelta(hours=1)))
    moments = [gathering.starts_at, gathering.ends_at]
    moments += [moment for event in events for moment in (event.starts_at, event.ends_at)]
    body = [_item_event(gathering, event, now) for event in events]
    return _finish(calendar, gathering.timezone, _years(moments, gathering.timezone), body)


def breakout_calendar(
    gathering: CalendarGathering, event: CalendarEvent, *, now: datetime
) -> bytes:
    """One agenda item: PUBLISH while it stands, CANCEL once it has been removed."""
    method = Method.CANCEL if event.cancelled else Method.PUBLISH
    calendar = _calendar(method, f"{gathering.title}: {event.title}")
    years = _years((event.starts_at, event.ends_at), gathering.timezone)
    return _finish(calendar, gathering.timezone, years, [_item_event(gathering, event, now)])


# --- personal invites ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _InviteFrame:
    """A personal invite without the person's own properties, serialised by icalendar:
    what comes before UID and SEQUENCE (the calendar, its zone, BEGIN:VEVENT), before
    DESCRIPTION (DTSTAMP to SUMMARY), before ATTENDEE (LOCATION, URL, ORGANIZER), and
    after (STATUS, TRANSP, VALARM and the END lines)."""

    head: bytes
    timing: bytes
    place: bytes
    tail: bytes


@lru_cache(maxsize=32)
def _invite_frame(gathering: CalendarGathering, method: Method, now: datetime) -> _InviteFrame:
    """Everything in a personal invite that is the same for every person of a gathering
    at one moment: a fan-out or a ZIP of thousands builds and serialises it once (it was
    two thirds of each invite's time). Keyed by the values themselves, so a change to the
    gathering (its times, title, links, organiser) is a new frame; the agenda is in the
    DESCRIPTION, which is per person."""
    tzid = gathering.timezone
    cancelled = method is Method.CANCEL
    event = ical.Event()
    _add_timing(
        event,
        now=now,
        title=gathering.title,
        starts_at=gathering.starts_at,
        ends_at=gathering.ends_at,
        tzid=tzid,
    )
    _add_place(
        event,
        link=gathering.meeting_url,
        page_url=gathering.page_url,
        organizer=gathering.organizer,
    )
    _add_status(event, title=gathering.title, cancelled=cancelled)
    items = event.property_items(sorted=False)
    lines = [_line(name, value) for name, value in items]
    names = [name for name, _ in items]
    place, close = names.index("LOCATION"), names.index("STATUS")
    years = _years((gathering.starts_at, gathering.ends_at), tzid)
    return _InviteFrame(
        head=_head(_calendar(method), tzid, years) + lines[0],
        timing=b"".join(lines[1:place]),
        place=b"".join(lines[place:close]),
        tail=b"".join(lines[close:]) + _END_CALENDAR,
    )


@lru_cache(maxsize=64)
def _sequence_line(sequence: int) -> bytes:
    return _line("SEQUENCE", ical.vInt(sequence))


@lru_cache(maxsize=64)
def _shared_description_line(description: str) -> bytes:
    return _line("DESCRIPTION", _text(description))


def _description_line(invite: PersonalInvite) -> bytes:
    """Without a manage link (the ZIP, a download) everyone in a room has the same
    DESCRIPTION, so it is written once. One with a link is the person's own and is not
    kept: the link holds their private token."""
    description = personal_description(invite)
    if invite.manage_url:
        return _line("DESCRIPTION", _text(description))
    return _shared_description_line(description)


def personal_invite(invite: PersonalInvite, *, method: Method, now: datetime) -> bytes:
    """The participant's single-event invite. PUBLISH is the download, REQUEST goes by
    email with ORGANIZER and ATTENDEE, CANCEL withdraws it (STATUS:CANCELLED). The
    person's own properties (UID, SEQUENCE, DESCRIPTION, ATTENDEE) are built with
    icalendar for each invite and set into the gathering's frame, in the order an
    agenda item's VEVENT has them."""
    gathering = invite.gathering
    if method is not Method.PUBLISH and gathering.organizer is None:
        raise ValueError("an emailed invite needs an organizer")
    frame = _invite_frame(gathering, method, now)
    attendee = b"" if method is Method.PUBLISH else _line("ATTENDEE", _attendee(invite.attendee))
    return b"".join(
        (
            frame.head,
            _line("UID", _text(invite.uid)),
            _sequence_line(invite.sequence),
            frame.timing,
            _description_line(invite),
            frame.place,
            attendee,
            frame.tail,
        )
    )


# --- ZIP of personal invites ---------------------------------------------------------


def file_stem(text: str, *, limit: int = 40) -> str:
    """ASCII, lower-case, hyphenated: safe in any file system and ZIP tool."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return stem[:limit].rstrip("-") or "participant"


def invite_file_name(invite: PersonalInvite) -> str:
    return f"{invite.number:04d}-{file_stem(invite.attendee.name)}.ics"


def invites_zip(invites: Iterable[PersonalInvite], *, now: datetime) -> bytes:
    """A ZIP with one PUBLISH invite per participant, e.g. 0042-amara-singh.ics. The
    registration number in front keeps names unique even for namesakes."""
    buffer = io.BytesIO()
    stamp = now.astimezone(UTC).timetuple()[:6]
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for invite in invites:
            name = invite_file_name(invite)
            counter = 1
            while name in used:
                counter += 1
                name = f"{invite.number:04d}-{counter}-{file_stem(invite.attendee.name)}.ics"
            used.add(name)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, personal_invite(invite, method=Method.PUBLISH, now=now))
    return buffer.getvalue()
