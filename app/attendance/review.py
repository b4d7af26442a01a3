"""Importing Zoom and Teams reports: read and match an upload into a pending batch,
review it, confirm (one record per person) or discard it; and the CLI's import without
review.

An upload is parsed either at once (:func:`prepare_import`) or later from the stored
file (:func:`store_upload`, then :func:`parse_upload` with the batch's id, which a job
can run). The people of a pending batch are rows of ``attendance_import_people``;
everything between the parser and the database works on whole columns.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update

from app.attendance.bulk import insert_frame, update_frame
from app.attendance.importers import (
    DEFAULT_MAX_BYTES,
    AttendanceFileError,
    DateOrder,
    ParsedReport,
    parse_report,
    texts,
)
from app.attendance.matching import CandidateIndex, MatchStatus, match_frame
from app.attendance.records import RecordEntry, save_records
from app.attendance.services import AttendanceError, check_item
from app.cleaning import db_int
from app.extensions import db
from app.gc_pause import gc_paused
from app.jobs import job
from app.models import (
    AgendaItem,
    AttendanceSource,
    Gathering,
    ImportBatch,
    ImportPerson,
    ImportStatus,
    Registration,
    User,
)
from app.privacy_records.erasure_log import ERASED_TEXT

if TYPE_CHECKING:
    import pandas as pd

SKIP = "skip"
WALK_IN = "walk_in"
STALE_UPLOAD = timedelta(days=2)

__all__ = [
    "SKIP",
    "WALK_IN",
    "ImportSummary",
    "RecordEntry",
    "confirm_import",
    "default_decisions",
    "discard_import",
    "earlier_import",
    "erase_uploads",
    "import_file",
    "parse_upload",
    "prepare_import",
    "save_records",
    "store_upload",
    "uploads_held",
]


@dataclass(slots=True)
class ImportSummary:
    matched: int = 0
    ambiguous: int = 0
    unmatched: int = 0
    walk_ins: int = 0
    rows: int = 0
    saved: int = 0
    skipped: int = 0
    linked: int = 0

    def line(self) -> str:
        return (
            f"matched {self.matched}, ambiguous {self.ambiguous}, "
            f"unmatched {self.unmatched}, walk-ins {self.walk_ins}"
        )


# --- reading an upload ------------------------------------------------------------------


def registration_index(gathering: Gathering) -> CandidateIndex:
    """Every registration of the gathering, cancelled ones too (people who cancelled
    sometimes come anyway, and their presence should be recognised), indexed for
    matching: three columns read in one query, no ORM objects."""
    rows = (
        db.session.connection()
        .execute(
            select(Registration.id, Registration.name, Registration.email).where(
                Registration.gathering_id == gathering.id
            )
        )
        .all()
    )
    ids, names, emails = list(zip(*rows, strict=True)) or ((), (), ())
    return CandidateIndex.from_columns(ids, names, emails)


def _local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def to_utc(moments: pd.Series, zone: ZoneInfo, *, earliest, latest) -> pd.Series:
    """A report's naive wall-clock times as UTC; one fixed offset when the report does
    not span a clock change (nearly always, and a column at a time), else per value."""
    import pandas as pd

    if pd.notna(earliest) and pd.notna(latest):
        first = earliest.to_pydatetime().replace(tzinfo=zone).utcoffset()
        if first == latest.to_pydatetime().replace(tzinfo=zone).utcoffset():
            return (moments - first).dt.tz_localize(UTC)
    converted = [
        pd.NaT if pd.isna(value) else value.to_pydatetime().replace(tzinfo=zone).astimezone(UTC)
        for value in moments
    ]
    return pd.Series(pd.to_datetime(converted, utc=True), index=moments.index)


def parse_for(
    gathering: Gathering,
    item: AgendaItem | None,
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    date_order: DateOrder = "auto",
) -> ParsedReport:
    moment = item.starts_at if item is not None else gathering.starts_at
    return parse_report(
        data,
        max_bytes=max_bytes,
        date_order=date_order,
        prefer_date=_local_day(moment, gathering.timezone),
    )


def _new_batch(
    gathering: Gathering,
    *,
    data: bytes,
    filename: str,
    agenda_item: AgendaItem | None,
    user: User | None,
    now: datetime,
    date_order: DateOrder,
) -> ImportBatch:
    check_item(gathering, agenda_item)
    return ImportBatch(
        gathering=gathering,
        agenda_item=agenda_item,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        format="zoom",
        encoding="",
        rows=0,
        status=ImportStatus.RECEIVED.value,
        error="",
        date_order=date_order,
        date_order_guessed=False,
        created_by=user,
        created_at=now,
    )


@gc_paused()
def _read(batch: ImportBatch, data: bytes, *, max_bytes: int) -> pd.DataFrame:
    """Parse and match ``data`` for ``batch``; fills in the batch's counts and returns
    its people (times in UTC). Raises AttendanceFileError for unreadable files."""
    gathering = batch.gathering
    report = parse_for(
        gathering,
        batch.agenda_item,
        data,
        max_bytes=max_bytes,
        date_order=batch.date_order if batch.date_order in ("mdy", "dmy") else "auto",
    )
    people = match_frame(report.frame, registration_index(gathering))
    zone = ZoneInfo(gathering.timezone)
    earliest, latest = people["first_join"].min(), people["last_leave"].max()
    for column in ("first_join", "last_leave"):
        people[column] = to_utc(people[column], zone, earliest=earliest, latest=latest)
    counts = people["status"].value_counts()
    batch.format = report.format
    batch.encoding = report.encoding
    batch.rows = len(report.frame)
    batch.matched = int(counts.get(MatchStatus.MATCHED.value, 0))
    batch.ambiguous = int(counts.get(MatchStatus.AMBIGUOUS.value, 0))
    batch.unmatched = int(counts.get(MatchStatus.UNMATCHED.value, 0))
    batch.meeting = report.meeting
    batch.date_order = report.date_order
    batch.date_order_guessed = report.date_order_guessed
    return people


def _keep_pending(batch: ImportBatch, people: pd.DataFrame) -> None:
    import numpy as np

    batch.status = ImportStatus.PENDING.value
    batch.upload = None
    db.session.add(batch)
    db.session.flush()
    rows = people.drop(columns=[c for c in people.columns if c not in _PERSON_COLUMNS])
    rows.insert(0, "position", np.arange(len(rows), dtype="int64"))
    rows.insert(0, "batch_id", batch.id)
    rows["decision"] = ""
    insert_frame(ImportPerson.__table__, rows)


_PERSON_COLUMNS = (
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


def prepare_import(
    gathering: Gathering,
    *,
    data: bytes,
    filename: str,
    agenda_item: AgendaItem | None,
    user: User | None,
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BYTES,
    date_order: DateOrder = "auto",
) -> ImportBatch:
    """Parse and match a report into a pending batch now; nothing counts until confirmed.

    Raises :class:`~app.attendance.importers.AttendanceFileError` for unreadable files
    (and adds nothing to the session then)."""
    batch = _new_batch(
        gathering,
        data=data,
        filename=filename,
        agenda_item=agenda_item,
        user=user,
        now=now,
        date_order=date_order,
    )
    try:
        people = _read(batch, data, max_bytes=max_bytes)
    except AttendanceFileError:
        if batch in db.session:
            db.session.expunge(batch)
        raise
    _discard_stale_uploads(gathering, now=now)
    _keep_pending(batch, people)
    return batch


def store_upload(
    gathering: Gathering,
    *,
    data: bytes,
    filename: str,
    agenda_item: AgendaItem | None,
    user: User | None,
    now: datetime,
    date_order: DateOrder = "auto",
) -> ImportBatch:
    """Keep an upload (compressed) to be read later by :func:`parse_upload`."""
    batch = _new_batch(
        gathering,
        data=data,
        filename=filename,
        agenda_item=agenda_item,
        user=user,
        now=now,
        date_order=date_order,
    )
    batch.upload = zlib.compress(data, 6)
    db.session.add(batch)
    return batch


@job("attendance.parse_upload")
def parse_upload(batch_id: int) -> None:
    """Read a stored upload into a pending batch, or mark it failed with the reason.

    A job (app.jobs) runs it for large uploads, which commits; called directly, the
    caller commits."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.status != ImportStatus.RECEIVED or batch.upload is None:
        return
    data = zlib.decompress(batch.upload)
    try:
        people = _read(batch, data, max_bytes=DEFAULT_MAX_BYTES)
    except AttendanceFileError as error:
        batch.status = ImportStatus.FAILED.value
        batch.error = str(error)
        batch.upload = None
        return
    _discard_stale_uploads(batch.gathering, now=batch.created_at)
    _keep_pending(batch, people)


