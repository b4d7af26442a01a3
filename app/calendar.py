"""Pure iCalendar (RFC 5545 / RFC 5546) builders: plain frozen data in, bytes out.

Nothing here touches the database or Flask, so every calendar the app serves or mails
can be built and checked in isolation. The writer is hand-made rather than built on
icalendar's object model because we need exact control over what clients trip on
(CRLF, octet folding that never splits a UTF-8 character, TEXT escaping, wall-clock
times that stay right across daylight saving) and because a ZIP of thousands of
personal invites has to stay fast. Tests parse every output with icalendar and vobject.

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
from functools import lru_cache
from urllib.parse import quote
from zoneinfo import ZoneInfo

from app import timefmt

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


# --- content lines -------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_PARAM_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\"]")
_URI_SAFE = re.compile(r"^[\x21-\x7e]+$")


def escape_text(value: str) -> str:
    """RFC 5545 3.3.11 TEXT escaping; control characters a client would choke on go."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = _NEWLINES.sub("\\\\n", value)
    return _CONTROL.sub("", value)


def _param(value: str) -> str:
    """A parameter value: no double quotes or line breaks allowed, so they are replaced;
    values with : ; , are quoted."""
    value = _PARAM_UNSAFE.sub(lambda m: "'" if m.group() == '"' else " ", value).strip()
    if any(ch in value for ch in ":;,"):
        return f'"{value}"'
    return value


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
    """Encode one content line, folded so no physical line exceeds 75 octets and no
    UTF-8 sequence is split across a fold."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return raw + CRLF
    parts = []
    start, limit, size = 0, 75, len(raw)
    while start < size:
        end = min(start + limit, size)
        while end < size and (raw[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(raw[start:end])
        start, limit = end, 74
    return b"\r\n ".join(parts) + CRLF


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _zoned(name: str, moment: datetime, zone: ZoneInfo, tzid: str) -> str:
    """DTSTART/DTEND with TZID, unless the wall-clock time happens twice at a
    daylight-saving change: parsers disagree on which one is meant, so write UTC."""
    instant = moment.astimezone(UTC)
    local = instant.astimezone(zone)
    naive = local.replace(tzinfo=None)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first != instant or second != instant:
        return f"{name}:{_utc_stamp(instant)}"
    return f"{name};TZID={_param(tzid)}:{naive.strftime('%Y%m%dT%H%M%S')}"


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


def _offset(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


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
def vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """A VTIMEZONE for `tzid` that covers `first_year` to `last_year`, built from the
    system's zoneinfo.

    Where the zone follows one yearly rule (as Pacific Time has since 2007) we write
    that rule as STANDARD/DAYLIGHT with RRULE, starting the year the rule began: the
    shape Outlook and Google write themselves, and identical for every gathering, so a
    client that caches zones by TZID cannot pick up a narrower copy. Otherwise every
    change in the window is listed explicitly. Each DTSTART is the local time just
    before the change (TZOFFSETFROM), as RFC 5545 3.6.5 requires.
    """
    zone = ZoneInfo(tzid)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{escape_text(tzid)}"]
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
            rule = f"RRULE:FREQ=YEARLY;BYMONTH={month};BYDAY={nth}{_WEEKDAYS[weekday]}"
            if until < last_year + 5:
                rule += f";UNTIL={until}1231T235959Z"
            onset = datetime.combine(_rule_date(since, month, weekday, nth), model.onset.time())
            lines.extend(_observance(model, onset, rule))
    else:
        window_start = datetime(first_year, 1, 1, tzinfo=UTC)
        window_end = datetime(last_year + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)
        earlier = _transitions(zone, window_start - timedelta(days=800), window_start)
        if earlier:
            lines.extend(_observance(_change(zone, earlier[-1])))
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
            lines.extend(_observance(fixed))
        for moment in _transitions(zone, window_start, window_end):
            lines.extend(_observance(_change(zone, moment)))
    lines.append("END:VTIMEZONE")
    return b"".join(fold(line) for line in lines)


def _observance(change: _Change, onset: datetime | None = None, rule: str = "") -> list[str]:
    kind = "DAYLIGHT" if change.daylight else "STANDARD"
    lines = [
        f"BEGIN:{kind}",
        f"DTSTART:{(onset or change.onset).strftime('%Y%m%dT%H%M%S')}",
        f"TZOFFSETFROM:{_offset(change.offset_from)}",
        f"TZOFFSETTO:{_offset(change.offset_to)}",
        f"TZNAME:{escape_text(change.name)}",
    ]
    if rule:
        lines.append(rule)
    lines.append(f"END:{kind}")
    return lines


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
    """Plain text for the invite's DESCRIPTION (also reused by the emails)."""
    gathering = invite.gathering
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
    for event in invite.agenda:
        if event.cancelled:
            continue
        lines.append(_agenda_line(event, zone))
        if event.is_breakout:
            room = safe_uri(event.link)
            lines.append(f"  Your breakout room: {room}" if room else "  Your breakout room")
    if invite.breakout is None:
        lines += ["", "Your breakout room will be confirmed before the gathering."]
    if invite.manage_url:
        lines += ["", f"Change or cancel your registration: {invite.manage_url}"]
    elif gathering.page_url:
        lines += ["", f"Gathering page: {gathering.page_url}"]
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


