"""The organisers' ZIP of every attendee's certificate, prepared as a job.

The request records a `CertificateRun` and its job in one transaction; a worker (any
server's) issues the certificates and lays them out in batches, committing progress that
the run's page shows (it reloads itself, or polls with JavaScript). The finished ZIP is
kept in the row, as report PDFs are.

What an organiser gets for "Prepare certificates": the run already on its way, if one
is; else the finished ZIP, while it is still current; else a new run. A ZIP is current
while the gathering's registrations and attendance are as they were when the run began
(`facts_version`, `attendance_version`, which every write to them raises): so a
check-in, a cancellation, a rename or an erasure makes the next request prepare it
again, and an out-of-date ZIP is never served. The sweep drops the bytes of every ZIP
that is out of date, or older than CERTIFICATES_ZIP_KEEP_HOURS; a gathering keeps its
latest run and the one before.

Plain functions: they change the session and never commit, except `execute_run`, which
commits its progress as it goes."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from app import document_runs, jobs
from app.community import certificates
from app.extensions import db
from app.models import CertificateRun, CertificateRunStatus, Gathering, User, utcnow

BATCH = 100  # certificates laid out together, and between two progress commits
KEEP_HOURS = 24
JOB = "community.certificates_zip"


def latest_run(gathering: Gathering) -> CertificateRun | None:
    return db.session.scalar(
        select(CertificateRun)
        .where(CertificateRun.gathering_id == gathering.id)
        .order_by(CertificateRun.id.desc())
        .limit(1)
    )


def run_of(gathering: Gathering, run_id: int) -> CertificateRun | None:
    """The gathering's run with this id; None for another gathering's run."""
    run = db.session.get(CertificateRun, run_id)
    if run is None or run.gathering_id != gathering.id:
        return None
    return run


def is_current(run: CertificateRun, gathering: Gathering) -> bool:
    """The gathering's registrations and attendance are as they were when it began."""
    return (
        run.facts_version == gathering.facts_version
        and run.attendance_version == gathering.attendance_version
    )


def is_downloadable(run: CertificateRun, gathering: Gathering) -> bool:
    return run.is_ready and run.content is not None and is_current(run, gathering)


def prepare(gathering: Gathering, *, user: User | None, now: datetime) -> CertificateRun:
    """The run an organiser's "Prepare certificates" leads to: the one on its way, the
    finished one while current, or a new one with its job (not committed)."""
    run = latest_run(gathering)
    if run is not None and (run.is_active or is_downloadable(run, gathering)):
        return run
    if run is not None:
        # The last run stays (its page says why it is no longer offered) without its
        # bytes; the ones before it go.
        run.content = None
        db.session.execute(
            delete(CertificateRun)
            .where(CertificateRun.gathering_id == gathering.id, CertificateRun.id != run.id)
            .execution_options(synchronize_session="fetch")
        )
    run = CertificateRun(
        gathering_id=gathering.id,
        status=CertificateRunStatus.QUEUED.value,
        progress=0,
        stage="Waiting to start",
        error="",
        facts_version=gathering.facts_version,
        attendance_version=gathering.attendance_version,
        created_by_id=user.id if user else None,
        created_at=now,
    )
    db.session.add(run)
    db.session.flush()
    jobs.submit(JOB, run_id=run.id)
    return run


@jobs.job(JOB, max_attempts=3)
def build_job(run_id: int) -> None:
    run = db.session.get(CertificateRun, run_id)
    if run is None:
        raise jobs.PermanentJobError(f"no certificate run {run_id}")
    if run.is_ready or latest_run(run.gathering) is not run:
        return  # done already, or a retry of a run that a newer one replaced
    execute_run(run_id, now=utcnow(), before_commit=jobs.extend_claim)