def _discard_stale_uploads(gathering: Gathering, *, now: datetime) -> None:
    """Uploads left unreviewed hold names and emails; keep them no longer than needed."""
    for stale in db.session.scalars(
        select(ImportBatch).where(
            ImportBatch.gathering_id == gathering.id,
            ImportBatch.status == ImportStatus.PENDING.value,
            ImportBatch.created_at < now - STALE_UPLOAD,
        )
    ):
        discard_import(stale)


def earlier_import(batch: ImportBatch) -> ImportBatch | None:
    """The confirmed import of the very same file for the same item, if there was one."""
    item_filter = (
        ImportBatch.agenda_item_id.is_(None)
        if batch.agenda_item_id is None
        else ImportBatch.agenda_item_id == batch.agenda_item_id
    )
    return db.session.scalar(
        select(ImportBatch)
        .where(
            ImportBatch.gathering_id == batch.gathering_id,
            item_filter,
            ImportBatch.sha256 == batch.sha256,
            ImportBatch.status == ImportStatus.CONFIRMED.value,
            ImportBatch.id != batch.id,
        )
        .order_by(ImportBatch.confirmed_at.desc())
        .limit(1)
    )


# --- the people of a batch, and decisions ------------------------------------------------


def batch_people(
    batch: ImportBatch, *, statuses: tuple[str, ...] = (), limit: int | None = None
) -> pd.DataFrame:
    """The batch's people in report order (all of them, or those with ``statuses``;
    the first ``limit`` of them)."""
    import pandas as pd

    columns = [getattr(ImportPerson, name) for name in ("id", "position", *_PERSON_COLUMNS)]
    query = select(*columns, ImportPerson.decision).where(ImportPerson.batch_id == batch.id)
    if statuses:
        query = query.where(ImportPerson.status.in_(statuses))
    rows = db.session.execute(query.order_by(ImportPerson.position).limit(limit)).all()
    frame = pd.DataFrame(rows, columns=["id", "position", *_PERSON_COLUMNS, "decision"])
    frame = frame.astype({"key": object, "name": object, "email": object, "upn": object})
    frame["registration_id"] = frame["registration_id"].astype("Int64")
    for column in ("first_join", "last_leave"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _default_targets(
    people: pd.DataFrame, *, walk_in_from: int | None
) -> tuple[pd.Series, pd.Series]:
    """What :func:`_defaults` decides, as :func:`_targets` reads it: the matched are
    linked to their registration, the unmatched who stayed long enough are walk-ins."""
    import pandas as pd

    matched = people["status"] == MatchStatus.MATCHED.value
    registration = people["registration_id"].astype("Int64").where(matched, pd.NA)
    walk_in = pd.Series(False, index=people.index)
    if walk_in_from is not None:
        walk_in = (people["status"] == MatchStatus.UNMATCHED.value) & (
            people["seconds"] >= walk_in_from * 60
        )
    return registration, walk_in


def _defaults(people: pd.DataFrame, *, walk_in_from: int | None) -> pd.Series:
    import pandas as pd

    decision = pd.Series(SKIP, index=people.index, dtype=object)
    matched = people["status"] == MatchStatus.MATCHED.value
    decision[matched] = "reg:" + people.loc[matched, "registration_id"].astype(str)
    if walk_in_from is not None:
        stayed = (people["status"] == MatchStatus.UNMATCHED.value) & (
            people["seconds"] >= walk_in_from * 60
        )
        decision[stayed] = WALK_IN
    return decision


def default_decisions(batch: ImportBatch, *, people: pd.DataFrame | None = None) -> dict[str, str]:
    """What the review page proposes and the CLI does: matched people are linked,
    unmatched people present at least the gathering's attendance threshold are
    recorded as walk-ins, the rest (ambiguous, short visits) are left out. By key, for
    the batch's people (or those given)."""
    people = batch_people(batch) if people is None else people
    threshold = batch.gathering.attendance_threshold_minutes
    return dict(zip(people["key"], _defaults(people, walk_in_from=threshold), strict=True))


def confirm_import(
    batch: ImportBatch,
    *,
    decisions: Mapping[str, str],
    user: User | None,
    now: datetime,
    all_unmatched_walk_in: bool = False,
) -> ImportSummary:
    """Write the records a reviewed batch decided on, replacing earlier minutes.

    ``decisions`` maps each person's key to ``reg:<id>``, ``walk_in`` or ``skip``;
    keys left out take :func:`default_decisions`. ``all_unmatched_walk_in`` records
    every unmatched person not linked to a registration as a walk-in.
    """
    if batch.status != ImportStatus.PENDING or not _claim(batch):
        raise AttendanceError("This upload was already imported or discarded.")
    people = batch_people(batch)
    chosen = _defaults(people, walk_in_from=batch.gathering.attendance_threshold_minutes)
    given = people["key"].map(decisions)
    chosen = chosen.where(given.isna(), given)
    if all_unmatched_walk_in:
        unmatched = people["status"] == MatchStatus.UNMATCHED.value
        linked = chosen.str.startswith("reg:")
        chosen[unmatched & ~linked] = WALK_IN
    registration_ids = set(
        db.session.scalars(
            select(Registration.id).where(Registration.gathering_id == batch.gathering_id)
        )
    )
    registration, walk_in = _targets(people, chosen, registration_ids)
    summary = _write(batch, people, registration, walk_in, user=user, now=now)
    _keep_named(batch, people, chosen)
    return summary


def _keep_named(batch: ImportBatch, people: pd.DataFrame, chosen: pd.Series) -> None:
    """After the import only the ambiguous and unmatched stay, with what was decided."""
    import pandas as pd

    db.session.execute(
        delete(ImportPerson).where(
            ImportPerson.batch_id == batch.id, ImportPerson.status == MatchStatus.MATCHED.value
        )
    )
    named = (people["status"] != MatchStatus.MATCHED.value).to_numpy()
    decided = pd.DataFrame({"id": people.loc[named, "id"], "decision": chosen[named]})
    update_frame(ImportPerson.__table__, decided)


def _claim(batch: ImportBatch, status: ImportStatus = ImportStatus.CONFIRMED) -> bool:
    """Move a pending batch on, in the database, so that of two people confirming (or
    discarding) the same upload at once only one goes on: the other's UPDATE finds
    no pending row once the first commits."""
    if batch.id is None:
        return True
    result = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == ImportStatus.PENDING.value)
        .values(status=status.value)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _targets(
    people: pd.DataFrame, chosen: pd.Series, registration_ids: set[int]
) -> tuple[pd.Series, pd.Series]:
    """Check every decision; return the registration chosen (or NA) and whether each
    person is a walk-in. The first person with an impossible choice names the error."""
    import pandas as pd

    registration: list[int | None] = []
    for decision in chosen.tolist():
        if decision.startswith("reg:"):
            number = db_int(decision[4:])
            if number is None:
                raise AttendanceError("An unknown registration was chosen.")
            if number not in registration_ids:
                raise AttendanceError("A chosen registration is not part of this gathering.")
            registration.append(number)
        elif decision in (WALK_IN, SKIP):
            registration.append(None)
        else:
            raise AttendanceError("An unknown choice was made for a row.")
    linked = pd.Series(pd.array(registration, dtype="Int64"), index=people.index)
    return linked, chosen == WALK_IN