def _calendar_head(method: Method, name: str = "") -> list[str]:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    return lines


def _organizer(person: Person) -> str:
    name = f";CN={_param(person.name)}" if person.name else ""
    return f"ORGANIZER{name}:{_mailto(person.email)}"


def _attendee(person: Person) -> str:
    name = f";CN={_param(person.name)}" if person.name else ""
    return (
        f"ATTENDEE{name};CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION"
        f";RSVP=FALSE:{_mailto(person.email)}"
    )


def _alarm(title: str) -> list[str]:
    return [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{escape_text(title)}",
        f"TRIGGER:-PT{ALARM_MINUTES}M",
        "END:VALARM",
    ]


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
    attendee: Person | None = None,
) -> list[str]:
    zone = ZoneInfo(tzid)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{_utc_stamp(now)}",
        _zoned("DTSTART", starts_at, zone, tzid),
        _zoned("DTEND", ends_at, zone, tzid),
        f"SUMMARY:{escape_text(title)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    link = safe_uri(link)
    if link:
        lines.append(f"LOCATION:{escape_text(link)}")
        lines.append(f"URL:{link}")
    else:
        lines.append("LOCATION:Online")
        if safe_uri(page_url):
            lines.append(f"URL:{safe_uri(page_url)}")
    if organizer is not None:
        lines.append(_organizer(organizer))
    if attendee is not None:
        lines.append(_attendee(attendee))
    lines.append("STATUS:CANCELLED" if cancelled else "STATUS:CONFIRMED")
    lines.append("TRANSP:TRANSPARENT" if cancelled else "TRANSP:OPAQUE")
    if not cancelled:
        lines.extend(_alarm(title))
    lines.append("END:VEVENT")
    return lines


def _years(moments: Iterable[datetime], tzid: str) -> tuple[int, int]:
    zone = ZoneInfo(tzid)
    years = [moment.astimezone(zone).year for moment in moments] or [datetime.now(UTC).year]
    return min(years), max(years)


def _finish(head: list[str], tzid: str, years: tuple[int, int], body: list[str]) -> bytes:
    return b"".join(
        [
            *(fold(line) for line in head),
            vtimezone(tzid, *years),
            *(fold(line) for line in body),
            fold("END:VCALENDAR"),
        ]
    )


def _item_event(gathering: CalendarGathering, event: CalendarEvent, now: datetime) -> list[str]:
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
    head = _calendar_head(Method.PUBLISH, name or gathering.title)
    head += [
        f"X-WR-TIMEZONE:{escape_text(gathering.timezone)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    body: list[str] = []
    for event in events:
        body.extend(_item_event(gathering, event, now))
    moments = [gathering.starts_at, gathering.ends_at]
    moments += [moment for event in events for moment in (event.starts_at, event.ends_at)]
    return _finish(head, gathering.timezone, _years(moments, gathering.timezone), body)


def breakout_calendar(
    gathering: CalendarGathering, event: CalendarEvent, *, now: datetime
) -> bytes:
    """One agenda item: PUBLISH while it stands, CANCEL once it has been removed."""
    method = Method.CANCEL if event.cancelled else Method.PUBLISH
    head = _calendar_head(method, f"{gathering.title}: {event.title}")
    body = _item_event(gathering, event, now)
    years = _years((event.starts_at, event.ends_at), gathering.timezone)
    return _finish(head, gathering.timezone, years, body)


def personal_invite(invite: PersonalInvite, *, method: Method, now: datetime) -> bytes:
    """The participant's single-event invite. PUBLISH is the download, REQUEST goes by
    email with ORGANIZER and ATTENDEE, CANCEL withdraws it (STATUS:CANCELLED)."""
    gathering = invite.gathering
    if method is not Method.PUBLISH and gathering.organizer is None:
        raise ValueError("an emailed invite needs an organizer")
    cancelled = method is Method.CANCEL
    title = gathering.title
    body = _vevent(
        uid=invite.uid,
        sequence=invite.sequence,
        now=now,
        title=title,
        starts_at=gathering.starts_at,
        ends_at=gathering.ends_at,
        tzid=gathering.timezone,
        description=personal_description(invite),
        link=gathering.meeting_url,
        page_url=gathering.page_url,
        cancelled=cancelled,
        organizer=gathering.organizer,
        attendee=None if method is Method.PUBLISH else invite.attendee,
    )
    head = _calendar_head(method)
    years = _years((gathering.starts_at, gathering.ends_at), gathering.timezone)
    return _finish(head, gathering.timezone, years, body)


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
