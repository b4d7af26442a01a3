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
from typing import TYPE_CHECKING, NamedTuple

from app.addresses import normalise_email
from app.attendance.importers import AttendanceRow, rows_frame, texts

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


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


# The combining marks that Latin letters decompose into (U+034F, which does not
# combine, aside); other scripts' marks are checked one character at a time.
_LATIN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]")


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    plain = _LATIN_MARKS.sub("", text)
    if plain.isascii():
        return plain
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


def email_keys(values: Iterable[str]) -> pd.Series:
    """:func:`~app.addresses.normalise_email` for a whole column."""
    return texts(list(map(normalise_email, values)))


def _index(keys: pd.Series, ids: list[int]) -> pd.DataFrame:
    """Registrations by one key: the first id, how many share the key, and all their
    ids (``"8,10"``), indexed by key."""
    import pandas as pd

    frame = pd.DataFrame({"key": keys, "id": pd.Series(ids, dtype="int64")})
    frame = frame[(frame["key"] != "").to_numpy()].drop_duplicates()
    grouped = frame.groupby("key", sort=False)["id"]
    index = pd.DataFrame({"first": grouped.first(), "count": grouped.size()})
    index["ids"] = texts(list(map(str, index["first"])), index=index.index)
    shared = (index["count"] > 1).to_numpy()
    if shared.any():
        many = frame[frame["key"].isin(index.index[shared]).to_numpy()]
        lists = many.groupby("key", sort=False)["id"].agg(lambda ids: ",".join(map(str, ids)))
        index.loc[shared, "ids"] = lists.reindex(index.index[shared]).to_numpy()
    return index


