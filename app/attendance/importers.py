"""Pure parsers for the attendance reports that Zoom and Microsoft Teams export.

Bytes go in, a :class:`ParsedReport` comes out; nothing here touches the database or
the request. Real exports vary a lot (encoding, byte order, delimiter, header wording
and capitalisation, date order, two-digit years, 12h or 24h clocks, durations written
as minutes or as ``1h 2m 3s``), so the parser finds the header by meaning rather than
by exact text and decides the date order once per file. A file it cannot read raises
:class:`AttendanceFileError`, which names the problem and, where there is one, the line.

Times are returned as naive wall-clock datetimes, exactly as written in the file: the
exporting account's zone is not in the file, so the caller applies the gathering's zone.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
HEADER_SCAN_LINES = 200

ReportFormat = Literal["zoom", "teams"]
DateOrder = Literal["auto", "mdy", "dmy"]


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    BINARY = "binary"
    ENCODING = "encoding"
    WRONG_FORMAT = "wrong_format"
    MISSING_COLUMNS = "missing_columns"
    BAD_TIME = "bad_time"
    BAD_DURATION = "bad_duration"
    NO_ROWS = "no_rows"


class AttendanceFileError(ValueError):
    """A report that cannot be imported; ``str()`` is a sentence a person can act on."""

    def __init__(self, problem: Problem, message: str, *, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        self.detail = message
        text = f"Line {line}: {message}" if line is not None else message
        super().__init__(text)


@dataclass(slots=True)
class AttendanceRow:
    """One join-to-leave interval of one person, as the report lists it."""

    line: int
    name: str
    email: str = ""
    upn: str = ""
    join: datetime | None = None
    leave: datetime | None = None
    seconds: int = 0
    guest: bool = False

    @property
    def minutes(self) -> float:
        return self.seconds / 60


@dataclass(slots=True)
class ParsedReport:
    format: ReportFormat
    encoding: str
    delimiter: str
    rows: list[AttendanceRow]
    meeting: dict[str, str] = field(default_factory=dict)
    date_order: Literal["mdy", "dmy", "ymd"] = "mdy"
    date_order_guessed: bool = False
    header_line: int = 0


@contextmanager
def gc_paused() -> Iterator[None]:
    """Parsing and matching a large report allocates tens of thousands of small objects
    that all stay alive; the cyclic collector would rescan them again and again (it
    tripled the import time in the benchmark), so it waits until the work is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- decoding -------------------------------------------------------------------------

_BINARY_MAGIC = {
    b"PK\x03\x04": "an Excel workbook or ZIP archive (export the report as CSV instead)",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Excel or Word file (export the report as CSV instead)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}


def decode_report(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, str]:
    """Return (text, encoding name) for report bytes, refusing what is not text."""
    if len(data) > max_bytes:
        raise AttendanceFileError(
            Problem.TOO_LARGE,
            f"The file is larger than the limit of {max_bytes / 1_048_576:.0f} MB; "
            "export the report for one meeting at a time.",
        )
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise AttendanceFileError(Problem.EMPTY, "The file is empty.")
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise AttendanceFileError(Problem.BINARY, f"This is {what}, not a CSV report.")

    if data.startswith(b"\xef\xbb\xbf"):
        encoding, body = "utf-8-sig", data[3:]
    elif data.startswith(b"\xff\xfe"):
        encoding, body = "utf-16-le", data[2:]
    elif data.startswith(b"\xfe\xff"):
        encoding, body = "utf-16-be", data[2:]
    else:
        encoding, body = _sniff_bomless(data), data
    try:
        text = body.decode(encoding.removesuffix("-sig"))
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1 if encoding.startswith("utf-8") else None
        raise AttendanceFileError(
            Problem.ENCODING,
            f"The file is not valid {encoding.upper().removesuffix('-SIG')} text.",
            line=line,
        ) from None
    bad = _first_control_char_line(text)
    if bad is not None:
        raise AttendanceFileError(
            Problem.BINARY, "The file contains binary data, not a CSV report.", line=bad
        )
    return text, encoding


