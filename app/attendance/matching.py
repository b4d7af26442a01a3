"""Pure matching of attendance rows to registrations, and merging of rejoin rows.

Rows are matched by email (case-insensitive), then by the Teams UPN (which is often a
work address), then by a normalised name. A name that fits several registrations is
ambiguous and left for a person to settle. Each person's several join/leave rows are
merged into one record; overlapping intervals (a laptop and a phone at once, or a row
listed twice) count once. Everything works on whole columns: each distinct address
and name is folded once, the lookups are hash joins, and the merge sorts each
person's intervals once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import repeat
from typing import TYPE_CHECKING, NamedTuple

from app.attendance.importers import AttendanceRow, rows_frame
from app.attendance.names import email_keys, fold_text, name_key, name_keys, normalise_name

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "PEOPLE_COLUMNS",
    "Candidate",
    "CandidateIndex",
    "MatchStatus",
    "MatchedBy",
    "MergedAttendance",
    "Reconciliation",
    "fold_text",
    "match_frame",
    "merged_seconds",
    "merged_seconds_frame",
    "name_key",
    "normalise_name",
    "reconcile",
]


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


# --- matching ---------------------------------------------------------------------------


class _ByKey:
    """Registrations grouped by one key (folded email or name key): for each distinct
    key, how many registrations have it, the first of them, and all their ids
    (``"8,10"``) when there are several. Blank keys match nothing."""

    def __init__(self, keys: list[str], ids: np.ndarray) -> None:
        import numpy as np
        import pandas as pd

        codes, uniques = pd.factorize(np.asarray(keys, dtype=object))
        self.position = dict(zip(uniques.tolist(), range(len(uniques)), strict=True))
        if "" in self.position:
            keep = codes != self.position.pop("")
            codes, ids = codes[keep], ids[keep]
        if not pd.Index(ids).is_unique:
            pairs = pd.DataFrame({"code": codes, "id": ids}).drop_duplicates()
            codes, ids = pairs["code"].to_numpy(), pairs["id"].to_numpy()
        size = len(uniques)
        self.count = np.bincount(codes, minlength=size)
        present, first_at = np.unique(codes, return_index=True)
        self.first = np.zeros(size, dtype="int64")
        self.first[present] = ids[first_at]
        self.several: dict[int, str] = {}
        shared = np.flatnonzero(self.count > 1)
        if len(shared):
            lists: dict[int, list[str]] = {}
            among = np.isin(codes, shared)
            for code, id_ in zip(codes[among].tolist(), ids[among].tolist(), strict=True):
                lists.setdefault(code, []).append(str(id_))
            self.several = {code: ",".join(values) for code, values in lists.items()}

    def find(self, keys: np.ndarray) -> np.ndarray:
        """Each key's position (-1 when no registration has it)."""
        import numpy as np

        found = map(self.position.get, keys.tolist(), repeat(-1, len(keys)))
        return np.fromiter(found, dtype=np.int64, count=len(keys))


