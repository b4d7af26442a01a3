"""Writing attendance records: one per person, item and source, inserted or updated
in bulk so an import of 10,000 people is a handful of statements."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from app.attendance.bulk import insert_frame, update_frame
from app.attendance.names import walk_in_keys
from app.extensions import db
from app.facts.changes import gatherings_changed, in_gatherings
from app.models import AttendanceRecord, AttendanceSource, Gathering, ImportBatch, User
from app.models.attendance import walk_in_identity

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

ENTRY_COLUMNS = (
    "registration_id",
    "walk_in_name",
    "walk_in_email",
    "seconds",
    "first_join",
    "last_leave",
)


@dataclass(slots=True)
class RecordEntry:
    registration_id: int | None
    walk_in_name: str
    walk_in_email: str
    seconds: int
    first_join: datetime | None
    last_leave: datetime | None


def entries_frame(entries: Iterable[RecordEntry]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(
        [
            (
                e.registration_id,
                e.walk_in_name,
                e.walk_in_email,
                e.seconds,
                e.first_join,
                e.last_leave,
            )
            for e in entries
        ],
        columns=list(ENTRY_COLUMNS),
    )
    frame["registration_id"] = frame["registration_id"].astype("Int64")
    for column in ("first_join", "last_leave"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.astype({"walk_in_name": object, "walk_in_email": object, "seconds": "int64"})


def merge_entry(into: RecordEntry, other: RecordEntry) -> None:
    """Two reviewed rows linked to one person: add their time, bounded by their span."""
    into.seconds += other.seconds
    joins = [t for t in (into.first_join, other.first_join) if t]
    leaves = [t for t in (into.last_leave, other.last_leave) if t]
    into.first_join = min(joins) if joins else None
    into.last_leave = max(leaves) if leaves else None
    if into.first_join and into.last_leave:
        span = int((into.last_leave - into.first_join).total_seconds())
        into.seconds = min(into.seconds, max(span, 0))


def _moment(value) -> datetime | None:
    import pandas as pd

    return None if pd.isna(value) else value.to_pydatetime()


def merge_entries(frame: pd.DataFrame, targets: pd.Series) -> pd.DataFrame:
    """One entry per target (each entry's record key), in first-seen order; entries of
    the same target are merged with :func:`merge_entry`."""
    import pandas as pd

    shared = targets.duplicated(keep=False).to_numpy()
    if not shared.any():
        return frame.reset_index(drop=True)
    merged: dict[str, RecordEntry] = {}
    for target, row in zip(targets[shared], frame[shared].itertuples(index=False), strict=True):
        entry = RecordEntry(
            None if pd.isna(row.registration_id) else int(row.registration_id),
            row.walk_in_name,
            row.walk_in_email,
            int(row.seconds),
            _moment(row.first_join),
            _moment(row.last_leave),
        )
        if target in merged:
            merge_entry(merged[target], entry)
        else:
            merged[target] = entry
    first = ~targets.duplicated().to_numpy()
    singles = frame[~shared]
    combined = pd.concat(
        [singles, entries_frame(merged.values()).set_axis(frame.index[shared & first])]
    )
    return combined.sort_index().reset_index(drop=True)


def save_records(
    gathering: Gathering,
    agenda_item_id: int | None,
    source: AttendanceSource,
    entries: Iterable[RecordEntry] | pd.DataFrame,
    *,
    batch: ImportBatch | None,
    user: User | None,
    now: datetime,
) -> int:
    """Insert or update one record per entry for an item and source (entries for the
    same person, by :func:`~app.models.attendance.dedupe_key`, merged first); returns
    how many.

    Existing records (an earlier import of the item) are read with one query and
    updated in bulk, new ones inserted in bulk in the order of their keys (SQLite adds
    to its unique index of keys far faster in order)."""
    import numpy as np
    import pandas as pd

    frame = entries if isinstance(entries, pd.DataFrame) else entries_frame(entries)
    frame = frame.reset_index(drop=True)
    if frame.empty:
        return 0
    # The statements below bypass the session, which therefore cannot see them.
    gatherings_changed(db.session(), [gathering.id], attendance=True)
    if batch is not None and batch.id is None:
        db.session.flush()
    keys = _dedupe_keys(gathering, agenda_item_id, source, frame)
    repeated = pd.Series(keys, dtype=object).duplicated()
    if repeated.any():
        frame = merge_entries(frame, pd.Series(keys, dtype=object))
        keys = keys[~repeated.to_numpy()]
    minutes = np.round(frame["seconds"].to_numpy() / 60).astype("int64")
    stamped = {
        "import_batch_id": batch.id if batch is not None else None,
        "recorded_by_id": user.id if user is not None else None,
        "updated_at": now,
    }
    existing = _existing(gathering, agenda_item_id, source)
    at = existing.index.get_indexer(keys) if len(existing) else np.full(len(keys), -1)
    old = at >= 0
    if old.any():
        merged_minutes, joins, leaves = _merged_with_earlier(
            existing.iloc[at[old]],
            minutes[old],
            frame["first_join"][old],
            frame["last_leave"][old],
            batch_id=batch.id if batch is not None else None,
        )
        updates = pd.DataFrame(
            {
                "id": existing["id"].to_numpy()[at[old]],
                "minutes": merged_minutes,
                "first_join": joins,
                "last_leave": leaves,
                "walk_in_name": _taken(frame["walk_in_name"].to_numpy(dtype=object), old),
                "walk_in_email": _taken(frame["walk_in_email"].to_numpy(dtype=object), old),
            }
        )
        kept_email = existing["walk_in_email"].to_numpy(dtype=object)[at[old]]
        email = updates["walk_in_email"].to_numpy(dtype=object, copy=True)
        email[email == ""] = kept_email[email == ""]
        updates["walk_in_email"] = pd.Series(email, dtype=object)
        update_frame(AttendanceRecord.__table__, updates.sort_values("id"), same=stamped)
        _expire_records()
    if (~old).any():
        same = {
            "gathering_id": gathering.id,
            "agenda_item_id": agenda_item_id,
            "source": source.value,
            "created_at": now,
            **stamped,
        }
        _insert_new(frame, keys, np.flatnonzero(~old), minutes, same=same)
    return len(frame)


def _insert_new(
    frame: pd.DataFrame,
    keys: np.ndarray,
    fresh: np.ndarray,
    minutes: np.ndarray,
    *,
    same: dict[str, object],
) -> None:
    """Insert the entries at ``fresh`` in the order of their keys. Registered people
    (nearly all) have no walk-in name or address: those two columns are then the same
    in every row, and their keys come first anyway."""
    import numpy as np
    import pandas as pd

    fresh = fresh[np.argsort(keys[fresh].astype(str), kind="stable")]
    registration = frame["registration_id"].array
    names = frame["walk_in_name"].to_numpy(dtype=object)
    emails = frame["walk_in_email"].to_numpy(dtype=object)
    plain = ~registration.isna() & (names == "") & (emails == "")
    columns = {
        "minutes": minutes,
        "first_join": frame["first_join"].array,
        "last_leave": frame["last_leave"].array,
        "registration_id": registration,
        "dedupe_key": keys,
        "walk_in_name": names,
        "walk_in_email": emails,
    }
    blank = {"walk_in_name": "", "walk_in_email": ""}
    for rows, extra in ((fresh[plain[fresh]], blank), (fresh[~plain[fresh]], {})):
        if len(rows):
            part = {name: _taken(values, rows) for name, values in columns.items()}
            insert_frame(
                AttendanceRecord.__table__,
                pd.DataFrame(part).drop(columns=[*extra]),
                same={**same, **extra},
            )


def _taken(values, rows: np.ndarray):
    """``values`` at ``rows``; text stays Python strings (pandas would infer its own
    string type for them)."""
    import pandas as pd

    taken = values[rows]
    return pd.Series(taken, dtype=object) if taken.dtype == object else taken


def _dedupe_keys(
    gathering: Gathering, agenda_item_id: int | None, source: AttendanceSource, frame: pd.DataFrame
) -> np.ndarray:
    """Each entry's :func:`~app.models.attendance.dedupe_key`, for the whole frame."""
    import numpy as np

    item = agenda_item_id if agenda_item_id is not None else "all"
    prefix = f"{gathering.id}:{item}:{source.value}:"
    registration = frame["registration_id"]
    walk_in = registration.isna().to_numpy()
    keys = np.empty(len(frame), dtype=object)
    keys[~walk_in] = [f"{prefix}r{number}" for number in registration[~walk_in].tolist()]
    if walk_in.any():
        who = walk_in_keys(frame.loc[walk_in, "walk_in_name"], frame.loc[walk_in, "walk_in_email"])
        keys[walk_in] = [f"{prefix}w:{key}"[:400] for key in who]
    return keys


def _existing(
    gathering: Gathering, agenda_item_id: int | None, source: AttendanceSource
) -> pd.DataFrame:
    import pandas as pd

    item_filter = (
        AttendanceRecord.agenda_item_id.is_(None)
        if agenda_item_id is None
        else AttendanceRecord.agenda_item_id == agenda_item_id
    )
    columns = (
        AttendanceRecord.dedupe_key,
        AttendanceRecord.id,
        AttendanceRecord.walk_in_email,
        AttendanceRecord.minutes,
        AttendanceRecord.first_join,
        AttendanceRecord.last_leave,
        AttendanceRecord.import_batch_id,
    )
    rows = db.session.execute(
        select(*columns).where(
            AttendanceRecord.gathering_id == gathering.id,
            item_filter,
            AttendanceRecord.source == source.value,
        )
    ).all()
    return pd.DataFrame(rows, columns=[column.key for column in columns]).set_index("dedupe_key")


def _merged_with_earlier(
    earlier: pd.DataFrame,
    minutes: np.ndarray,
    joins: pd.Series,
    leaves: pd.Series,
    *,
    batch_id: int | None,
) -> tuple[list[int], list, list]:
    """A second report of the same item adds to the first rather than replacing it (a
    meeting split in two loses no time): disjoint spans add up; two spans each attended
    throughout count their union; other overlaps count the larger, never more than the
    union of the spans. The same batch saved again replaces its own earlier figures."""
    import pandas as pd

    merged, first, last = [], [], []
    for (_key, row), new_minutes, join, leave in zip(
        earlier.iterrows(), minutes, joins, leaves, strict=True
    ):
        join = None if pd.isna(join) else join.to_pydatetime()
        leave = None if pd.isna(leave) else leave.to_pydatetime()
        old_join = None if pd.isna(row["first_join"]) else pd.Timestamp(row["first_join"])
        old_leave = None if pd.isna(row["last_leave"]) else pd.Timestamp(row["last_leave"])
        old_join = old_join.to_pydatetime() if old_join is not None else None
        old_leave = old_leave.to_pydatetime() if old_leave is not None else None
        same_batch = batch_id is not None and row["import_batch_id"] == batch_id
        if same_batch or None in (join, leave, old_join, old_leave):
            merged.append(int(new_minutes))
            first.append(join)
            last.append(leave)
            continue
        old_minutes = int(row["minutes"])
        start, end = min(join, old_join), max(leave, old_leave)
        union = round((end - start).total_seconds() / 60)
        if join >= old_leave or leave <= old_join:
            total = old_minutes + int(new_minutes)
        elif (join, leave) != (old_join, old_leave) and (
            _throughout(old_minutes, old_join, old_leave)
            and _throughout(int(new_minutes), join, leave)
        ):
            overlap = (min(leave, old_leave) - max(join, old_join)).total_seconds() / 60
            total = old_minutes + int(new_minutes) - round(overlap)
        else:  # the same span again (the same report), or gaps inside either span
            total = max(old_minutes, int(new_minutes))
        merged.append(min(total, union))
        first.append(start)
        last.append(end)
    return merged, first, last


def _throughout(minutes: int, join: datetime, leave: datetime) -> bool:
    return minutes >= round((leave - join).total_seconds() / 60) - 1


def _expire_records() -> None:
    """Records updated in bulk are read again from the database, not from the session."""
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, AttendanceRecord):
            db.session.expire(instance)