def _sniff_bomless(data: bytes) -> str:
    sample = data[:4096]
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_nuls > half * 0.3 and even_nuls < half * 0.05:
            return "utf-16-le"
        if even_nuls > half * 0.3 and odd_nuls < half * 0.05:
            return "utf-16-be"
    if b"\x00" in sample:
        raise AttendanceFileError(Problem.BINARY, "The file contains binary data, not a report.")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _first_control_char_line(text: str) -> int | None:
    match = _CONTROL.search(text)
    if match is None:
        return None
    return text.count("\n", 0, match.start()) + 1


# --- headers ----------------------------------------------------------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().replace("_", " ").split())


# Checked in order; the first field whose pattern fits a column claims it.
_FIELD_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("attended", re.compile(r"^attended$|^a participe$")),
    ("upn", re.compile(r"\bupn\b|participant id|user principal")),
    ("email", re.compile(r"e-?mail|courriel|correo")),
    ("join", re.compile(r"\bjoin|\bjoined|arrivee|entree|rejoint|beitritt|union")),
    ("leave", re.compile(r"\bleave|\bleft\b|depart|quitt|verlassen|salida")),
    ("duration", re.compile(r"duration|\bduree|dauer|duracion|\bminutes?\b")),
    ("action", re.compile(r"user action|\baction\b")),
    ("timestamp", re.compile(r"timestamp|horodatage")),
    ("guest", re.compile(r"\bguest\b|\binvite\b|\binvitado\b")),
    (
        "name",
        re.compile(
            r"^(full |display |participant |user )?name\b|^nom\b|^nombre\b|^name\b"
            r"|^participant$|^teilnehmer"
        ),
    ),
]


def map_header(cells: Iterable[str]) -> dict[str, int]:
    """Map field names (name, email, upn, join, leave, duration, ...) to column indexes."""
    mapping: dict[str, int] = {}
    for index, cell in enumerate(cells):
        folded = _fold(cell)
        if not folded:
            continue
        for name, pattern in _FIELD_PATTERNS:
            if name in mapping:
                continue
            if pattern.search(folded):
                mapping[name] = index
                break
    return mapping


def _is_participant_header(mapping: dict[str, int]) -> bool:
    has_events = "action" in mapping and "timestamp" in mapping
    return "name" in mapping and ("join" in mapping or "duration" in mapping or has_events)


# --- times and durations --------------------------------------------------------------

_DATETIME = re.compile(
    r"""^\s*
    (?P<a>\d{1,4})[/.\-](?P<b>\d{1,2})[/.\-](?P<c>\d{1,4})
    (?:\s*,\s*|\s+|T)
    (?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?
    \s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?
    \s*(?:Z|[+\-]\d{2}:?\d{2}|[A-Z]{2,5})?\s*$""",
    re.VERBOSE,
)


_DATE_ONLY = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4}),?$")
_TIME_ONLY = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?\s?[Mm]\.?)?$")


@dataclass(slots=True)
class _DateParts:
    a: int
    b: int
    c: int
    hour: int
    minute: int
    second: int
    ampm: str


def _split_datetime(value: str) -> _DateParts | None:
    match = _DATETIME.match(value)
    if match is None:
        return None
    ampm = (match["ampm"] or "").replace(".", "").replace(" ", "").upper()
    return _DateParts(
        int(match["a"]),
        int(match["b"]),
        int(match["c"]),
        int(match["h"]),
        int(match["m"]),
        int(match["s"] or 0),
        ampm,
    )


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "janv", "january", "janvier"),
            ("feb", "fev", "february", "fevrier"),
            ("mar", "march", "mars"),
            ("apr", "avr", "april", "avril"),
            ("may", "mai"),
            ("jun", "june", "juin"),
            ("jul", "july", "juil", "juillet"),
            ("aug", "august", "aou", "aout"),
            ("sep", "sept", "september", "septembre"),
            ("oct", "october", "octobre"),
            ("nov", "november", "novembre"),
            ("dec", "december", "decembre"),
        ],
        start=1,
    )
    for name in names
}
_NAMED_DATE = re.compile(
    r"""^\s*(?:
        (?P<d1>\d{1,2})[\s\-]+(?P<m1>[^\W\d_]+)\.?[\s\-,]+(?P<y1>\d{2,4})
      | (?P<m2>[^\W\d_]+)\.?\s+(?P<d2>\d{1,2}),?\s+(?P<y2>\d{2,4})
    )[\s,T]+(?P<rest>\d{1,2}:\d{2}.*)$""",
    re.VERBOSE,
)


