"""The parser: a report's chosen tables turned into join-to-leave rows."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from app.attendance.importers.decoding import (
    DEFAULT_MAX_BYTES,
    EXTRA_LINES,
    MAX_ROWS,
    AttendanceFileError,
    Problem,
    decode_report,
    too_many_rows,
)
from app.attendance.importers.tables import (
    PEOPLE_COLUMNS,
    ReportFormat,
    Table,
    choose_delimiter,
    clean_people,
    detect_format,
    fold,
    meeting_info,
    read_records,
    read_single_table,
    split_tables,
)
from app.attendance.importers.times import (
    MAX_DURATION_SECONDS,
    DateOrder,
    TimeParser,
    decide_date_order,
    parse_duration_column,
    parse_time_column,
)
from app.cleaning import one_line
from app.gc_pause import gc_paused

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


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


ROW_COLUMNS = ("line", "name", "email", "upn", "join", "leave", "seconds", "guest")


def rows_frame(rows: Iterable[AttendanceRow]) -> pd.DataFrame:
    """Rows as the frame the parser returns: one column per :class:`AttendanceRow`
    field, times as naive datetime64 (NaT when unknown)."""
    import pandas as pd

    frame = pd.DataFrame(
        [(r.line, r.name, r.email, r.upn, r.join, r.leave, r.seconds, r.guest) for r in rows],
        columns=list(ROW_COLUMNS),
    )
    for key in ("join", "leave"):
        frame[key] = pd.to_datetime(frame[key])
    for key in ("name", "email", "upn"):
        frame[key] = texts(frame[key].tolist())
    return frame.astype({"line": "int64", "seconds": "int64", "guest": "bool"})


def _moment(value: pd.Timestamp) -> datetime | None:
    import pandas as pd

    return None if pd.isna(value) else value.to_pydatetime()


@dataclass(slots=True)
class ParsedReport:
    """A parsed report; ``frame`` holds the rows (see :data:`ROW_COLUMNS`)."""

    format: ReportFormat
    encoding: str
    delimiter: str
    frame: pd.DataFrame
    meeting: dict[str, str] = field(default_factory=dict)
    date_order: Literal["mdy", "dmy", "ymd"] = "mdy"
    date_order_guessed: bool = False
    header_line: int = 0

    @property
    def rows(self) -> list[AttendanceRow]:
        frame = self.frame
        return [
            AttendanceRow(
                int(line),
                name,
                email,
                upn,
                _moment(join),
                _moment(leave),
                int(sec),
                bool(guest),
            )
            for line, name, email, upn, join, leave, sec, guest in zip(
                *(frame[key] for key in ROW_COLUMNS), strict=True
            )
        ]


def parse_report(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = MAX_ROWS,
    date_order: DateOrder = "auto",
    prefer_date: date | None = None,
) -> ParsedReport:
    """Parse a Zoom participants report or a Teams attendance report.

    ``prefer_date`` (the gathering's day) settles dates such as 03/04/2022 that read
    either way; ``date_order`` forces the order when the organiser knows it.
    """
    with gc_paused():
        return _parse_report(
            data,
            max_bytes=max_bytes,
            max_rows=max_rows,
            date_order=date_order,
            prefer_date=prefer_date,
        )


def _parse_report(
    data: bytes,
    *,
    max_bytes: int,
    max_rows: int,
    date_order: DateOrder,
    prefer_date: date | None,
) -> ParsedReport:
    text, encoding = decode_report(data, max_bytes=max_bytes)
    delimiter = choose_delimiter(text)
    utf8 = data[3:] if encoding == "utf-8-sig" else data if encoding == "utf-8" else None
    single = read_single_table(text, delimiter, max_rows=max_rows + EXTRA_LINES, utf8=utf8)
    if single is not None:
        table, preamble, lines, columns = single
        tables = chosen = [table]
        _check_columns(table)
        if len(lines) > max_rows:
            raise too_many_rows(max_rows)
        lines, columns = clean_columns(lines, columns)
    else:
        records = read_records(text, delimiter, limit=max_rows + EXTRA_LINES + 1)
        if len(records) > max_rows + EXTRA_LINES:
            raise too_many_rows(max_rows)
        tables, preamble = split_tables(records)
        del records
        chosen = _pick_tables(tables)
        for table in chosen:
            _check_columns(table)
        table = chosen[0]
        if sum(len(chosen_table.records) for chosen_table in chosen) > max_rows:
            raise too_many_rows(max_rows)
        lines, columns = _columns(table)
        for other in chosen[1:]:
            lines, columns = _concatenate(lines, columns, *_columns(other))
    report_format = detect_format(tables, preamble, delimiter)
    if date_order == "auto":
        stamps = [columns[key] for key in ("join", "leave", "timestamp") if key in columns]
        distinct = _one_per_date(stamps)

        def line_of(value: str) -> int | None:
            for column in stamps:
                if value in column:
                    return _first_line(column, lines, value)
            return None

        order, guessed = decide_date_order(distinct, prefer_date=prefer_date, line_of=line_of)
    else:
        order, guessed = date_order, False
    parse_time = TimeParser(order)

    identities = _identities_from_other_tables(tables, table)
    if "action" in table.mapping:
        frame = rows_frame(_rows_from_events(table, parse_time))
    else:
        frame = _frame_from_columns(lines, columns, parse_time, identities)
    if frame.empty:
        raise AttendanceFileError(
            Problem.NO_ROWS,
            "The report has column headings but no participant rows.",
            line=table.header_line,
        )
    return ParsedReport(
        format=report_format,
        encoding=encoding,
        delimiter=delimiter,
        frame=frame,
        meeting=meeting_info(preamble, report_format),
        date_order=order,
        date_order_guessed=guessed,
        header_line=table.header_line,
    )


_ACTIVITIES = re.compile(r"a[ck]tivi")


def _pick_tables(tables: list[Table]) -> list[Table]:
    """The tables whose rows to import.

    Teams lists each person once ("Participants") and then each join ("In-Meeting
    Activities"): the per-join table is used and the other only lends its UPNs.
    Otherwise every table counts (a webinar report lists hosts, panelists and
    attendees in separate tables).
    """
    with_rows = [table for table in tables if table.records]
    for table in with_rows:
        if _ACTIVITIES.search(fold(table.title)):
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


def _check_columns(table: Table) -> None:
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
    return one_line(cells[index]) if key in PEOPLE_COLUMNS else cells[index].strip()


def _identities_from_other_tables(tables: list[Table], chosen: Table) -> dict[tuple[str, str], str]:
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
# Text a person typed somewhere (a display name, an address): cleaned like form input.


def _columns(table: Table) -> tuple[list[int], dict[str, list[str]]]:
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
    columns = {
        key: clean_people(cells) if key in PEOPLE_COLUMNS else list(map(str.strip, cells))
        for key, index in mapping.items()
        for cells in (transposed[index],)
    }
    return clean_columns(lines, columns)


def clean_columns(
    lines: list[int], columns: dict[str, list[str]]
) -> tuple[list[int], dict[str, list[str]]]:
    """Blank out placeholder cells ("--", "n/a") and drop rows marked as not attended."""
    for key, column in columns.items():
        if not _EMPTY_MARKS.isdisjoint(column):
            columns[key] = ["" if value in _EMPTY_MARKS else value for value in column]
    attended = columns.pop("attended", None)
    if attended is not None:
        keep = [i for i, value in enumerate(attended) if value.casefold() not in _FALSE]
        lines = [lines[i] for i in keep]
        columns = {key: [column[i] for i in keep] for key, column in columns.items()}
    return lines, columns


def _one_per_date(columns: list[list[str]]) -> Iterable[str]:
    """The timestamps :func:`decide_date_order` needs to see, in file order: it reads
    the first of each date (the text before the first space), and a report's times
    nearly always share one date, which a count over the joined text confirms."""
    first = next((value for value in itertools.chain(*columns) if value), None)
    if first is not None:
        day = first.partition(" ")[0] + " "
        joined = "\n" + "\n".join(itertools.chain(*columns))
        filled = sum(len(column) - column.count("") for column in columns)
        if joined.count("\n" + day) == filled:
            return [first]
    return dict.fromkeys(itertools.chain(*columns))


def _first_line(column: list[str], lines: list[int], value: str) -> int:
    return lines[column.index(value)]


_TEXT_FIELDS = ("join", "leave", "duration", "guest")


def texts(values, index=None) -> pd.Series:
    """Text as a Series of Python strings (object dtype): pandas' own string type is
    much slower to compare, look up and iterate over, row by row."""
    import numpy as np
    import pandas as pd

    array = np.empty(len(values), dtype=object)
    array[:] = values
    return pd.Series(array, index=index, dtype=object)


def _objects(values: list[str]) -> np.ndarray:
    import numpy as np

    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _frame_from_columns(
    lines: list[int],
    columns: dict[str, list[str]],
    parse_time: TimeParser,
    upns: dict[tuple[str, str], str],
) -> pd.DataFrame:
    """The rows as a frame: times and durations are parsed a column at a time, and the
    checks (empty join, no leave or duration, leave before join) name the first line
    that fails them."""
    import numpy as np
    import pandas as pd

    blank = [""] * len(lines)
    people = {key: _objects(columns.get(key, blank)) for key in ("name", "email", "upn")}
    named = (people["name"] != "") | (people["email"] != "") | (people["upn"] != "")
    if not named.any():
        return rows_frame([])
    line = np.asarray(lines, dtype="int64")
    cells = {key: _objects(columns[key]) for key in _TEXT_FIELDS if key in columns}
    if not named.all():
        people = {key: values[named] for key, values in people.items()}
        cells = {key: values[named] for key, values in cells.items()}
        line = line[named]
    missing = np.full(len(line), np.datetime64("NaT"), dtype="datetime64[s]")
    joins = (
        parse_time_column(cells["join"], line, parse_time, "join") if "join" in cells else missing
    )
    leaves = (
        parse_time_column(cells["leave"], line, parse_time, "leave")
        if "leave" in cells
        else missing
    )
    no_join, no_leave = np.isnat(joins), np.isnat(leaves)
    if "join" in cells and no_join.any():
        at = int(np.argmax(no_join))
        raise AttendanceFileError(Problem.BAD_TIME, "the join time is empty.", line=int(line[at]))
    if "duration" in cells:
        durations = parse_duration_column(cells["duration"], line)
    else:
        durations = np.full(len(line), np.nan)

    no_duration = np.isnan(durations)
    no_span = no_duration & (no_join | no_leave)
    backwards = ~no_join & ~no_leave & (leaves < joins)
    failing = no_span | backwards
    if failing.any():
        at = int(np.argmax(failing))
        message = (
            "neither a leave time nor a duration is given."
            if no_span[at]
            else "the leave time is before the join time."
        )
        raise AttendanceFileError(Problem.BAD_TIME, message, line=int(line[at]))
    spans = np.where(no_join | no_leave, 0, (leaves - joins).astype("int64"))
    if (spans > MAX_DURATION_SECONDS).any():
        at = int(np.argmax(spans > MAX_DURATION_SECONDS))
        raise AttendanceFileError(
            Problem.BAD_TIME,
            "the leave time is more than a week after the join time; check the file.",
            line=int(line[at]),
        )
    seconds = np.where(no_duration, spans, durations).astype("int64").clip(min=0)
    fill = ~no_join & no_leave & ~no_duration
    if fill.any():
        leaves = leaves.copy()
        leaves[fill] = joins[fill] + durations[fill].astype("timedelta64[s]")

    if upns:
        people["upn"] = _objects(
            [
                upn or upns.get((name, email.casefold()), "")
                for name, email, upn in zip(
                    people["name"], people["email"], people["upn"], strict=True
                )
            ]
        )
    if "guest" in cells:
        codes, distinct = pd.factorize(cells["guest"])
        guest = np.array([value.casefold() in _TRUE for value in distinct], dtype=bool)[codes]
    else:
        guest = np.zeros(len(line), dtype=bool)
    return pd.DataFrame(
        {
            "line": line,
            **{key: pd.Series(values, dtype=object) for key, values in people.items()},
            "join": joins,
            "leave": leaves,
            "seconds": seconds,
            "guest": guest,
        }
    )


def _rows_from_events(table: Table, parse_time: TimeParser) -> list[AttendanceRow]:
    """Old Teams lists "Joined"/"Left" events; pair them into intervals per person."""
    mapping = table.mapping
    open_joins: dict[tuple[str, str], tuple[datetime, int, str]] = {}
    rows: list[AttendanceRow] = []
    last_seen: datetime | None = None
    for record in table.records:
        name = _cell(record.cells, mapping, "name")
        email = _cell(record.cells, mapping, "email")
        action = fold(_cell(record.cells, mapping, "action"))
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