class CandidateIndex:
    """Registrations indexed once by email and (when some row needs it) by name key,
    for :func:`match_frame`."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        listed = list(candidates)
        ids, names, emails = (
            (list(column) for column in zip(*listed, strict=True)) if listed else ([], [], [])
        )
        self._build(ids, names, emails)

    @classmethod
    def from_columns(
        cls, ids: Sequence[int], names: Sequence[str], emails: Sequence[str]
    ) -> CandidateIndex:
        index = cls.__new__(cls)
        index._build(ids, names, emails)
        return index

    def _build(self, ids: Sequence[int], names: Sequence[str], emails: Sequence[str]) -> None:
        import numpy as np

        self._ids = np.asarray(ids, dtype="int64")
        self._names = names
        self.by_email = _ByKey(email_keys(emails), self._ids)

    @functools.cached_property
    def by_name(self) -> _ByKey:
        return _ByKey(name_keys(self._names), self._ids)


PEOPLE_COLUMNS = (
    "key",
    "status",
    "name",
    "email",
    "upn",
    "seconds",
    "first_join",
    "last_leave",
    "rows",
    "registration_id",
    "matched_by",
    "candidate_ids",
)


def _folded(column: pd.Series, fold) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code and each distinct value folded (once per value)."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=False)
    return codes, np.asarray(fold(list(uniques)), dtype=object)


@dataclass(slots=True)
class _Identities:
    """The distinct (name, email, UPN) of a report, matched: one entry per identity."""

    key: np.ndarray
    status: np.ndarray
    how: np.ndarray
    first: np.ndarray
    ids: np.ndarray


def _match_identities(
    rows: pd.DataFrame, index: CandidateIndex
) -> tuple[np.ndarray, np.ndarray, _Identities]:
    """Match each distinct (name, email, UPN) by joining it to the registrations: on
    email first, then on the UPN (often a work address), then on the name key; and
    give each the key of the person it belongs to. Returns each row's identity, each
    identity's first row and the identities."""
    import numpy as np
    import pandas as pd

    name_code, names = pd.factorize(rows["name"].to_numpy(dtype=object), use_na_sentinel=False)
    email_code, email_of = _folded(rows["email"], email_keys)
    upn_code, upn_of = _folded(rows["upn"], email_keys)
    combined = (name_code * len(email_of) + email_code) * len(upn_of) + upn_code
    identity = pd.factorize(combined)[0]
    first_row = np.unique(identity, return_index=True)[1]
    emails = email_of[email_code[first_row]]
    upns = upn_of[upn_code[first_row]]
    size = len(first_row)
    count = np.zeros(size, dtype="int64")
    first = np.zeros(size, dtype="int64")
    at = np.full(size, -1, dtype="int64")
    how = np.full(size, None, dtype=object)

    def join(keys: np.ndarray, by: _ByKey, label: MatchedBy) -> np.ndarray:
        found = by.find(keys)
        hit = (count == 0) & (found >= 0)
        count[hit] = by.count[found[hit]]
        first[hit] = by.first[found[hit]]
        at[hit] = found[hit]
        how[hit] = label.value
        return hit

    by_email = join(emails, index.by_email, MatchedBy.EMAIL)
    by_upn = join(upns, index.by_email, MatchedBy.UPN)
    needs_name = (count == 0) | ((count > 1) & (emails == ""))
    name_of = np.full(size, "", dtype=object)
    by_name = np.zeros(size, dtype=bool)
    if needs_name.any():
        wanted, distinct = pd.factorize(names[name_code[first_row[needs_name]]])
        name_of[needs_name] = np.asarray(name_keys(list(distinct)), dtype=object)[wanted]
        by_name = join(name_of, index.by_name, MatchedBy.NAME)

    matched, ambiguous = count == 1, count > 1
    status = np.full(size, MatchStatus.UNMATCHED.value, dtype=object)
    status[matched] = MatchStatus.MATCHED.value
    status[ambiguous] = MatchStatus.AMBIGUOUS.value
    ids = np.full(size, "", dtype=object)
    for hit, by in ((by_email | by_upn, "by_email"), (by_name, "by_name")):
        several = np.flatnonzero(hit & ambiguous)
        if len(several):
            lists = getattr(index, by).several
            ids[several] = [lists[int(code)] for code in at[several]]
    key = np.full(size, "", dtype=object)
    key[matched] = [f"r:{number}" for number in first[matched].tolist()]
    own = np.where(emails != "", emails, name_of)
    key[ambiguous] = [
        f"a:{several}:{mine}" for several, mine in zip(ids[ambiguous], own[ambiguous], strict=True)
    ]
    unmatched = ~matched & ~ambiguous
    fallback = np.where(emails != "", emails, np.where(upns != "", upns, name_of))
    blank = np.flatnonzero(unmatched & (fallback == ""))
    lines = rows["line"].to_numpy()[first_row[blank]]
    fallback[blank] = [f"line{line}" for line in lines.tolist()]
    key[unmatched] = [f"u:{value}" for value in fallback[unmatched]]
    return identity, first_row, _Identities(key, status, how, first, ids)