def _split_named_month(value: str) -> _DateParts | None:
    """ "Oct 20, 2022 08:52:11 AM" or "20 oct. 2022 08:52": the month is named, so the
    order is not in doubt; returned as a ymd triple."""
    match = _NAMED_DATE.match(value)
    if match is None:
        return None
    month = _MONTHS.get(_fold(match["m1"] or match["m2"]))
    clock = _split_datetime("2000-01-01 " + match["rest"])
    if month is None or clock is None:
        return None
    year = _year(int(match["y1"] or match["y2"]))
    day = int(match["d1"] or match["d2"])
    return _DateParts(year, month, day, clock.hour, clock.minute, clock.second, clock.ampm)


def _year(value: int) -> int:
    return value + 2000 if value < 100 else value


class _TimeParser:
    """Parses one file's timestamps with one date order, caching repeated strings."""

    def __init__(self, order: Literal["mdy", "dmy", "ymd"]) -> None:
        self.order = order
        self.dates: dict[str, date | None] = {}
        self.times: dict[str, time | None] = {}
        self.minutes: dict[str, time | None] = {}

    def __call__(self, value: str, line: int, column: str) -> datetime:
        head, _, tail = value.partition(" ")
        day = self.dates.get(head, False)
        if day is False:
            day = self.dates[head] = self._date(head)
        clock = self.times.get(tail, False)
        if clock is False:
            clock = self.times[tail] = self._time(tail)
        if day is not None and clock is not None:
            return datetime.combine(day, clock)
        return self._slow(value, line, column)

    def _date(self, text: str) -> date | None:
        """The date half of "10/20/2022 08:52:11 AM" (or "10/20/22,"); None if unsure."""
        match = _DATE_ONLY.match(text)
        if match is None:
            return None
        a, b, c = int(match[1]), int(match[2]), int(match[3])
        try:
            if a > 31:
                return date(a, b, c)
            if self.order == "dmy":
                return date(_year(c), b, a)
            return date(_year(c), a, b)
        except ValueError:
            return None

    def _time(self, text: str) -> time | None:
        """Clock times; "08:52:11 AM" reuses the parse of "08:52 AM", so a file
        with a different second on every row parses each minute once."""
        colon = text.find(":")
        if 0 < colon < 3 and len(text) >= colon + 6 and text[colon + 3] == ":":
            seconds = text[colon + 4 : colon + 6]
            if seconds.isdigit() and seconds.isascii():
                key = text[: colon + 3] + text[colon + 6 :]
                base = self.minutes.get(key, False)
                if base is False:
                    base = self.minutes[key] = self._clock(key)
                if base is not None and int(seconds) < 60:
                    return base.replace(second=int(seconds))
        return self._clock(text)

    @staticmethod
    def _clock(text: str) -> time | None:
        match = _TIME_ONLY.match(text)
        if match is None:
            return None
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        ampm = (match[4] or "").replace(".", "").replace(" ", "").upper()
        try:
            if ampm:
                if not 1 <= hour <= 12:
                    return None
                hour = hour % 12 + (12 if ampm == "PM" else 0)
            return time(hour, minute, second)
        except ValueError:
            return None

    def _slow(self, value: str, line: int, column: str) -> datetime:
        parts = _split_datetime(value)
        if parts is None:
            parts = _split_named_month(value)
        if parts is None:
            raise AttendanceFileError(
                Problem.BAD_TIME, f"the {column} time {value!r} is not a date and time.", line=line
            )
        try:
            if parts.a > 31:
                day = date(parts.a, parts.b, parts.c)
            elif self.order == "dmy":
                day = date(_year(parts.c), parts.b, parts.a)
            else:
                day = date(_year(parts.c), parts.a, parts.b)
            hour = parts.hour
            if parts.ampm:
                if not 1 <= hour <= 12:
                    raise ValueError("hour out of range for a 12-hour clock")
                hour = hour % 12 + (12 if parts.ampm == "PM" else 0)
            result = datetime.combine(day, time(hour, parts.minute, parts.second))
        except ValueError:
            raise AttendanceFileError(
                Problem.BAD_TIME, f"the {column} time {value!r} is not a valid date.", line=line
            ) from None
        return result


