"""What the outbox pages read and change: messages by delivery state, background jobs
that gave up. Plain functions: they never commit."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Job, JobStatus, MailStatus, OutboundEmail
from app.outbound.mail import retry

LISTED = 500


@dataclass(frozen=True)
class Listing:
    rows: list
    counts: dict[str, int]  # by status, of every row


def messages(show: str) -> Listing:
    """Failed messages (or, with show="waiting", those waiting or being sent), newest
    first; sent ones are only counted."""
    statuses = [MailStatus.FAILED] if show == "failed" else [MailStatus.QUEUED, MailStatus.SENDING]
    rows = db.session.scalars(
        select(OutboundEmail)
        .where(OutboundEmail.status.in_(statuses))
        .order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc())
        .limit(LISTED)
    ).all()
    counts = db.session.execute(
        select(OutboundEmail.status, func.count(OutboundEmail.id)).group_by(OutboundEmail.status)
    ).all()
    return Listing(list(rows), dict(counts))


def retry_all_failed(*, now: datetime) -> int:
    """Every failed message is due again; returns how many."""
    failed = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.status == MailStatus.FAILED)
    ).all()
    for email in failed:
        retry(email, now=now)
    return len(failed)


def failed_jobs() -> Listing:
    """Background jobs that gave up, newest first, and how many are in each state."""
    rows = db.session.scalars(
        select(Job)
        .where(Job.status == JobStatus.FAILED)
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(LISTED)
    ).all()
    counts = db.session.execute(select(Job.status, func.count(Job.id)).group_by(Job.status)).all()
    return Listing(list(rows), dict(counts))
