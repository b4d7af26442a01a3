"""Pure matching of attendance rows to registrations, and merging of rejoin rows.

Rows are matched by email (case-insensitive), then by the Teams UPN (which is often a
work address), then by a normalised name. A name that fits several registrations is
ambiguous and left for a person to settle. Each person's several join/leave rows are
merged into one record; overlapping intervals (a laptop and a phone at once, or a row
listed twice) count once. Everything is dictionary lookups, so 20,000 rows against
10,000 registrations takes well under a second.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from app.addresses import normalise_email
from app.attendance.importers import AttendanceRow
from app.gc_pause import gc_paused


class Candidate(NamedTuple):
    """A registration as the matcher sees it: no ORM object, just what matching needs."""

    id: int
    name: str
    email: str


class MatchStatus(StrEnum):
    MATCHED = "matched"
    AMBIGUOUS = "ambiguous"
    UNMATCHED = "unmatched"


class MatchedBy(StrEnum):
    EMAIL = "email"
    UPN = "upn"
    NAME = "name"


@dataclass(slots=True)
class MergedAttendance:
    """One person's attendance in one report, after matching and merging."""

    key: str
    status: MatchStatus
    name: str
    email: str
    upn: str
    seconds: int
    first_join: datetime | None
    last_leave: datetime | None
    lines: list[int]
    registration_id: int | None = None
    matched_by: MatchedBy | None = None
    candidate_ids: tuple[int, ...] = ()

    @property
    def minutes(self) -> int:
        return round(self.seconds / 60)


@dataclass(slots=True)
class Reconciliation:
    matched: list[MergedAttendance] = field(default_factory=list)
    ambiguous: list[MergedAttendance] = field(default_factory=list)
    unmatched: list[MergedAttendance] = field(default_factory=list)

    @property
    def people(self) -> list[MergedAttendance]:
        return [*self.matched, *self.ambiguous, *self.unmatched]


# --- names ------------------------------------------------------------------------------

_TITLES = frozenset(
    {
        *("dr", "doctor", "elder", "mr", "mrs", "ms", "mx", "miss", "prof", "professor"),
        *("rev", "reverend", "chief", "sister", "father", "auntie", "uncle", "hon"),
    }
)
_CREDENTIALS = frozenset(
    {
        *("md", "rn", "rpn", "lpn", "np", "rm", "phd", "mph", "msc", "bsc", "bsn", "msn"),
        *("frcpc", "frcsc", "ccfp", "fcfp", "ibclc", "mba", "msw", "rsw", "ii", "iii"),
    }
)
_SPECIAL_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)
_BRACKETED = re.compile(r"[(\[{][^)\]}]*[)\]}]?")
_SUFFIX_SEPARATOR = re.compile(r"\s+(?:[-|–—]|//)\s+.*$")
_PRONOUNS = re.compile(
    r"\b(?:she|he|they|ze|xe|ey|it)\s*/\s*(?:she|he|they|ze|xe|her|him|them|hir|zir|xem|em|hers|his|theirs)"
    r"(?:\s*/\s*\w+)?\b",
    re.IGNORECASE,
)
_APOSTROPHES = re.compile(r"['’‘`´ʼ]")
_NON_LETTERS = re.compile(r"[^\w\s]|_")


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def fold_text(text: str) -> str:
    """Lower-case, accent-free, apostrophe-free text, for searching."""
    return _APOSTROPHES.sub("", _strip_accents(text).casefold())


def _tokens(part: str) -> list[str]:
    part = _APOSTROPHES.sub("", part)
    return _NON_LETTERS.sub(" ", part.replace("-", " ")).split()


def _drop_trailing_credentials(tokens: list[str]) -> list[str]:
    while len(tokens) > 2 and tokens[-1] in _CREDENTIALS:
        tokens = tokens[:-1]
    return tokens


def normalise_name(name: str) -> str:
    """Fold a display name to ``first last`` form for comparison.

    "Dr. Émilie Côté (she/her)", "Côté, Émilie (Island Health)" and "emilie cote"
    all become "emilie cote".
    """
    text = _strip_accents(name).casefold()
    text = _BRACKETED.sub(" ", text)
    text = _PRONOUNS.sub(" ", text)
    text = _SUFFIX_SEPARATOR.sub("", text)
    if "," in text:
        last, _, first = text.partition(",")
        first_tokens, last_tokens = _tokens(first), _tokens(last)
        if all(token in _CREDENTIALS for token in first_tokens):
            tokens = last_tokens
        else:
            tokens = first_tokens + last_tokens
    else:
        tokens = _tokens(text)
    while len(tokens) > 1 and tokens[0] in _TITLES:
        tokens = tokens[1:]
    return " ".join(_drop_trailing_credentials(tokens))


_PLAIN_NAME = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")


def name_key(name: str) -> str:
    """Order-free name key, so "Nguyen Thi" and "Thi Nguyen" meet."""
    plain = name.strip()
    if _PLAIN_NAME.fullmatch(plain):
        tokens = plain.lower().split()
        if tokens[0] not in _TITLES and tokens[-1] not in _CREDENTIALS:
            return " ".join(sorted(tokens))
    return " ".join(sorted(normalise_name(name).split()))


# --- matching ---------------------------------------------------------------------------