@gc_paused()
def _write(
    batch: ImportBatch,
    people: pd.DataFrame,
    registration: pd.Series,
    walk_in: pd.Series,
    *,
    user: User | None,
    now: datetime,
) -> ImportSummary:
    """Save the people linked to a registration (``registration``, NA for none) or
    recorded as walk-ins (two people linked to one registration, or one walk-in, make
    one record: :func:`~app.attendance.records.save_records`)."""
    import numpy as np
    import pandas as pd

    linked = registration.notna()
    matched = people["status"] == MatchStatus.MATCHED.value
    summary = ImportSummary(
        matched=int((linked & matched).sum()),
        linked=int((linked & ~matched).sum()),
        walk_ins=int(walk_in.sum()),
        skipped=int((~linked & ~walk_in).sum()),
        ambiguous=batch.ambiguous,
        unmatched=batch.unmatched,
        rows=batch.rows,
    )
    keep = (linked | walk_in).to_numpy()
    kept = people.loc[keep, ["name", "email", "seconds", "first_join", "last_leave"]]
    kept = kept.reset_index(drop=True)
    walk = walk_in[keep].to_numpy()
    names = np.full(len(kept), "", dtype=object)
    emails = np.full(len(kept), "", dtype=object)
    names[walk] = [name[:200] for name in kept["name"].to_numpy()[walk]]
    emails[walk] = [email[:254] for email in kept["email"].to_numpy()[walk]]
    entries = pd.DataFrame(
        {
            "registration_id": registration[keep].reset_index(drop=True),
            "walk_in_name": texts(names),
            "walk_in_email": texts(emails),
            "seconds": kept["seconds"].astype("int64"),
            "first_join": kept["first_join"],
            "last_leave": kept["last_leave"],
        }
    )
    if batch.id is None:
        db.session.add(batch)
        db.session.flush()
    summary.saved = save_records(
        batch.gathering,
        batch.agenda_item_id if batch.agenda_item is None else batch.agenda_item.id,
        AttendanceSource(batch.format),
        entries,
        batch=batch,
        user=user,
        now=now,
    )
    batch.status = ImportStatus.CONFIRMED.value
    batch.confirmed_at = now
    batch.walk_ins = summary.walk_ins
    return summary