ERASED_WALK_IN = "erased"


def _walk_in_identities(gathering_id: int) -> list[str]:
    keys = db.session.scalars(
        select(AttendanceRecord.dedupe_key).where(
            AttendanceRecord.gathering_id == gathering_id,
            AttendanceRecord.registration_id.is_(None),
        )
    )
    return sorted({walk_in_identity(key) for key in keys})


def walk_ins_held(gathering_id: int) -> int:
    """How many walk-ins are still told apart by their address or name."""
    return len([w for w in _walk_in_identities(gathering_id) if not w.startswith(ERASED_WALK_IN)])


def erase_walk_ins(gathering_id: int) -> int:
    """Retention: walk-ins are told apart by their address or folded name inside
    `dedupe_key`: each becomes "erased:<n>" (one number per person), so they still count
    once each. Returns how many were erased."""
    known = _walk_in_identities(gathering_id)
    identities = [w for w in known if not w.startswith(ERASED_WALK_IN + ":")]
    already = len(known) - len(identities)
    pseudonyms = {
        identity: f"{ERASED_WALK_IN}:{already + n}" for n, identity in enumerate(identities, 1)
    }
    rows = db.session.execute(
        select(AttendanceRecord.id, AttendanceRecord.dedupe_key).where(
            AttendanceRecord.gathering_id == gathering_id,
            AttendanceRecord.registration_id.is_(None),
        )
    ).all()
    for record_id, key in rows:
        identity = walk_in_identity(key)
        if identity not in pseudonyms:
            continue
        prefix = key[: len(key) - len(identity)]
        db.session.execute(
            update(AttendanceRecord)
            .where(AttendanceRecord.id == record_id)
            .values(dedupe_key=prefix + pseudonyms[identity], walk_in_name="", walk_in_email="")
            .execution_options(synchronize_session=False, **in_gatherings(gathering_id))
        )
    return len(pseudonyms)