def _span(values: np.ndarray, person: np.ndarray, count: int, *, latest: bool) -> np.ndarray:
    """Each person's earliest (or latest) time; NaT where the person has none."""
    import numpy as np

    ticks = values.astype("datetime64[us]").view("int64").copy()
    never = np.iinfo("int64").min  # NaT, below every time: right for the latest
    if latest:
        best = np.full(count, never, dtype="int64")
        np.maximum.at(best, person, ticks)
    else:
        ticks[ticks == never] = np.iinfo("int64").max
        best = np.full(count, np.iinfo("int64").max, dtype="int64")
        np.minimum.at(best, person, ticks)
        best[best == np.iinfo("int64").max] = never
    return best.view("datetime64[us]").astype(values.dtype)


def match_frame(
    rows: pd.DataFrame,
    candidates: Iterable[Candidate] | CandidateIndex,
    *,
    with_lines: bool = False,
) -> pd.DataFrame:
    """Match report rows (the parser's frame) to registrations and merge each person's
    rows into one; returns one row per person (see :data:`PEOPLE_COLUMNS`, plus
    ``lines`` when asked), the matched first, then the ambiguous, then the unmatched,
    each in report order."""
    import numpy as np
    import pandas as pd

    index = candidates if isinstance(candidates, CandidateIndex) else CandidateIndex(candidates)
    rows = rows.reset_index(drop=True)
    if rows.empty:
        return pd.DataFrame(columns=[*PEOPLE_COLUMNS, *(["lines"] if with_lines else [])])
    identity, _, ident = _match_identities(rows, index)
    # Identities are numbered in order of their first rows, so people numbered in
    # order of their first identities are numbered in order of their first rows.
    person_of_identity, keys = pd.factorize(ident.key)
    person = person_of_identity[identity]
    count = len(keys)
    by_person = np.argsort(person, kind="stable")
    sizes = np.bincount(person, minlength=count)
    ends = np.cumsum(sizes)
    first_row, last_row = by_person[ends - sizes], by_person[ends - 1]
    first_identity = identity[first_row]
    how_by_row = ident.how[identity]

    status = ident.status[first_identity]
    matched = status == MatchStatus.MATCHED.value
    ambiguous = status == MatchStatus.AMBIGUOUS.value
    columns: dict[str, np.ndarray] = {
        "key": np.asarray(keys, dtype=object),
        "status": status,
        "name": rows["name"].to_numpy(dtype=object)[first_row],
    }
    for column in ("email", "upn"):
        values = rows[column].to_numpy(dtype=object)
        filled = np.flatnonzero(values != "")
        first_filled = np.full(count, len(values), dtype=np.int64)
        np.minimum.at(first_filled, person[filled], filled)
        chosen = np.full(count, "", dtype=object)
        has = first_filled < len(values)
        chosen[has] = values[first_filled[has]]
        columns[column] = chosen
    joins = rows["join"].to_numpy()
    leaves = rows["leave"].to_numpy()
    seconds = rows["seconds"].to_numpy(dtype="int64")
    columns["seconds"] = merged_seconds_by_person(person, joins, leaves, seconds, count)
    columns["first_join"] = _span(joins, person, count, latest=False)
    columns["last_leave"] = _span(leaves, person, count, latest=True)
    columns["rows"] = sizes
    columns["registration_id"] = ident.first[first_identity]
    how = ident.how[first_identity].copy()
    how[matched] = how_by_row[last_row][matched]
    emailed = np.zeros(count, dtype=bool)
    emailed[person[how_by_row == MatchedBy.EMAIL.value]] = True
    how[matched & emailed] = MatchedBy.EMAIL.value
    columns["matched_by"] = how
    columns["candidate_ids"] = np.where(ambiguous, ident.ids[first_identity], "")
    if with_lines:
        lines = rows["line"].to_numpy()[by_person]
        columns["lines"] = np.empty(count, dtype=object)
        columns["lines"][:] = [part.tolist() for part in np.split(lines, ends[:-1])]
    order = np.argsort(np.select([matched, ambiguous], [0, 1], 2), kind="stable")
    people = {name: values[order] for name, values in columns.items()}
    people["registration_id"] = pd.arrays.IntegerArray(
        people["registration_id"], ~matched[order]
    )
    return pd.DataFrame(
        {
            name: pd.Series(values, dtype=object) if values.dtype == object else values
            for name, values in people.items()
        }
    )