def discard_import(batch: ImportBatch) -> None:
    if batch.status != ImportStatus.PENDING or not _claim(batch, ImportStatus.DISCARDED):
        raise AttendanceError("This upload was already imported or discarded.")
    batch.status = ImportStatus.DISCARDED.value
    db.session.execute(delete(ImportPerson).where(ImportPerson.batch_id == batch.id))


# --- without review (the CLI) ------------------------------------------------------------


def import_file(
    gathering: Gathering,
    *,
    data: bytes,
    filename: str,
    agenda_item: AgendaItem | None,
    now: datetime,
    user: User | None = None,
    dry_run: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportSummary:
    """Import without review (the CLI): matched rows are saved; unmatched people who
    stayed at least the attendance threshold are recorded as walk-ins; ambiguous rows
    and short unmatched visits (phones dialling in, people who left at once) are not.
    The batch is recorded as confirmed straight away; no people are kept for review."""
    batch = _new_batch(
        gathering,
        data=data,
        filename=filename,
        agenda_item=agenda_item,
        user=user,
        now=now,
        date_order="auto",
    )
    try:
        people = _read(batch, data, max_bytes=max_bytes)
    finally:
        if batch in db.session:
            db.session.expunge(batch)
    registration, walk_in = _default_targets(
        people, walk_in_from=gathering.attendance_threshold_minutes
    )
    if dry_run:
        return ImportSummary(
            matched=batch.matched,
            ambiguous=batch.ambiguous,
            unmatched=batch.unmatched,
            walk_ins=int(walk_in.sum()),
            rows=batch.rows,
        )
    batch.status = ImportStatus.PENDING.value
    return _write(batch, people, registration, walk_in, user=user, now=now)


def uploads_held(gathering_id: int) -> int:
    """How many of the gathering's uploaded files are still kept."""
    return int(
        db.session.scalar(
            select(func.count(ImportBatch.id)).where(
                ImportBatch.gathering_id == gathering_id, ImportBatch.filename != ERASED_TEXT
            )
        )
        or 0
    )


def erase_uploads(gathering_id: int) -> tuple[int, int]:
    """Retention: the review rows (names and addresses read from the files) go, and each
    upload keeps only that it was made. Returns how many uploads and review rows."""
    batch_ids = select(ImportBatch.id).where(ImportBatch.gathering_id == gathering_id)
    review_rows = db.session.execute(
        delete(ImportPerson)
        .where(ImportPerson.batch_id.in_(batch_ids))
        .execution_options(synchronize_session=False)
    ).rowcount
    uploads = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.gathering_id == gathering_id, ImportBatch.filename != ERASED_TEXT)
        .values(filename=ERASED_TEXT, upload=None, error="", meeting=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    return int(uploads or 0), int(review_rows or 0)
