"""The report pipeline (load -> aggregate -> charts -> HTML -> PDF), storage of every
generated PDF in the database, and delivery through the outbox."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from markupsafe import Markup
from sqlalchemy import select

from app import document_runs
from app.documents.render import page_size as checked_page_size
from app.documents.render import render_html
from app.documents.suppression import check_threshold
from app.extensions import db
from app.gc_pause import gc_paused
from app.models import Gathering, ReportRun, ReportStatus, User
from app.reporting import context as report_context
from app.reporting.load import load_report_data

Progress = Callable[[int, str], None]
STAGES = (
    (10, "Reading the data"),
    (30, "Counting and drawing charts"),
    (55, "Writing the report"),
    (60, "Laying out the PDF pages"),
    (90, "Writing the PDF file"),
    (100, "Done"),
)


@dataclass
class BuiltReport:
    html: str
    pdf: bytes | None
    timings: dict[str, float] = field(default_factory=dict)
    pages: int = 0


def report_settings(
    config, *, variant: str, threshold: int | None = None, page_size: str | None = None
) -> tuple[str, int, str]:
    if variant not in report_context.VARIANTS:
        raise ValueError("Choose the committee or the shareable version.")
    return (
        variant,
        check_threshold(threshold or config.get("SUPPRESSION_THRESHOLD", 5)),
        checked_page_size(page_size or config.get("REPORT_PAGE_SIZE")),
    )


def build_report(
    gathering: Gathering,
    *,
    variant: str,
    now: datetime,
    threshold: int | None = None,
    page_size: str | None = None,
    pdf: bool = True,
    for_web: bool = False,
    standalone: bool = False,
    stylesheet_url: str = "",
    progress: Progress | None = None,
) -> BuiltReport:
    """Run the whole pipeline and time each stage (the benchmark prints these)."""
    variant, threshold, size = report_settings(
        current_app.config, variant=variant, threshold=threshold, page_size=page_size
    )
    step = progress or (lambda _percent, _stage: None)
    timings: dict[str, float] = {}
    step(*STAGES[0])
    start = time.perf_counter()
    with gc_paused():
        data = load_report_data(gathering)
    timings["load"] = time.perf_counter() - start
    step(*STAGES[1])
    start = time.perf_counter()
    with gc_paused():
        ctx = report_context.build_context(
            data, variant=variant, threshold=threshold, page_size=size, now=now, draw=False
        )
    del data
    timings["aggregate"] = time.perf_counter() - start
    start = time.perf_counter()
    with gc_paused():  # figures are freed by reference counting once drawn
        report_context.draw_charts(ctx)
    timings["charts"] = time.perf_counter() - start
    step(*STAGES[2])
    start = time.perf_counter()
    html = render_html(
        {**ctx, "stylesheet_url": stylesheet_url}, for_web=for_web, standalone=standalone
    )
    timings["html"] = time.perf_counter() - start
    document = None
    pages = []

    def laid_out(count: int) -> None:
        pages.append(count)
        step(*STAGES[4])

    if pdf:
        from app.documents.pdf import render_pdf

        step(*STAGES[3])
        start = time.perf_counter()
        document = render_pdf(html, laid_out=laid_out)
        timings["pdf"] = time.perf_counter() - start
    return BuiltReport(html=html, pdf=document, timings=timings, pages=sum(pages))


def latest_runs(gathering_ids: list[int]) -> dict[int, ReportRun]:
    """The newest finished run of each gathering, in one query."""
    if not gathering_ids:
        return {}
    runs = db.session.scalars(
        select(ReportRun)
        .where(
            ReportRun.gathering_id.in_(gathering_ids),
            ReportRun.status == ReportStatus.DONE.value,
        )
        .order_by(ReportRun.created_at, ReportRun.id)
    ).all()
    return {run.gathering_id: run for run in runs}


def runs_of(gathering: Gathering) -> list[ReportRun]:
    """Every run of the gathering's report, newest first."""
    return list(
        db.session.scalars(
            select(ReportRun)
            .where(ReportRun.gathering_id == gathering.id)
            .order_by(ReportRun.created_at.desc(), ReportRun.id.desc())
        )
    )