class Matcher:
    """Indexes candidates once; each lookup is a few dictionary reads."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        self.by_email: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}
        self.names: dict[int, str] = {}
        for candidate in candidates:
            self.names[candidate.id] = candidate.name
            email = normalise_email(candidate.email)
            if email:
                self.by_email.setdefault(email, []).append(candidate.id)
            key = name_key(candidate.name)
            if key:
                ids = self.by_name.setdefault(key, [])
                if candidate.id not in ids:
                    ids.append(candidate.id)

    def match(
        self, *, name: str, email: str, upn: str
    ) -> tuple[MatchStatus, MatchedBy | None, tuple[int, ...]]:
        for value, how in ((email, MatchedBy.EMAIL), (upn, MatchedBy.UPN)):
            folded = normalise_email(value)
            if folded:
                ids = self.by_email.get(folded)
                if ids:
                    if len(ids) == 1:
                        return MatchStatus.MATCHED, how, (ids[0],)
                    return MatchStatus.AMBIGUOUS, how, tuple(ids)
        key = name_key(name)
        ids = self.by_name.get(key) if key else None
        if ids:
            if len(ids) == 1:
                return MatchStatus.MATCHED, MatchedBy.NAME, (ids[0],)
            return MatchStatus.AMBIGUOUS, MatchedBy.NAME, tuple(ids)
        return MatchStatus.UNMATCHED, None, ()


def merged_seconds(rows: Sequence[AttendanceRow]) -> int:
    """Total time across a person's rows, counting overlapping stretches once.

    The report's own durations are kept (Zoom rounds each row up to a minute) and
    only the overlap between intervals is taken off, so rows that do not overlap add
    up exactly as the report shows them.
    """
    if len(rows) == 1:
        return rows[0].seconds
    total = sum(row.seconds for row in rows)
    intervals = sorted((row.join, row.leave) for row in rows if row.join and row.leave)
    if len(intervals) < 2:
        return total
    overlap = 0
    _, current_end = intervals[0]
    for start, end in intervals[1:]:
        if start < current_end:
            overlap += int((min(end, current_end) - start).total_seconds())
        if end > current_end:
            current_end = end
    return max(total - overlap, max(row.seconds for row in rows))


def reconcile(
    rows: Sequence[AttendanceRow], candidates: Iterable[Candidate] | Matcher
) -> Reconciliation:
    """Match every row, then merge rows that belong to the same person."""
    with gc_paused():
        return _reconcile(rows, candidates)


def _reconcile(
    rows: Sequence[AttendanceRow], candidates: Iterable[Candidate] | Matcher
) -> Reconciliation:
    matcher = candidates if isinstance(candidates, Matcher) else Matcher(candidates)
    cache: dict[tuple[str, str, str], tuple[MatchStatus, MatchedBy | None, tuple[int, ...]]] = {}
    groups: dict[str, list[AttendanceRow]] = {}
    outcome: dict[str, tuple[MatchStatus, MatchedBy | None, tuple[int, ...]]] = {}
    keys: dict[tuple[str, str, str], str] = {}
    for row in rows:
        identity = (row.name, row.email, row.upn)
        result = cache.get(identity)
        if result is None:
            result = matcher.match(name=row.name, email=row.email, upn=row.upn)
            cache[identity] = result
        status, how, ids = result
        key = keys.get(identity)
        if key is not None:
            pass
        elif status is MatchStatus.MATCHED:
            key = keys[identity] = f"r:{ids[0]}"
        elif status is MatchStatus.AMBIGUOUS:
            key = keys[identity] = (
                "a:"
                + ",".join(map(str, ids))
                + ":"
                + (normalise_email(row.email) or name_key(row.name))
            )
        else:
            key = "u:" + (
                normalise_email(row.email)
                or normalise_email(row.upn)
                or name_key(row.name)
                or f"line{row.line}"
            )
            keys[identity] = key
        group = groups.get(key)
        if group is None:
            groups[key] = [row]
            outcome[key] = result
        else:
            group.append(row)
            if status is MatchStatus.MATCHED and outcome[key][1] is not MatchedBy.EMAIL:
                outcome[key] = result

    reconciliation = Reconciliation()
    lists = {
        MatchStatus.MATCHED: reconciliation.matched,
        MatchStatus.AMBIGUOUS: reconciliation.ambiguous,
        MatchStatus.UNMATCHED: reconciliation.unmatched,
    }
    for key, group in groups.items():
        status, how, ids = outcome[key]
        first = group[0]
        if len(group) == 1:
            email, upn, seconds = first.email, first.upn, first.seconds
            first_join, last_leave = first.join, first.leave
        else:
            joins = [row.join for row in group if row.join]
            leaves = [row.leave for row in group if row.leave]
            email = next((row.email for row in group if row.email), "")
            upn = next((row.upn for row in group if row.upn), "")
            seconds = merged_seconds(group)
            first_join = min(joins) if joins else None
            last_leave = max(leaves) if leaves else None
        lists[status].append(
            MergedAttendance(
                key,
                status,
                first.name,
                email,
                upn,
                seconds,
                first_join,
                last_leave,
                [row.line for row in group],
                ids[0] if status is MatchStatus.MATCHED else None,
                how,
                ids if status is MatchStatus.AMBIGUOUS else (),
            )
        )
    return reconciliation
