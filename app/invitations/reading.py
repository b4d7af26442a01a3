"""Reading an invitation list (CSV or XLSX) into rows, mapping its columns onto ours and
telling which rows cannot be used and why. Pure: bytes in, rows and reasons out."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from app.addresses import normalise_email
from app.choices import HEALTH_REGION_SHORT, HealthRegion, OrganisationType
from app.cleaning import clean_line

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
TARGETS = {
    "name": "Name",
    "email": "Email address",
    "organisation_name": "Organisation",
    "organisation_type": "Organisation type",
    "health_region": "Health region",
}
_GUESSES = {
    "email": re.compile(r"e-?mail|courriel|address", re.I),
    "organisation_type": re.compile(r"type|sector|category", re.I),
    "health_region": re.compile(r"region|health authority area|\bha\b", re.I),
    "organisation_name": re.compile(r"organi[sz]ation|\borg\b|agency|employer|division", re.I),
    "name": re.compile(r"name|invitee|person|contact", re.I),
}
LIMITS = {"name": 200, "organisation_name": 200}


class ReadError(ValueError):
    """The file as a whole cannot be read; the message says what to do."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]  # each as long as headers
    lines: list[int]  # the line (CSV) or row (Excel) of each row in the file


@dataclass
class Checked:
    good: list[dict[str, str]] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    merged: int = 0  # rows folded into an earlier row with the same address


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise ReadError(
            f"Line {line} is not UTF-8 text, so accented names would come out garbled. "
            "Save the file as “CSV UTF-8” (Excel: File, Save As) and upload it again."
        ) from None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_line(str(value).replace("\x00", ""))


def read_table(content: bytes, filename: str) -> Table:
    if len(content) > MAX_BYTES:
        raise ReadError("The file is over 10 MB. Split it, or remove columns we do not need.")
    if not content.strip():
        raise ReadError("The file is empty.")
    if filename.lower().endswith(".xlsx") or content.startswith(b"PK\x03\x04"):
        grid = _xlsx_rows(content)
    else:
        text = _decode(content)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        grid = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[list[str]] = []
    lines: list[int] = []
    headers: list[str] | None = None
    for line, values in enumerate(grid, start=1):
        cells = [_text(v) for v in values]
        if not any(cells):
            continue
        if headers is None:
            headers = cells
            continue
        if len(rows) >= MAX_ROWS:
            raise ReadError(f"The file has more than {MAX_ROWS:,} rows. Split it into parts.")
        rows.append((cells + [""] * len(headers))[: len(headers)])
        lines.append(getattr(grid, "line_num", line))
    if not headers or not rows:
        raise ReadError("The file needs a header row and at least one person below it.")
    headers = [h or f"Column {i + 1}" for i, h in enumerate(headers)]
    return Table(headers=headers, rows=rows, lines=lines)


def _xlsx_rows(content: bytes):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise ReadError(
            "This is not an Excel workbook we can read. Save it as .xlsx or CSV."
        ) from None
    sheet = book.worksheets[0]
    return sheet.iter_rows(values_only=True)


def guess_mapping(headers: list[str]) -> dict[str, int | None]:
    """Which column holds each of our fields, by its heading; each column used once."""
    mapping: dict[str, int | None] = {}
    taken: set[int] = set()
    for target, pattern in _GUESSES.items():
        found = next(
            (i for i, h in enumerate(headers) if i not in taken and pattern.search(h)), None
        )
        mapping[target] = found
        if found is not None:
            taken.add(found)
    return {target: mapping[target] for target in TARGETS}


def _choice_lookup(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    lookup = {}
    for choice in choices:
        lookup[choice.value.casefold()] = choice.value
        lookup[choice.label.casefold()] = choice.value
    for label, code in (extra or {}).items():
        lookup[label.casefold()] = code
    return lookup


REGIONS = _choice_lookup(
    HealthRegion,
    {
        **{short: code.value for code, short in HEALTH_REGION_SHORT.items()},
        "fraser health": "fraser",
        "interior health": "interior",
        "island health": "island",
        "northern health": "northern",
        "vancouver coastal health": "vch",
        "provincial": "provincial",
    },
)
TYPES = _choice_lookup(OrganisationType)


def check_rows(table: Table, mapping: dict[str, int | None]) -> Checked:
    """Rows as our fields, with the reason for each row we cannot use. Rows with the
    same address become one (the first non-blank value of each field wins)."""
    if mapping.get("email") is None:
        raise ReadError("Choose the column that holds the email addresses.")
    checked = Checked()
    by_address: dict[str, dict[str, str]] = {}
    for number, cells in zip(table.lines, table.rows, strict=True):
        values = {t: (cells[i] if i is not None else "") for t, i in mapping.items()}
        reason = _problem(values)
        if reason:
            checked.bad.append((number, reason))
            continue
        address = values["email"]
        if address in by_address:
            earlier = by_address[address]
            for key, value in values.items():
                earlier[key] = earlier[key] or value
            checked.merged += 1
            continue
        by_address[address] = values
        checked.good.append(values)
    return checked


def _problem(values: dict[str, str]) -> str | None:
    from email_validator import EmailNotValidError, validate_email  # only when a list is read

    raw = values["email"]
    if not raw:
        return "no email address"
    try:
        validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        return f"“{raw[:80]}” is not an email address"
    values["email"] = normalise_email(raw)
    for key, limit in LIMITS.items():
        if len(values[key]) > limit:
            return f"{TARGETS[key].lower()} is longer than {limit} characters"
    for key, lookup, kind in (
        ("health_region", REGIONS, "health region"),
        ("organisation_type", TYPES, "organisation type"),
    ):
        text = values[key]
        if text:
            code = lookup.get(text.casefold())
            if code is None:
                return f"“{text[:60]}” is not a {kind} we know (leave it blank or use our list)"
            values[key] = code
    return None