def decide_date_order(
    values: Iterable[str],
    *,
    prefer_date: date | None = None,
    line_of: Callable[[str], int | None] | None = None,
) -> tuple[Literal["mdy", "dmy", "ymd"], bool]:
    """Choose month-first or day-first for a whole file; return (order, guessed).

    A first number above 12 proves day-first, a second above 12 proves month-first.
    When nothing proves either, the order whose dates fall on ``prefer_date`` (the
    gathering's day) wins; failing that, month-first, which Zoom and Teams use in
    their default English locale, and the result is marked as a guess.
    """
    day_first = month_first = iso = False
    samples: list[_DateParts] = []
    seen: set[str] = set()
    for value in values:
        head = value.partition(" ")[0]
        if head in seen:
            continue
        seen.add(head)
        parts = _split_datetime(value)
        if parts is None:
            continue
        if parts.a > 31:
            iso = True
            continue
        if parts.a > 12 and parts.b > 12:
            continue
        day_first = day_first or parts.a > 12
        month_first = month_first or parts.b > 12
        if day_first and month_first:
            raise AttendanceFileError(
                Problem.BAD_TIME,
                f"the date {value!r} is written in a different order from the dates above "
                "it (day-first and month-first are mixed); export the report again.",
                line=line_of(value) if line_of else None,
            )
        if len(samples) < 50:
            samples.append(parts)
    if day_first:
        return "dmy", False
    if month_first:
        return "mdy", False
    if iso and not samples:
        return "ymd", False
    if prefer_date is not None and samples:
        mdy = sum(1 for p in samples if (_year(p.c), p.a, p.b) == _ymd(prefer_date))
        dmy = sum(1 for p in samples if (_year(p.c), p.b, p.a) == _ymd(prefer_date))
        if dmy > mdy:
            return "dmy", False
        if mdy > dmy:
            return "mdy", False
    return "mdy", bool(samples) and any(p.a != p.b for p in samples)


def _ymd(day: date) -> tuple[int, int, int]:
    return day.year, day.month, day.day