def merged_seconds_by_person(
    person: np.ndarray, joins: np.ndarray, leaves: np.ndarray, seconds: np.ndarray, count: int
) -> np.ndarray:
    """Each person's time (``person`` codes 0..count-1 for each row), overlaps counted once.

    The report's own durations are kept (Zoom rounds each row up to a minute) and
    only the overlap between intervals is taken off, so rows that do not overlap add
    up exactly as the report shows them. The intervals are sorted by person, join and
    leave; each one's overlap is what it shares with the latest leave before it (a
    running maximum per person, taken over the whole column at once by offsetting
    each person's leaves (or, over a very long span, their ranks) past the one before).
    """
    import numpy as np

    seconds = np.asarray(seconds, dtype="int64")
    total = np.bincount(person, weights=seconds, minlength=count).astype("int64")
    longest = np.zeros(count, dtype="int64")
    np.maximum.at(longest, person, seconds)
    start = joins.astype("datetime64[us]")
    end = leaves.astype("datetime64[us]")
    timed = ~np.isnat(start) & ~np.isnat(end)
    if timed.sum() > 1:
        who = person[timed]
        start = start[timed].view("int64")
        end = end[timed].view("int64")
        order = np.lexsort((end, start, who))
        who, start, end = who[order], start[order], end[order]
        low = int(end.min())
        width = int(end.max()) - low + 1
        if width * (int(who.max()) + 1) < 2**62:
            latest = np.maximum.accumulate(who * width + (end - low)) - who * width + low
        else:
            distinct, rank = np.unique(end, return_inverse=True)
            width = len(distinct)
            latest = distinct[np.maximum.accumulate(who * width + rank) - who * width]
        before = np.empty_like(latest)
        before[1:] = latest[:-1]
        same = np.zeros(len(who), dtype=bool)
        same[1:] = who[1:] == who[:-1]
        overlapping = same & (start < before)
        shared = np.where(overlapping, np.minimum(end, before) - start, 0)
        shared = np.sign(shared) * (np.abs(shared) // 1_000_000)
        total = total - np.bincount(who, weights=shared, minlength=count).astype("int64")
    return np.maximum(total, longest)


def merged_seconds_frame(rows: pd.DataFrame) -> np.ndarray:
    """:func:`merged_seconds_by_person` for a frame of rows with a ``person`` code."""
    count = int(rows["person"].max()) + 1 if len(rows) else 0
    return merged_seconds_by_person(
        rows["person"].to_numpy(),
        rows["join"].to_numpy(),
        rows["leave"].to_numpy(),
        rows["seconds"].to_numpy(dtype="int64"),
        count,
    )


def merged_seconds(rows: Sequence[AttendanceRow]) -> int:
    """Total time across one person's rows, counting overlapping stretches once."""
    frame = rows_frame(rows).assign(person=0)
    return int(merged_seconds_frame(frame)[0])


def reconcile(
    rows: Sequence[AttendanceRow] | pd.DataFrame, candidates: Iterable[Candidate]
) -> Reconciliation:
    """Match every row, then merge rows that belong to the same person."""
    import pandas as pd

    frame = rows if isinstance(rows, pd.DataFrame) else rows_frame(rows)
    result = Reconciliation()
    lists = {
        MatchStatus.MATCHED: result.matched,
        MatchStatus.AMBIGUOUS: result.ambiguous,
        MatchStatus.UNMATCHED: result.unmatched,
    }
    people = match_frame(frame, candidates, with_lines=True)
    columns = {name: people[name].tolist() for name in ("key", "status", "name", "email", "upn")}
    for name in ("first_join", "last_leave"):
        moments = people[name].dt.to_pydatetime()
        columns[name] = [None if pd.isna(moment) else moment for moment in moments]
    for values in zip(
        *columns.values(),
        people["seconds"].tolist(),
        people["lines"],
        people["registration_id"].tolist(),
        people["matched_by"],
        people["candidate_ids"],
        strict=True,
    ):
        key, status, name, email, upn, first, last, seconds, lines, registration, how, ids = values
        status = MatchStatus(status)
        lists[status].append(
            MergedAttendance(
                key,
                status,
                name,
                email,
                upn,
                seconds,
                first,
                last,
                lines,
                None if pd.isna(registration) else int(registration),
                MatchedBy(how) if how else None,
                tuple(int(i) for i in ids.split(",") if i),
            )
        )
    return result