def execute_run(
    run_id: int, *, now: datetime, before_commit: Callable[[], None] | None = None
) -> CertificateRun:
    """Issue every attendee's certificate (or reprint the one issued before), lay them out
    a batch at a time, and store the ZIP. Each batch's certificates and the progress are
    committed together, so a run picked up again after a crash reprints what the first
    attempt issued."""
    run = db.session.get(CertificateRun, run_id)
    if run is None:
        raise LookupError(f"no certificate run {run_id}")
    gathering = db.session.get(Gathering, run.gathering_id)

    def progress(percent: int, stage: str) -> None:
        run.status = CertificateRunStatus.RUNNING.value
        run.progress = percent
        run.stage = stage
        if before_commit is not None:
            before_commit()
        db.session.commit()

    try:
        progress(2, "Finding everyone who attended")
        content, people = build_zip(gathering, now=now, progress=progress)
        store_zip(run, content, people=people, gathering=gathering, now=now)
        if before_commit is not None:
            before_commit()
        db.session.commit()
    except Exception as error:
        document_runs.record_failure(
            CertificateRun, run_id, error, what="the certificates", again="Prepare them again"
        )
        raise
    return run


def build_zip(
    gathering: Gathering, *, now: datetime, progress: Callable[[int, str], None]
) -> tuple[bytes, int]:
    """One PDF per attendee still reachable (never an erased or cancelled person), named
    after the name printed on it."""
    settings = certificates.stored_settings(gathering)
    rows = certificates.attendee_rows(gathering)
    earlier = certificates.issued_before([registration.id for registration, _ in rows])
    buffer = io.BytesIO()
    total = len(rows)
    # PDFs hardly shrink when deflated; storing them keeps the ZIP quick to write.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for start in range(0, total, BATCH):
            chunk = rows[start : start + BATCH]
            batch = [
                certificates.issue(
                    registration,
                    minutes=minutes,
                    settings=settings,
                    verify_url=certificates.verify_url,
                    now=now,
                    earlier=earlier.get(registration.id),
                )
                for registration, minutes in chunk
            ]
            for (registration, _), facts, pdf in zip(
                chunk, batch, certificates.certificate_pdfs(batch), strict=True
            ):
                archive.writestr(certificates.file_name(facts.name, registration.id), pdf)
            made = start + len(chunk)
            progress(2 + 95 * made // total, f"Made {made:,} of {total:,} certificates")
    return buffer.getvalue(), total


def store_zip(
    run: CertificateRun, content: bytes, *, people: int, gathering: Gathering, now: datetime
) -> None:
    run.content = content
    run.people = people
    run.filename = f"{gathering.slug}-certificates-{now:%Y%m%dT%H%M%SZ}.zip"
    run.sha256 = hashlib.sha256(content).hexdigest()
    run.size_bytes = len(content)
    run.status = CertificateRunStatus.DONE.value
    run.progress = 100
    run.stage = "Ready"
    run.finished_at = now


def stored_zip(run: CertificateRun) -> bytes:
    return document_runs.stored_content(
        run, mismatch="The stored ZIP does not match its checksum; prepare it again."
    )


@jobs.every_sweep
def forget_old_zips(*, now: datetime) -> int:
    """Drop the bytes of every finished ZIP that is out of date or older than the hours
    kept: they name people, and a new one is a click away. Returns how many."""
    hours = int(current_app.config.get("CERTIFICATES_ZIP_KEEP_HOURS", KEEP_HOURS))
    stale = (
        select(CertificateRun.id)
        .join(Gathering, Gathering.id == CertificateRun.gathering_id)
        .where(
            CertificateRun.content.is_not(None),
            or_(
                CertificateRun.finished_at < now - timedelta(hours=hours),
                CertificateRun.facts_version != Gathering.facts_version,
                CertificateRun.attendance_version != Gathering.attendance_version,
            ),
        )
    )
    ids = list(db.session.scalars(stale))
    if not ids:
        return 0
    db.session.execute(
        update(CertificateRun)
        .where(CertificateRun.id.in_(ids))
        .values(content=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return len(ids)
