"""Dates, clock times and durations as Zoom and Teams write them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Literal

from app.attendance.importers.decoding import AttendanceFileError, Problem
from app.attendance.importers.tables import fold
from app.cleaning import FIRST_YEAR, LAST_YEAR

if TYPE_CHECKING:
    import numpy as np

DateOrder = Literal["auto", "mdy", "dmy"]


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
    month = _MONTHS.get(fold(match["m1"] or match["m2"]))
    clock = _split_datetime("2000-01-01 " + match["rest"])
    if month is None or clock is None:
        return None
    year = _year(int(match["y1"] or match["y2"]))
    day = int(match["d1"] or match["d2"])
    return _DateParts(year, month, day, clock.hour, clock.minute, clock.second, clock.ampm)


def _year(value: int) -> int:
    return value + 2000 if value < 100 else value


class TimeParser:
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
            result = datetime.combine(day, clock)
        else:
            result = self._slow(value, line, column)
        if not FIRST_YEAR <= result.year <= LAST_YEAR:
            raise AttendanceFileError(
                Problem.BAD_TIME,
                f"the {column} time {value!r} is not between the years {FIRST_YEAR} and "
                f"{LAST_YEAR}.",
                line=line,
            )
        return result

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


# No one attends a single session for more than a week: a longer duration is a typo or a
# corrupt cell, and taken as it is it would overflow an INTEGER column (or wrap to 0).
MAX_DURATION_SECONDS = 7 * 24 * 3600


def too_long(value: str, *, line: int) -> AttendanceFileError:
    return AttendanceFileError(
        Problem.BAD_DURATION,
        f"the duration {value!r} is longer than a week; check the file.",
        line=line,
    )


def parse_duration(value: str, *, line: int) -> int:
    """Seconds in ``220`` (minutes), ``1h 2m 3s``, ``54m``, ``45s`` or ``1:02:03``, at
    most MAX_DURATION_SECONDS."""
    seconds = _duration_seconds(value, line=line)
    if seconds > MAX_DURATION_SECONDS:
        raise too_long(value, line=line)
    return seconds


def _duration_seconds(value: str, *, line: int) -> int:
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


# --- whole columns ----------------------------------------------------------------------

_FIRST_STAMP = re.compile(
    r"^(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})"
    r"(?P<gap>,\s*|\s+|T)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?P<space>\s*)(?P<ampm>[AaPp][Mm])?$"
)


def column_format(value: str, order: Literal["mdy", "dmy", "ymd"]) -> str | None:
    """The strptime format that reads ``value`` the way :class:`TimeParser` would, or
    None when only the general parser can (two-digit years, named months, zones)."""
    match = _FIRST_STAMP.match(value)
    if match is None:
        return None
    sep = match["sep"]
    if len(match["a"]) == 4:
        day = f"%Y{sep}%m{sep}%d"
    elif len(match["c"]) != 4:
        return None
    elif order == "dmy":
        day = f"%d{sep}%m{sep}%Y"
    else:
        day = f"%m{sep}%d{sep}%Y"
    clock = ("%I" if match["ampm"] else "%H") + ":%M" + (":%S" if match["second"] else "")
    if match["ampm"]:
        clock += match["space"] + "%p"
    return day + match["gap"] + clock


def parse_time_column(
    values: np.ndarray, lines: np.ndarray, parser: TimeParser, label: str
) -> np.ndarray:
    """Parse a column of timestamps ("" stays NaT) into naive datetime64[s] values.

    The whole column is read with one strptime format guessed from its first value;
    values that format does not fit go one distinct value at a time through
    ``parser``, which accepts everything the report formats write and raises, naming
    the first line that shows a bad value.
    """
    import numpy as np
    import pandas as pd

    filled = values != ""
    parsed = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[s]")
    first = values[filled]
    sample = first[0] if len(first) else ""
    fmt = column_format(sample, parser.order) if sample else None
    if fmt is not None:
        parsed[filled] = _fixed_width(first, sample, parser.order)
        left = filled & np.isnat(parsed)
        if left.any():
            found = pd.to_datetime(pd.Series(values[left]), format=fmt, errors="coerce")
            parsed[left] = found.to_numpy(dtype="datetime64[s]")
    left = filled & np.isnat(parsed)
    if left.any():
        pending = values[left]
        fixed: dict[str, datetime] = {}
        for value in pd.unique(pending):
            try:
                fixed[value] = parser(value, 0, label)
            except AttendanceFileError as error:
                line = int(lines[left][pending == value][0])
                raise AttendanceFileError(error.problem, error.detail, line=line) from None
        parsed[left] = np.array([fixed[value] for value in pending], dtype="datetime64[s]")
    years = parsed.astype("datetime64[Y]").astype("int64") + 1970
    wrong = ~np.isnat(parsed) & ((years < FIRST_YEAR) | (years > LAST_YEAR))
    if wrong.any():
        at = int(np.argmax(wrong))
        parser(values[at], int(lines[at]), label)
    return parsed


def _fixed_width(values: np.ndarray, sample: str, order: str) -> np.ndarray:
    """Timestamps laid out exactly like ``sample`` (same length, zero-padded, same
    separators), read as arrays of digits; NaT for any value laid out otherwise or
    not a real date and time, which the slower readers then take."""
    import numpy as np

    match = _FIRST_STAMP.match(sample)
    width, count = len(sample), len(values)
    result = np.full(count, np.datetime64("NaT"), dtype="datetime64[s]")
    if match is None or not sample.isascii():
        return result
    items = values.tolist()
    same = np.fromiter(map(len, items), dtype=np.int64, count=count) == width
    if not same.any():
        return result
    try:
        if same.all():
            packed = np.frombuffer("".join(items).encode("ascii"), dtype=np.uint8)
        else:
            packed = np.array(items, dtype=f"S{width}").view(np.uint8)
    except UnicodeEncodeError:
        return result
    # One contiguous row of bytes per character position.
    at = np.ascontiguousarray(packed.reshape(count, width).T)
    template = sample.encode("ascii")
    fields = ("a", "b", "c", "hour", "minute", "second")
    digit_at = {i for name in fields if match[name] for i in range(*match.span(name))}
    ampm = range(*match.span("ampm")) if match["ampm"] else range(0)
    ok = same.copy()
    for i in range(width):
        if i in digit_at:
            ok &= at[i] - ord("0") <= 9
        elif i not in ampm:
            ok &= at[i] == template[i]

    def number(name: str) -> np.ndarray:
        total = np.zeros(count, dtype=np.int32)
        for i in range(*match.span(name)):
            total = total * 10 + (at[i] - ord("0"))
        return total

    a, b, c = number("a"), number("b"), number("c")
    if len(match["a"]) == 4:
        year, month, day = a, b, c
    elif len(match["c"]) == 4:
        year, month, day = (c, b, a) if order == "dmy" else (c, a, b)
    else:
        return result
    hour, minute = number("hour"), number("minute")
    second = number("second") if match["second"] else np.zeros(count, dtype=np.int32)
    if ampm:
        letter = at[ampm[0]] | 0x20
        ok &= ((letter == ord("a")) | (letter == ord("p"))) & (at[ampm[-1]] | 0x20 == ord("m"))
        ok &= (hour >= 1) & (hour <= 12)
        hour = hour % 12 + np.where(letter == ord("p"), 12, 0)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59) & (month >= 1) & (month <= 12)
    ok &= day >= 1
    months = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    starts = months.astype("datetime64[D]")
    ok &= day <= ((months + 1).astype("datetime64[D]") - starts).astype(np.int64)
    moments = (starts + (day - 1)).astype("datetime64[s]") + (hour * 3600 + minute * 60 + second)
    result[ok] = moments[ok]
    return result


def parse_duration_column(values: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Seconds for a column of durations (NaN where the cell is empty), each distinct
    value read once: whole minutes at once, other spellings by :func:`parse_duration`,
    which names the first line with a bad value."""
    import numpy as np
    import pandas as pd

    codes, distinct = pd.factorize(values)
    seconds = np.empty(len(distinct), dtype="float64")
    for code, value in enumerate(distinct.tolist()):
        if not value:
            seconds[code] = np.nan
        elif value.isdigit() and value.isascii():
            seconds[code] = float(value) * 60
        else:
            try:
                seconds[code] = parse_duration(value, line=0)
            except AttendanceFileError as error:
                line = int(lines[np.argmax(codes == code)])
                raise AttendanceFileError(error.problem, error.detail, line=line) from None
        if seconds[code] > MAX_DURATION_SECONDS:
            raise too_long(value, line=int(lines[np.argmax(codes == code)]))
    return seconds[codes]
