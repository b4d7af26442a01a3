"""The report's layout: delimiter, CSV records, header rows, tables and preamble."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from app.attendance.importers.decoding import AttendanceFileError, Problem
from app.cleaning import one_line

ReportFormat = Literal["zoom", "teams"]
HEADER_SCAN_LINES = 200
# Cells that name a person are cleaned as single-line text (app.cleaning); others stripped.
PEOPLE_COLUMNS = frozenset({"name", "email", "upn"})


# Joins a column's cells into one text that app.cleaning cleans in one go (a private-use
# character: no cleaning step changes it or merges it with its neighbours).
_CELL_BREAK = "\ue000"
# What app.cleaning.one_line changes besides the ends: control characters and line
# breaks (C0 as single bytes, found by deleting every other byte; C1, U+2028 and U+2029
# by a search), runs of spaces, and text not in NFC.
_NOT_C0 = bytes(byte for byte in range(256) if byte >= 0x20 and byte != 0x7F)
_OTHER_BREAKS = re.compile("[\x80-\x9f\u2028\u2029]")


def _only_ends_to_clean(text: str) -> bool:
    if "  " in text:
        return False
    encoded = text.encode("utf-8", "surrogatepass")
    if encoded.translate(None, _NOT_C0):
        return False
    if len(encoded) == len(text):
        return True
    # In UTF-8, C1 characters start with the byte C2, U+2028 and U+2029 with E2 80.
    if (b"\xc2" in encoded or b"\xe2\x80" in encoded) and _OTHER_BREAKS.search(text):
        return False
    return unicodedata.is_normalized("NFC", text)


def clean_people(values: Iterable[str]) -> list[str]:
    """``app.cleaning.one_line`` for a column of people's cells, cleaned joined into
    one text, which gives each cell exactly what cleaning it alone gives; a column
    whose cells only need stripping (nearly all) is found with a few whole-text
    checks."""
    values = list(values)
    if _only_ends_to_clean("|".join(values)):
        return list(map(str.strip, values))
    joined = _CELL_BREAK.join(values)
    if joined.count(_CELL_BREAK) != len(values) - 1:
        return list(map(one_line, values))
    return list(map(str.strip, one_line(joined).split(_CELL_BREAK)))


def fold(text: str) -> str:
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
        folded = fold(cell)
        if not folded:
            continue
        for name, pattern in _FIELD_PATTERNS:
            if name in mapping:
                continue
            if pattern.search(folded):
                mapping[name] = index
                break
    return mapping


def is_participant_header(mapping: dict[str, int]) -> bool:
    has_events = "action" in mapping and "timestamp" in mapping
    return "name" in mapping and ("join" in mapping or "duration" in mapping or has_events)


@dataclass(slots=True)
class Record:
    line: int
    cells: list[str]

    @property
    def blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)


@dataclass(slots=True)
class Table:
    title: str
    header_line: int
    header: list[str]
    mapping: dict[str, int]
    records: list[Record]


SECTION_TITLE = re.compile(r"^\s*\d+\.\s*\S")


def _head_records(text: str, delimiter: str) -> list[Record]:
    """The first records of a text with no lone carriage return."""
    return read_records(_lines(text), delimiter, limit=HEADER_SCAN_LINES)


def read_records(
    text: str | Iterable[str], delimiter: str, *, limit: int | None = None
) -> list[Record]:
    lines = io.StringIO(text, newline="") if isinstance(text, str) else text
    reader = csv.reader(lines, delimiter=delimiter)
    records: list[Record] = []
    start = 1
    try:
        for cells in reader:
            records.append(Record(start, cells))
            start = reader.line_num + 1
            if limit is not None and len(records) >= limit:
                break
    except csv.Error as exc:
        raise AttendanceFileError(
            Problem.WRONG_FORMAT, f"the file cannot be read as CSV ({exc}).", line=start
        ) from None
    return records


def choose_delimiter(text: str) -> str:
    end = -1
    for _ in range(HEADER_SCAN_LINES):
        end = text.find("\n", end + 1)
        if end < 0:
            end = len(text)
            break
    head = text[:end]
    for delimiter in ("\t", ",", ";"):
        if delimiter not in head:
            continue  # every record would be one cell, and a heading row has several
        for record in read_records(head, delimiter):
            if is_participant_header(map_header(record.cells)):
                return delimiter
    raise AttendanceFileError(
        Problem.WRONG_FORMAT,
        "This is not a Zoom or Teams attendance report: no row of column headings "
        "with a name and join/leave times or a duration was found.",
    )


def split_tables(records: list[Record]) -> tuple[list[Table], list[Record]]:
    """Cut the records into participant tables; return them and the rows before them.

    Blank rows inside a table are skipped, not taken as its end: only a section title
    or a new heading row after a blank starts something new, so no row is dropped.
    """
    tables: list[Table] = []
    preamble: list[Record] = []
    title = ""
    current: Table | None = None
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
            SECTION_TITLE.match(nonblank[0]) or (after_blank and record.cells[0].strip())
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
            if is_participant_header(mapping):
                current = Table(title, record.line, record.cells, mapping, [])
                tables.append(current)
                continue
        if current is None:
            if not tables:
                preamble.append(record)
            continue
        current.records.append(record)
    return tables, preamble


def detect_format(tables: list[Table], preamble: list[Record], delimiter: str) -> ReportFormat:
    words = " | ".join(
        [fold(table.title) for table in tables]
        + [fold(cell) for table in tables for cell in table.header]
        + [fold(cell) for record in preamble for cell in record.cells[:1]]
    )
    zoom = ("original name", "user email", "meeting id", "topic", "guest", "recording consent")
    teams = ("upn", "first join", "last leave", "in-meeting", "user action", "summary")
    zoom_score = sum(word in words for word in zoom)
    teams_score = sum(word in words for word in teams) + (delimiter == "\t")
    return "teams" if teams_score > zoom_score else "zoom"


def meeting_info(preamble: list[Record], report_format: ReportFormat) -> dict[str, str]:
    info: dict[str, str] = {}
    rows = [r for r in preamble if not r.blank]
    if report_format == "zoom":
        for header, values in zip(rows, rows[1:], strict=False):
            keys = [fold(c) for c in header.cells]
            if "meeting id" in keys or "topic" in keys:
                for key, value in zip(header.cells, values.cells, strict=False):
                    if key.strip() and value.strip():
                        info[key.strip().lstrip("\ufeff")] = value.strip()
                break
    else:
        for record in rows:
            cells = [c.strip() for c in record.cells]
            if len(cells) >= 2 and cells[0] and cells[1] and not SECTION_TITLE.match(cells[0]):
                info[cells[0]] = cells[1]
    return info


_LONE_CR = re.compile(rb"\r(?!\n)")


def _lines(text: str) -> Iterator[str]:
    """The lines of a text, each with its line break, without copying the whole text."""
    start = 0
    while (end := text.find("\n", start)) >= 0:
        yield text[start : end + 1]
        start = end + 1
    if start < len(text):
        yield text[start:]


def read_single_table(
    text: str, delimiter: str, *, max_rows: int, utf8: bytes | None = None
) -> tuple[Table, list[Record], list[int], dict[str, list[str]]] | None:
    """The common layout, read a column at a time with pandas: one participant table
    (after an optional preamble) running to the end of the file, with no blank row,
    section title or line break inside a cell. Returns the table, the preamble, each
    row's line and the stripped text of each mapped column (at most ``max_rows`` + 1
    rows); None for any other layout, which :func:`split_tables` reads record by
    record with the same result. ``utf8`` is the text's own bytes when the file was
    UTF-8: the table is cut from them rather than encoded again."""
    import numpy as np
    import pandas as pd

    raw = text.encode() if utf8 is None else utf8
    if _LONE_CR.search(raw):
        return None
    head = _head_records(text, delimiter)
    tables, preamble = split_tables(head)
    if not tables or "action" in tables[0].mapping:
        return None
    table = tables[0]
    after = [record.line for record in head if record.line > table.header_line]
    if not after:
        return None
    start = -1
    for _ in range(after[0] - 1):
        start = raw.find(b"\n", start + 1)
        if start < 0:
            return None
    body = raw[start + 1 :]
    width = len(table.header)
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(
                io.BytesIO(body),
                encoding="utf-8",
                sep=delimiter,
                header=None,
                names=range(width),
                dtype=object,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                index_col=False,
                nrows=max_rows + 1,
                engine="c",
            )
        except (ValueError, pd.errors.ParserWarning):
            return None
    count = len(frame)
    breaks = int(np.count_nonzero(np.frombuffer(body, dtype=np.uint8) == ord("\n")))
    if count <= max_rows and breaks != (count if body.endswith(b"\n") else count - 1):
        return None
    # Rows with at most one cell filled (a blank row, a section title) are another
    # layout; a row with both its name and its first time (or duration) is not one.
    first_time = table.mapping.get("join", table.mapping.get("duration"))
    surely = frame[table.mapping["name"]].to_numpy() != ""
    if first_time is not None:
        surely &= frame[first_time].to_numpy() != ""
    cells = frame[~surely].to_numpy()
    sparse = np.flatnonzero((cells != "").sum(axis=1) <= 1)
    for row in cells[sparse]:
        nonblank = [cell for cell in row if cell.strip()]
        if not nonblank or (len(nonblank) == 1 and SECTION_TITLE.match(nonblank[0])):
            return None
    lines = list(range(after[0], after[0] + count))
    columns = {
        key: clean_people(cells) if key in PEOPLE_COLUMNS else list(map(str.strip, cells))
        for key, index in table.mapping.items()
        for cells in (frame[index].tolist(),)
    }
    return table, preamble, lines, columns
