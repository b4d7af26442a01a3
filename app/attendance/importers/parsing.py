"""The parser: a report's chosen tables turned into join-to-leave rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from app.attendance.importers.decoding import (
    DEFAULT_MAX_BYTES,
    AttendanceFileError,
    Problem,
    decode_report,
)
from app.attendance.importers.tables import (
    ReportFormat,
    Table,
    choose_delimiter,
    detect_format,
    fold,
    meeting_info,
    read_records,
    split_tables,
)
from app.attendance.importers.times import (
    DateOrder,
    TimeParser,
    decide_date_order,
    parse_duration,
)
from app.cleaning import one_line
from app.gc_pause import gc_paused


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
    delimiter = choose_delimiter(text)
    records = read_records(text, delimiter)
    tables, preamble = split_tables(records)
    report_format = detect_format(tables, preamble, delimiter)
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
    parse_time = TimeParser(order)

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
    return one_line(cells[index]) if key in _PEOPLE_COLUMNS else cells[index].strip()


def _identities_from_other_tables(
    tables: list[Table], chosen: Table
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
# Text a person typed somewhere (a display name, an address): cleaned like form input.
_PEOPLE_COLUMNS = frozenset({"name", "email", "upn"})


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
        key: list(map(one_line if key in _PEOPLE_COLUMNS else str.strip, transposed[index]))
        for key, index in mapping.items()
    }
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
    parse_time: TimeParser,
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
    column: list[str] | None, lines: list[int], parse_time: TimeParser, label: str
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