def latest_finished_run(gathering: Gathering) -> ReportRun | None:
    return latest_runs([gathering.id]).get(gathering.id)


def start_run(gathering: Gathering, *, variant: str, user: User | None, now: datetime) -> ReportRun:
    """A queued run row (not committed), validated before any work starts."""
    variant, threshold, size = report_settings(current_app.config, variant=variant)
    run = ReportRun(
        gathering_id=gathering.id,
        variant=variant,
        threshold=threshold,
        page_size=size,
        created_by_id=user.id if user else None,
        created_at=now,
        status=ReportStatus.QUEUED.value,
        stage="Waiting to start",
    )
    db.session.add(run)
    return run


def execute_run(
    run_id: int,
    *,
    now: datetime,
    commit_progress: bool = True,
    before_commit: Callable[[], None] | None = None,
) -> ReportRun:
    """Generate the PDF for a queued run and store it. Progress is committed as it goes
    so a page polling from another request (or server) can show it; `before_commit`
    lets the job keep its claim alive at each step."""
    run = db.session.get(ReportRun, run_id)
    if run is None:
        raise LookupError(f"no report run {run_id}")
    gathering = db.session.get(Gathering, run.gathering_id)

    def progress(percent: int, stage: str) -> None:
        run.status = ReportStatus.RUNNING.value
        run.progress = percent
        run.stage = stage
        if commit_progress:
            if before_commit is not None:
                before_commit()
            db.session.commit()

    try:
        built = build_report(
            gathering,
            variant=run.variant,
            now=now,
            threshold=run.threshold,
            page_size=run.page_size,
            progress=progress,
        )
        store_pdf(run, built.pdf, pages=built.pages, gathering=gathering, now=now)
        db.session.commit()
    except Exception as error:
        document_runs.record_failure(
            ReportRun, run_id, error, what="the report", again="Generate it again"
        )
        raise
    return run


def store_pdf(
    run: ReportRun, pdf: bytes, *, pages: int, gathering: Gathering, now: datetime
) -> None:
    run.content = pdf
    run.filename = f"{gathering.slug}-{run.variant}-{now:%Y%m%dT%H%M%SZ}-{run.id}.pdf"
    run.sha256 = hashlib.sha256(pdf).hexdigest()
    run.size_bytes = len(pdf)
    run.pages = pages
    run.status = ReportStatus.DONE.value
    run.progress = 100
    run.stage = "Done"
    run.finished_at = now


def stored_pdf(run: ReportRun) -> bytes:
    return document_runs.stored_content(
        run, mismatch="The stored report does not match its checksum."
    )


def steering_recipients(config) -> list[str]:
    raw = config.get("STEERING_COMMITTEE_EMAILS") or ""
    return [address.strip() for address in raw.split(",") if address.strip()]


def email_report(run: ReportRun, *, recipients: list[str], now: datetime) -> int:
    """Queue one message per recipient with the PDF attached (not committed)."""
    from app.outbound.mail import Attachment, queue_email

    if not recipients:
        raise ValueError("No steering committee addresses are configured.")
    if not run.is_ready:
        raise ValueError("This report is not ready yet.")
    content = stored_pdf(run)
    gathering = db.session.get(Gathering, run.gathering_id)
    label = "shareable version" if run.variant == report_context.SHAREABLE else "committee version"
    subject = f"Summary report: {gathering.title} ({label})"
    text = (
        f"Attached is the summary report of {gathering.title} ({label}), generated "
        f"{run.finished_at:%Y-%m-%d %H:%M} UTC.\n\nSHA-256: {run.sha256}\n"
    )
    if run.variant == report_context.COMMITTEE:
        text += "\nThis version contains unsuppressed small counts: please do not circulate it.\n"
    html = Markup(
        "<p>Attached is the summary report of {title} ({label}).</p>"
        "<p>SHA-256: <code>{sha}</code></p>"
    ).format(title=gathering.title, label=label, sha=run.sha256)
    for address in recipients:
        queue_email(
            to=address,
            subject=subject,
            text=text,
            html=str(html),
            attachments=[Attachment(run.filename, content, "application/pdf")],
            kind="report",
        )
    run.emailed_at = now
    return len(recipients)