_HMS = re.compile(
    r"""^\s*(?:(?P<h>\d+)\s*h(?:ours?|rs?)?)?\s*
    (?:(?P<m>\d+)\s*m(?:in(?:utes?|s)?)?)?\s*
    (?:(?P<s>\d+)\s*s(?:ec(?:onds?|s)?)?)?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_CLOCK = re.compile(r"^\s*(\d+):(\d{2})(?::(\d{2}))?\s*$")
_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*$")


def parse_duration(value: str, *, line: int) -> int:
    """Seconds in ``220`` (minutes), ``1h 2m 3s``, ``54m``, ``45s`` or ``1:02:03``."""
    text = value.strip()
    number = _NUMBER.match(text)
    if number:
        return round(float(number[1].replace(",", ".")) * 60)
    clock = _CLOCK.match(text)
    if clock:
        if clock[3] is None:
            return int(clock[1]) * 3600 + int(clock[2]) * 60
        return int(clock[1]) * 3600 + int(clock[2]) * 60 + int(clock[3])
    hms = _HMS.match(text)
    if hms and (hms["h"] or hms["m"] or hms["s"]):
        return int(hms["h"] or 0) * 3600 + int(hms["m"] or 0) * 60 + int(hms["s"] or 0)
    raise AttendanceFileError(
        Problem.BAD_DURATION, f"the duration {value!r} is not a length of time.", line=line
    )


# --- tables -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Record:
    line: int
    cells: list[str]

    @property
    def blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)


@dataclass(slots=True)
class _Table:
    title: str
    header_line: int
    header: list[str]
    mapping: dict[str, int]
    records: list[_Record]


_SECTION_TITLE = re.compile(r"^\s*\d+\.\s*\S")


def _read_records(text: str, delimiter: str, *, limit: int | None = None) -> list[_Record]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[_Record] = []
    start = 1
    try:
        for cells in reader:
            records.append(_Record(start, cells))
            start = reader.line_num + 1
            if limit is not None and len(records) >= limit:
                break
    except csv.Error as exc:
        raise AttendanceFileError(
            Problem.WRONG_FORMAT, f"the file cannot be read as CSV ({exc}).", line=start
        ) from None
    return records


def _choose_delimiter(text: str) -> str:
    head = "\n".join(text.splitlines()[:HEADER_SCAN_LINES])
    for delimiter in ("\t", ",", ";"):
        for record in _read_records(head, delimiter):
            if _is_participant_header(map_header(record.cells)):
                return delimiter
    raise AttendanceFileError(
        Problem.WRONG_FORMAT,
        "This is not a Zoom or Teams attendance report: no row of column headings "
        "with a name and join/leave times or a duration was found.",
    )


def _split_tables(records: list[_Record]) -> tuple[list[_Table], list[_Record]]:
    """Cut the records into participant tables; return them and the rows before them.

    Blank rows inside a table are skipped, not taken as its end: only a section title
    or a new heading row after a blank starts something new, so no row is dropped.
    """
    tables: list[_Table] = []
    preamble: list[_Record] = []
    title = ""
    current: _Table | None = None
    after_blank = False
    for record in records:
        cells = record.cells
        if current is not None and not after_blank and cells.count("") < len(cells) - 1:
            current.records.append(record)
            continue
        if record.blank:
            after_blank = True
            continue
        nonblank = [cell for cell in cells if cell.strip()]
        is_title = len(nonblank) == 1 and (
            _SECTION_TITLE.match(nonblank[0]) or (after_blank and record.cells[0].strip())
        )
        after_blank_now, after_blank = after_blank, False
        if is_title:
            title = nonblank[0].strip()
            current = None
            if not tables:
                preamble.append(record)
            continue
        if current is None or after_blank_now:
            mapping = map_header(record.cells)
            if _is_participant_header(mapping):
                current = _Table(title, record.line, record.cells, mapping, [])
                tables.append(current)
                continue
        if current is None:
            if not tables:
                preamble.append(record)
            continue
        current.records.append(record)
    return tables, preamble


def _detect_format(tables: list[_Table], preamble: list[_Record], delimiter: str) -> ReportFormat:
    words = " | ".join(
        [_fold(table.title) for table in tables]
        + [_fold(cell) for table in tables for cell in table.header]
        + [_fold(cell) for record in preamble for cell in record.cells[:1]]
    )
    zoom = ("original name", "user email", "meeting id", "topic", "guest", "recording consent")
    teams = ("upn", "first join", "last leave", "in-meeting", "user action", "summary")
    zoom_score = sum(word in words for word in zoom)
    teams_score = sum(word in words for word in teams) + (delimiter == "\t")
    return "teams" if teams_score > zoom_score else "zoom"


def _meeting_info(preamble: list[_Record], report_format: ReportFormat) -> dict[str, str]:
    info: dict[str, str] = {}
    rows = [r for r in preamble if not r.blank]
    if report_format == "zoom":
        for header, values in zip(rows, rows[1:], strict=False):
            keys = [_fold(c) for c in header.cells]
            if "meeting id" in keys or "topic" in keys:
                for key, value in zip(header.cells, values.cells, strict=False):
                    if key.strip() and value.strip():
                        info[key.strip().lstrip("\ufeff")] = value.strip()
                break
    else:
        for record in rows:
            cells = [c.strip() for c in record.cells]
            if len(cells) >= 2 and cells[0] and cells[1] and not _SECTION_TITLE.match(cells[0]):
                info[cells[0]] = cells[1]
    return info


# --- the parser -------------------------------------------------------------------------


def parse_report(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    date_order: DateOrder = "auto",
    prefer_date: date | None = None,
) -> ParsedReport:
    """Parse a Zoom participants report or a Teams attendance report.

    ``prefer_date`` (the gathering's day) settles dates such as 03/04/2022 that read
    either way; ``date_order`` forces the order when the organiser knows it.
    """
    with gc_paused():
        return _parse_report(
            data, max_bytes=max_bytes, date_order=date_order, prefer_date=prefer_date
        )


def _parse_report(
    data: bytes, *, max_bytes: int, date_order: DateOrder, prefer_date: date | None
) -> ParsedReport:
    text, encoding = decode_report(data, max_bytes=max_bytes)
    delimiter = _choose_delimiter(text)
    records = _read_records(text, delimiter)
    tables, preamble = _split_tables(records)
    report_format = _detect_format(tables, preamble, delimiter)
    chosen = _pick_tables(tables)
    for table in chosen:
        _check_columns(table)
    table = chosen[0]

    lines, columns = _columns(table)
    for other in chosen[1:]:
        lines, columns = _concatenate(lines, columns, *_columns(other))
    if date_order == "auto":
        stamps = [columns[key] for key in ("join", "leave", "timestamp") if key in columns]
        distinct = dict.fromkeys(value for column in stamps for value in column)

        def line_of(value: str) -> int | None:
            for column in stamps:
                if value in column:
                    return _first_line(column, lines, value)
            return None

        order, guessed = decide_date_order(distinct, prefer_date=prefer_date, line_of=line_of)
    else:
        order, guessed = date_order, False
    parse_time = _TimeParser(order)

    identities = _identities_from_other_tables(tables, table)
    if "action" in table.mapping:
        rows = _rows_from_events(table, parse_time)
    else:
        rows = _rows_from_columns(lines, columns, parse_time, identities)
    if not rows:
        raise AttendanceFileError(
            Problem.NO_ROWS,
            "The report has column headings but no participant rows.",
            line=table.header_line,
        )
    return ParsedReport(
        format=report_format,
        encoding=encoding,
        delimiter=delimiter,
        rows=rows,
        meeting=_meeting_info(preamble, report_format),
        date_order=order,
        date_order_guessed=guessed,
        header_line=table.header_line,
    )


_ACTIVITIES = re.compile(r"a[ck]tivi")


def _pick_tables(tables: list[_Table]) -> list[_Table]:
    """The tables whose rows to import.

    Teams lists each person once ("Participants") and then each join ("In-Meeting
    Activities"): the per-join table is used and the other only lends its UPNs.
    Otherwise every table counts (a webinar report lists hosts, panelists and
    attendees in separate tables).
    """
    with_rows = [table for table in tables if table.records]
    for table in with_rows:
        if _ACTIVITIES.search(_fold(table.title)):
            return [table]
    if not with_rows:
        return tables[:1]
    if "action" in with_rows[0].mapping:
        return with_rows[:1]
    return [table for table in with_rows if "action" not in table.mapping]


def _concatenate(
    lines: list[int],
    columns: dict[str, list[str]],
    more_lines: list[int],
    more_columns: dict[str, list[str]],
) -> tuple[list[int], dict[str, list[str]]]:
    blank, more_blank = [""] * len(lines), [""] * len(more_lines)
    joined = {
        key: columns.get(key, blank) + more_columns.get(key, more_blank)
        for key in columns.keys() | more_columns.keys()
    }
    return lines + more_lines, joined


def _check_columns(table: _Table) -> None:
    mapping = table.mapping
    if "action" in mapping:
        return
    missing = []
    if "join" not in mapping and "duration" not in mapping:
        missing.append("join time or duration")
    if "join" in mapping and "leave" not in mapping and "duration" not in mapping:
        missing.append("leave time or duration")
    if missing:
        raise AttendanceFileError(
            Problem.MISSING_COLUMNS,
            "the column headings lack " + " and ".join(missing) + ".",
            line=table.header_line,
        )


def _cell(cells: list[str], mapping: dict[str, int], key: str) -> str:
    index = mapping.get(key)
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _identities_from_other_tables(
    tables: list[_Table], chosen: _Table
) -> dict[tuple[str, str], str]:
    """UPNs from Teams' per-person table, keyed by (name, email), for the per-join rows."""
    upns: dict[tuple[str, str], str] = {}
    for table in tables:
        if table is chosen or "upn" not in table.mapping:
            continue
        for record in table.records:
            upn = _cell(record.cells, table.mapping, "upn")
            if upn:
                name = _cell(record.cells, table.mapping, "name")
                email = _cell(record.cells, table.mapping, "email").casefold()
                upns.setdefault((name, email), upn)
    return upns


_TRUE = {"yes", "y", "true", "1", "oui", "si", "ja"}
_FALSE = {"no", "n", "false", "0", "non", "nein"}
_EMPTY_MARKS = frozenset({"--", "-", "n/a", "N/A"})


def _columns(table: _Table) -> tuple[list[int], dict[str, list[str]]]:
    """The table turned column-wise (stripped text per field), with each row's line.

    Working on whole columns keeps the per-row Python work small, which matters for
    reports of tens of thousands of rows.
    """
    mapping = table.mapping
    width = max(mapping.values()) + 1
    records = table.records
    lines = [record.line for record in records]
    cells = [record.cells for record in records]
    if cells and min(map(len, cells)) < width:
        cells = [row if len(row) >= width else row + [""] * (width - len(row)) for row in cells]
    transposed = list(zip(*cells, strict=False)) if cells else [()] * width
    columns = {key: list(map(str.strip, transposed[index])) for key, index in mapping.items()}
    for key, column in columns.items():
        if any(mark in column for mark in _EMPTY_MARKS):
            columns[key] = ["" if value in _EMPTY_MARKS else value for value in column]
    attended = columns.pop("attended", None)
    if attended is not None:
        keep = [i for i, value in enumerate(attended) if value.casefold() not in _FALSE]
        lines = [lines[i] for i in keep]
        columns = {key: [column[i] for i in keep] for key, column in columns.items()}
    return lines, columns


def _first_line(column: list[str], lines: list[int], value: str) -> int:
    return lines[column.index(value)]


def _rows_from_columns(
    lines: list[int],
    columns: dict[str, list[str]],
    parse_time: _TimeParser,
    upns: dict[tuple[str, str], str],
) -> list[AttendanceRow]:
    count = len(lines)
    blank = [""] * count
    names = columns.get("name", blank)
    emails = columns.get("email", blank)
    upn_column = columns.get("upn", blank)
    keep = [i for i in range(count) if names[i] or emails[i] or upn_column[i]]
    if len(keep) != count:
        lines = [lines[i] for i in keep]
        columns = {key: [column[i] for i in keep] for key, column in columns.items()}
        count = len(lines)
        blank = [""] * count
        names = columns.get("name", blank)
        emails = columns.get("email", blank)
        upn_column = columns.get("upn", blank)

    joins = _parse_times(columns.get("join"), lines, parse_time, "join") or [None] * count
    leaves = _parse_times(columns.get("leave"), lines, parse_time, "leave") or [None] * count
    if "join" in columns and None in joins:
        line = lines[joins.index(None)]
        raise AttendanceFileError(Problem.BAD_TIME, "the join time is empty.", line=line)

    durations_text = columns.get("duration")
    if durations_text is not None:
        known: dict[str, int | None] = dict.fromkeys(durations_text)
        value = ""
        try:
            for value in known:
                if value:
                    known[value] = parse_duration(value, line=0)
        except AttendanceFileError as error:
            line = _first_line(durations_text, lines, value)
            raise AttendanceFileError(error.problem, error.detail, line=line) from None
        durations = list(map(known.__getitem__, durations_text))
    else:
        durations = [None] * count

    seconds: list[int] = []
    for index in range(count):
        duration = durations[index]
        join, leave = joins[index], leaves[index]
        if duration is None:
            if join is None or leave is None:
                raise AttendanceFileError(
                    Problem.BAD_TIME,
                    "neither a leave time nor a duration is given.",
                    line=lines[index],
                )
            duration = int((leave - join).total_seconds())
        elif join is not None and leave is None:
            leaves[index] = join + timedelta(seconds=duration)
        seconds.append(duration if duration > 0 else 0)
        if join is not None and leave is not None and leave < join:
            raise AttendanceFileError(
                Problem.BAD_TIME, "the leave time is before the join time.", line=lines[index]
            )

    if upns:
        upn_column = [
            upn or upns.get((name, email.casefold()), "")
            for name, email, upn in zip(names, emails, upn_column, strict=True)
        ]
    guest_text = columns.get("guest", blank)
    guest_values = {value: value.casefold() in _TRUE for value in dict.fromkeys(guest_text)}
    guests = list(map(guest_values.__getitem__, guest_text))
    return list(
        map(AttendanceRow, lines, names, emails, upn_column, joins, leaves, seconds, guests)
    )


def _parse_times(
    column: list[str] | None, lines: list[int], parse_time: _TimeParser, label: str
) -> list[datetime | None] | None:
    """Parse each distinct value once; errors name the first line showing the value."""
    if column is None:
        return None
    parsed: dict[str, datetime | None] = dict.fromkeys(column)
    value = ""
    try:
        for value in parsed:
            if value:
                parsed[value] = parse_time(value, 0, label)
    except AttendanceFileError as error:
        raise AttendanceFileError(
            error.problem, error.detail, line=_first_line(column, lines, value)
        ) from None
    return list(map(parsed.__getitem__, column))


def _rows_from_events(table: _Table, parse_time: _TimeParser) -> list[AttendanceRow]:
    """Old Teams lists "Joined"/"Left" events; pair them into intervals per person."""
    mapping = table.mapping
    open_joins: dict[tuple[str, str], tuple[datetime, int, str]] = {}
    rows: list[AttendanceRow] = []
    last_seen: datetime | None = None
    for record in table.records:
        name = _cell(record.cells, mapping, "name")
        email = _cell(record.cells, mapping, "email")
        action = _fold(_cell(record.cells, mapping, "action"))
        stamp_text = _cell(record.cells, mapping, "timestamp")
        if not name and not email:
            continue
        stamp = parse_time(stamp_text, record.line, "event")
        last_seen = stamp if last_seen is None else max(last_seen, stamp)
        key = (name, email.casefold())
        if action.startswith("join"):
            open_joins.setdefault(key, (stamp, record.line, email))
        elif action.startswith("left") or action.startswith("leave"):
            opened = open_joins.pop(key, None)
            if opened is None:
                continue
            rows.append(_event_row(name, opened, stamp))
        else:
            raise AttendanceFileError(
                Problem.WRONG_FORMAT,
                f"the action {action!r} is neither Joined nor Left.",
                line=record.line,
            )
    for (name, _), opened in open_joins.items():
        rows.append(_event_row(name, opened, last_seen or opened[0]))
    rows.sort(key=lambda row: row.line)
    return rows


def _event_row(name: str, opened: tuple[datetime, int, str], leave: datetime) -> AttendanceRow:
    join, line, email = opened
    return AttendanceRow(
        line=line,
        name=name,
        email=email,
        join=join,
        leave=leave,
        seconds=max(int((leave - join).total_seconds()), 0),
    )