class CandidateIndex:
    """Registrations indexed once by email and by name key, for :func:`match_frame`."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        listed = list(candidates)
        ids, names, emails = (
            (list(column) for column in zip(*listed, strict=True)) if listed else ([], [], [])
        )
        self.by_email = _index(email_keys(emails), ids)
        self.by_name = _index(texts(list(map(name_key, names))), ids)


_STATUS_ORDER = {MatchStatus.MATCHED: 0, MatchStatus.AMBIGUOUS: 1, MatchStatus.UNMATCHED: 2}
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


def _identities(rows: pd.DataFrame, index: CandidateIndex) -> pd.DataFrame:
    """Match each distinct (name, email, UPN) by joining it to the registrations: on
    email first, then on the UPN (often a work address), then on the name key; and
    give each the key of the person it belongs to."""
    import numpy as np
    import pandas as pd

    ident = rows.loc[:, ["line", "name", "email", "upn"]].reset_index(drop=True)
    size = len(ident)
    emails = email_keys(ident["email"]).to_numpy()
    upns = email_keys(ident["upn"]).to_numpy()
    count = np.zeros(size, dtype="int64")
    first = np.zeros(size, dtype="int64")
    ids = np.full(size, "", dtype=object)
    how = np.full(size, None, dtype=object)

    def join(keys: np.ndarray, by: pd.DataFrame, label: MatchedBy) -> None:
        at = by.index.get_indexer(keys)
        hit = (count == 0) & (at >= 0)
        if hit.any():
            count[hit] = by["count"].to_numpy()[at[hit]]
            first[hit] = by["first"].to_numpy()[at[hit]]
            ids[hit] = by["ids"].to_numpy()[at[hit]]
            how[hit] = label.value

    join(emails, index.by_email, MatchedBy.EMAIL)
    join(upns, index.by_email, MatchedBy.UPN)
    names = np.full(size, "", dtype=object)
    needs_name = (count == 0) | ((count > 1) & (emails == ""))
    if needs_name.any():
        names[needs_name] = list(map(name_key, ident["name"].to_numpy()[needs_name]))
    join(names, index.by_name, MatchedBy.NAME)

    matched, ambiguous = count == 1, count > 1
    status = np.full(size, MatchStatus.UNMATCHED.value, dtype=object)
    status[matched] = MatchStatus.MATCHED.value
    status[ambiguous] = MatchStatus.AMBIGUOUS.value
    key = np.full(size, "", dtype=object)
    key[matched] = "r:" + first[matched].astype(str).astype(object)
    own = np.where(emails != "", emails, names)
    key[ambiguous] = "a:" + ids[ambiguous] + ":" + own[ambiguous]
    unmatched = ~matched & ~ambiguous
    lines = ident["line"].to_numpy()
    fallback = np.where(emails != "", emails, np.where(upns != "", upns, names))
    blank = unmatched & (fallback == "")
    fallback[blank] = ["line" + str(line) for line in lines[blank]]
    key[unmatched] = "u:" + fallback[unmatched]
    for column, values in (
        ("key", key),
        ("status", status),
        ("how", how),
        ("ids", ids),
    ):
        ident[column] = texts(values) if column != "how" else pd.Series(values, dtype=object)
    ident["first_id"] = first
    return ident


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
    identity = rows.groupby(["name", "email", "upn"], sort=False).ngroup().to_numpy()
    seen = ~pd.Series(identity).duplicated().to_numpy()
    ident = _identities(rows[seen], index)
    row_ident = ident.iloc[identity]
    person, keys = pd.factorize(row_ident["key"].to_numpy())
    count = len(keys)
    first_row = np.unique(person, return_index=True)[1]
    last_row = len(person) - 1 - np.unique(person[::-1], return_index=True)[1]
    how_by_row = row_ident["how"].to_numpy()
    firsts = row_ident.iloc[first_row]
    rows = rows.assign(person=person)
    by_person = rows.groupby("person", sort=True)

    people = pd.DataFrame({"key": texts(keys)})
    status = firsts["status"].to_numpy()
    people["status"] = texts(status)
    people["name"] = texts(rows["name"].to_numpy()[first_row])
    for column in ("email", "upn"):
        values = rows[column].to_numpy()
        filled = np.flatnonzero(values != "")
        who, at = np.unique(person[filled], return_index=True)
        chosen = np.full(count, "", dtype=object)
        chosen[who] = values[filled[at]]
        people[column] = texts(chosen)
    people["seconds"] = merged_seconds_frame(rows)
    people["first_join"] = by_person["join"].min().to_numpy()
    people["last_leave"] = by_person["leave"].max().to_numpy()
    people["rows"] = np.bincount(person, minlength=count)
    matched = status == MatchStatus.MATCHED.value
    registration = pd.array(firsts["first_id"].to_numpy(), dtype="Int64")
    registration[~matched] = pd.NA
    people["registration_id"] = registration
    how = firsts["how"].to_numpy(dtype=object, copy=True)
    how[matched] = how_by_row[last_row][matched]
    emailed = np.zeros(count, dtype=bool)
    emailed[np.unique(person[how_by_row == MatchedBy.EMAIL.value])] = True
    how[matched & emailed] = MatchedBy.EMAIL.value
    people["matched_by"] = pd.Series(how, dtype=object)
    ambiguous = status == MatchStatus.AMBIGUOUS.value
    people["candidate_ids"] = texts(np.where(ambiguous, firsts["ids"].to_numpy(dtype=object), ""))
    if with_lines:
        order = np.argsort(person, kind="stable")
        ends = np.cumsum(np.bincount(person, minlength=count))[:-1]
        lines = rows["line"].to_numpy()[order]
        people["lines"] = pd.Series([part.tolist() for part in np.split(lines, ends)], dtype=object)
    order = people["status"].map(_STATUS_ORDER).to_numpy()
    return people.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


def merged_seconds_frame(rows: pd.DataFrame) -> np.ndarray:
    """Each person's time (rows carry a ``person`` code 0..n-1), overlaps counted once.

    The report's own durations are kept (Zoom rounds each row up to a minute) and
    only the overlap between intervals is taken off, so rows that do not overlap add
    up exactly as the report shows them. The intervals are sorted per person by join
    and leave, and each one's overlap is what it shares with the latest leave before it.
    """
    import numpy as np
    import pandas as pd

    count = int(rows["person"].max()) + 1 if len(rows) else 0
    person = rows["person"].to_numpy()
    seconds = rows["seconds"].to_numpy(dtype="int64")
    total = np.bincount(person, weights=seconds, minlength=count).astype("int64")
    longest = np.zeros(count, dtype="int64")
    np.maximum.at(longest, person, seconds)
    timed = rows["join"].notna().to_numpy() & rows["leave"].notna().to_numpy()
    if timed.sum() > 1:
        who = person[timed]
        start = rows["join"].to_numpy()[timed].astype("datetime64[us]").astype("int64")
        end = rows["leave"].to_numpy()[timed].astype("datetime64[us]").astype("int64")
        order = np.lexsort((end, start, who))
        who, start, end = who[order], start[order], end[order]
        latest = pd.Series(end).groupby(who).cummax().to_numpy()
        before = np.empty_like(latest)
        before[1:] = latest[:-1]
        same = np.zeros(len(who), dtype=bool)
        same[1:] = who[1:] == who[:-1]
        overlapping = same & (start < before)
        shared = np.where(overlapping, np.minimum(end, before) - start, 0)
        shared = np.sign(shared) * (np.abs(shared) // 1_000_000)
        total = total - np.bincount(who, weights=shared, minlength=count).astype("int64")
    return np.maximum(total, longest)


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
