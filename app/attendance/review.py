"""Importing Zoom and Teams reports: parse and match into a pending batch, review,
confirm (writing one record per person) or discard; and the CLI's import without review."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from app.attendance.importers import (
    DEFAULT_MAX_BYTES,
    DateOrder,
    ParsedReport,
    parse_report,
)
from app.attendance.matching import (
    Candidate,
    MatchStatus,
    MergedAttendance,
    reconcile,
)
from app.attendance.services import AttendanceError, check_item, walk_in_key
from app.extensions import db
from app.gc_pause import gc_paused
from app.models import (
    AgendaItem,
    AttendanceRecord,
    AttendanceSource,
    Gathering,
    ImportBatch,
    ImportStatus,
    Registration,
    User,
)
from app.models.attendance import dedupe_key

SKIP = "skip"
WALK_IN = "walk_in"

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


# --- importing --------------------------------------------------------------------------


def registration_candidates(gathering: Gathering) -> list[Candidate]:
    """Every registration of the gathering, cancelled ones too: people who cancelled
    sometimes come anyway, and their presence should be recognised."""
    rows = db.session.execute(
        select(Registration.id, Registration.name, Registration.email).where(
            Registration.gathering_id == gathering.id
        )
    )
    return [Candidate(id_, name, email) for id_, name, email in rows]


def _local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


class _LocalToUTC:
    """Converts a report's naive wall-clock times to UTC; one fixed offset when the
    report does not span a clock change, which is nearly always and much faster."""

    def __init__(self, zone: ZoneInfo, earliest: datetime | None, latest: datetime | None):
        self.zone = zone
        self.offset = None
        if earliest is not None and latest is not None:
            first = earliest.replace(tzinfo=zone).utcoffset()
            last = latest.replace(tzinfo=zone).utcoffset()
            if first == last:
                self.offset = first

    def __call__(self, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if self.offset is not None:
            return (value - self.offset).replace(tzinfo=UTC)
        return value.replace(tzinfo=self.zone).astimezone(UTC)


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


def _person(person: MergedAttendance, to_utc: _LocalToUTC) -> dict[str, Any]:
    return {
        "key": person.key,
        "status": person.status.value,
        "name": person.name,
        "email": person.email,
        "upn": person.upn,
        "seconds": person.seconds,
        "first_join": to_utc(person.first_join),
        "last_leave": to_utc(person.last_leave),
        "lines": person.lines[:20],
        "rows": len(person.lines),
        "registration_id": person.registration_id,
        "matched_by": person.matched_by.value if person.matched_by else None,
        "candidate_ids": list(person.candidate_ids),
    }


def _to_payload(person: dict[str, Any]) -> dict[str, Any]:
    first, last = person["first_join"], person["last_leave"]
    return {
        **person,
        "first_join": first.isoformat() if first else None,
        "last_leave": last.isoformat() if last else None,
    }


def _from_payload(person: dict[str, Any]) -> dict[str, Any]:
    first, last = person["first_join"], person["last_leave"]
    return {
        **person,
        "first_join": datetime.fromisoformat(first) if first else None,
        "last_leave": datetime.fromisoformat(last) if last else None,
    }


@dataclass(slots=True)
class _Prepared:
    batch: ImportBatch
    people: list[dict[str, Any]]
    registration_ids: set[int]
    meeting: dict[str, str]
    date_order: str
    date_order_guessed: bool


@gc_paused()
def _prepare(
    gathering: Gathering,
    *,
    data: bytes,
    filename: str,
    agenda_item: AgendaItem | None,
    user: User | None,
    now: datetime,
    max_bytes: int,
    date_order: DateOrder,
) -> _Prepared:
    check_item(gathering, agenda_item)
    report = parse_for(gathering, agenda_item, data, max_bytes=max_bytes, date_order=date_order)
    candidates = registration_candidates(gathering)
    result = reconcile(report.rows, candidates)
    joins = [row.join for row in report.rows if row.join is not None]
    leaves = [row.leave for row in report.rows if row.leave is not None]
    to_utc = _LocalToUTC(
        ZoneInfo(gathering.timezone),
        min(joins, default=None),
        max(leaves, default=None),
    )
    batch = ImportBatch(
        gathering=gathering,
        agenda_item=agenda_item,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        format=report.format,
        encoding=report.encoding,
        rows=len(report.rows),
        status=ImportStatus.PENDING.value,
        matched=len(result.matched),
        ambiguous=len(result.ambiguous),
        unmatched=len(result.unmatched),
        created_by=user,
        created_at=now,
    )
    return _Prepared(
        batch=batch,
        people=[_person(person, to_utc) for person in result.people],
        registration_ids={candidate.id for candidate in candidates},
        meeting=report.meeting,
        date_order=report.date_order,
        date_order_guessed=report.date_order_guessed,
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
    """Parse and match a report into a pending batch; nothing counts until confirmed.

    The matched rows wait in the batch's payload (server-side) for the review page.
    Raises :class:`~app.attendance.importers.AttendanceFileError` for unreadable files.
    """
    prepared = _prepare(
        gathering,
        data=data,
        filename=filename,
        agenda_item=agenda_item,
        user=user,
        now=now,
        max_bytes=max_bytes,
        date_order=date_order,
    )
    _discard_stale_uploads(gathering, now=now)
    batch = prepared.batch
    batch.payload = {
        "meeting": prepared.meeting,
        "date_order": prepared.date_order,
        "date_order_guessed": prepared.date_order_guessed,
        "people": [_to_payload(person) for person in prepared.people],
    }
    db.session.add(batch)
    return batch


STALE_UPLOAD = timedelta(days=2)


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


def default_decisions(
    batch: ImportBatch, *, walk_in_unmatched_from: int | None = None
) -> dict[str, str]:
    """Matched people are linked; ambiguous and unmatched are skipped, unless
    ``walk_in_unmatched_from`` is given: unmatched people with at least that many
    minutes are then recorded as walk-ins (what the CLI does)."""
    return _default_decisions(_people(batch), walk_in_unmatched_from=walk_in_unmatched_from)


def _default_decisions(
    people: Iterable[dict[str, Any]], *, walk_in_unmatched_from: int | None = None
) -> dict[str, str]:
    decisions: dict[str, str] = {}
    for person in people:
        if person["status"] == MatchStatus.MATCHED:
            decisions[person["key"]] = f"reg:{person['registration_id']}"
        elif (
            person["status"] == MatchStatus.UNMATCHED
            and walk_in_unmatched_from is not None
            and person["seconds"] >= walk_in_unmatched_from * 60
        ):
            decisions[person["key"]] = WALK_IN
        else:
            decisions[person["key"]] = SKIP
    return decisions


def _people(batch: ImportBatch) -> list[dict[str, Any]]:
    return list((batch.payload or {}).get("people", []))


@dataclass(slots=True)
class RecordEntry:
    registration_id: int | None
    walk_in_name: str
    walk_in_email: str
    seconds: int
    first_join: datetime | None
    last_leave: datetime | None


def confirm_import(
    batch: ImportBatch,
    *,
    decisions: Mapping[str, str],
    user: User | None,
    now: datetime,
) -> ImportSummary:
    """Write the records a reviewed batch decided on, replacing earlier minutes.

    ``decisions`` maps each person's key to ``reg:<id>``, ``walk_in`` or ``skip``;
    keys left out take :func:`default_decisions`.
    """
    if batch.status != ImportStatus.PENDING or not _claim(batch):
        raise AttendanceError("This upload was already imported or discarded.")
    people = [_from_payload(person) for person in _people(batch)]
    registration_ids = set(
        db.session.scalars(
            select(Registration.id).where(Registration.gathering_id == batch.gathering_id)
        )
    )
    return _write(
        batch,
        people,
        {**_default_decisions(people), **decisions},
        registration_ids=registration_ids,
        user=user,
        now=now,
    )


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


def _write(
    batch: ImportBatch,
    people: list[dict[str, Any]],
    chosen: Mapping[str, str],
    *,
    registration_ids: set[int],
    user: User | None,
    now: datetime,
) -> ImportSummary:
    with gc_paused():
        return _write_unpaused(
            batch, people, chosen, registration_ids=registration_ids, user=user, now=now
        )


def _write_unpaused(
    batch: ImportBatch,
    people: list[dict[str, Any]],
    chosen: Mapping[str, str],
    *,
    registration_ids: set[int],
    user: User | None,
    now: datetime,
) -> ImportSummary:
    summary = ImportSummary(rows=batch.rows)
    entries: dict[str, RecordEntry] = {}
    for person in people:
        decision = chosen.get(person["key"], SKIP)
        first, last = person["first_join"], person["last_leave"]
        if decision.startswith("reg:"):
            try:
                registration_id = int(decision.removeprefix("reg:"))
            except ValueError:
                raise AttendanceError("An unknown registration was chosen.") from None
            if registration_id not in registration_ids:
                raise AttendanceError("A chosen registration is not part of this gathering.")
            key = f"r{registration_id}"
            entry = RecordEntry(registration_id, "", "", person["seconds"], first, last)
            if person["status"] == MatchStatus.MATCHED:
                summary.matched += 1
            else:
                summary.linked += 1
        elif decision == WALK_IN:
            key = "w" + walk_in_key(person["name"], person["email"])
            entry = RecordEntry(
                None, person["name"][:200], person["email"][:254], person["seconds"], first, last
            )
            summary.walk_ins += 1
        elif decision == SKIP:
            summary.skipped += 1
            continue
        else:
            raise AttendanceError("An unknown choice was made for a row.")
        if key in entries:
            _merge_entry(entries[key], entry)
        else:
            entries[key] = entry
    summary.ambiguous = batch.ambiguous
    summary.unmatched = batch.unmatched
    if batch.id is None:
        db.session.add(batch)
        db.session.flush()
    summary.saved = save_records(
        batch.gathering,
        batch.agenda_item_id if batch.agenda_item is None else batch.agenda_item.id,
        AttendanceSource(batch.format),
        entries.values(),
        batch=batch,
        user=user,
        now=now,
    )
    batch.status = ImportStatus.CONFIRMED.value
    batch.confirmed_at = now
    batch.walk_ins = summary.walk_ins
    batch.payload = None
    return summary


def _merge_entry(into: RecordEntry, other: RecordEntry) -> None:
    """Two reviewed rows linked to one person: add their time, bounded by their span."""
    into.seconds += other.seconds
    joins = [t for t in (into.first_join, other.first_join) if t]
    leaves = [t for t in (into.last_leave, other.last_leave) if t]
    into.first_join = min(joins) if joins else None
    into.last_leave = max(leaves) if leaves else None
    if into.first_join and into.last_leave:
        span = int((into.last_leave - into.first_join).total_seconds())
        into.seconds = min(into.seconds, max(span, 0))


def save_records(
    gathering: Gathering,
    agenda_item_id: int | None,
    source: AttendanceSource,
    entries: Iterable[RecordEntry],
    *,
    batch: ImportBatch | None,
    user: User | None,
    now: datetime,
) -> int:
    """Insert or update one record per person for an item and source; returns how many.

    Existing records are read with one query and new ones written in one bulk insert,
    so a 10,000-person import is a handful of statements."""
    item_filter = (
        AttendanceRecord.agenda_item_id.is_(None)
        if agenda_item_id is None
        else AttendanceRecord.agenda_item_id == agenda_item_id
    )
    existing = {
        record.dedupe_key: record
        for record in db.session.scalars(
            select(AttendanceRecord).where(
                AttendanceRecord.gathering_id == gathering.id,
                item_filter,
                AttendanceRecord.source == source.value,
            )
        )
    }
    new_rows: list[dict[str, Any]] = []
    batch_id = batch.id if batch is not None and batch.id is not None else None
    if batch is not None and batch_id is None:
        db.session.flush()
        batch_id = batch.id
    user_id = user.id if user is not None else None
    count = 0
    for entry in entries:
        count += 1
        key = dedupe_key(
            gathering_id=gathering.id,
            agenda_item_id=agenda_item_id,
            source=source.value,
            registration_id=entry.registration_id,
            walk_in_key=walk_in_key(entry.walk_in_name, entry.walk_in_email)
            if entry.registration_id is None
            else "",
        )
        minutes = round(entry.seconds / 60)
        record = existing.get(key)
        if record is not None:
            record.minutes = minutes
            record.first_join = entry.first_join
            record.last_leave = entry.last_leave
            record.import_batch_id = batch_id
            record.recorded_by_id = user_id
            record.updated_at = now
            if entry.registration_id is None:
                record.walk_in_name = entry.walk_in_name
                record.walk_in_email = entry.walk_in_email or record.walk_in_email
            continue
        new_rows.append(
            {
                "gathering_id": gathering.id,
                "agenda_item_id": agenda_item_id,
                "registration_id": entry.registration_id,
                "walk_in_name": entry.walk_in_name,
                "walk_in_email": entry.walk_in_email,
                "source": source.value,
                "minutes": minutes,
                "first_join": entry.first_join,
                "last_leave": entry.last_leave,
                "import_batch_id": batch_id,
                "recorded_by_id": user_id,
                "dedupe_key": key,
                "created_at": now,
                "updated_at": now,
            }
        )
    if new_rows:
        db.session.execute(AttendanceRecord.__table__.insert(), new_rows)
    return count


def discard_import(batch: ImportBatch) -> None:
    if batch.status != ImportStatus.PENDING or not _claim(batch, ImportStatus.DISCARDED):
        raise AttendanceError("This upload was already imported or discarded.")
    batch.status = ImportStatus.DISCARDED.value
    batch.payload = None


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
    The batch is recorded as confirmed straight away; no payload is stored."""
    with gc_paused():
        return _import_file_unpaused(
            gathering,
            data=data,
            filename=filename,
            agenda_item=agenda_item,
            now=now,
            user=user,
            dry_run=dry_run,
            max_bytes=max_bytes,
        )


def _import_file_unpaused(
    gathering: Gathering,
    *,
    data: bytes,
    filename: str,
    agenda_item: AgendaItem | None,
    now: datetime,
    user: User | None,
    dry_run: bool,
    max_bytes: int,
) -> ImportSummary:
    prepared = _prepare(
        gathering,
        data=data,
        filename=filename,
        agenda_item=agenda_item,
        user=user,
        now=now,
        max_bytes=max_bytes,
        date_order="auto",
    )
    batch = prepared.batch
    decisions = _default_decisions(
        prepared.people, walk_in_unmatched_from=gathering.attendance_threshold_minutes
    )
    if dry_run:
        if batch in db.session:
            db.session.expunge(batch)
        return ImportSummary(
            matched=batch.matched,
            ambiguous=batch.ambiguous,
            unmatched=batch.unmatched,
            walk_ins=sum(1 for d in decisions.values() if d == WALK_IN),
            rows=batch.rows,
        )
    return _write(
        batch,
        prepared.people,
        decisions,
        registration_ids=prepared.registration_ids,
        user=user,
        now=now,
    )
