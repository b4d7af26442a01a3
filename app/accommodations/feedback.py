"""Accessibility feedback: anyone reports a barrier; organisers answer and close it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select, update

from app.extensions import db
from app.models import DEFAULT_RETENTION_MONTHS
from app.models.accommodations import AccessibilityFeedback, FeedbackStatus
from app.privacy_records.periods import add_months


class FeedbackError(Exception):
    pass


def submit(
    *, barrier: str, page: str, name: str, contact: str, now: datetime
) -> AccessibilityFeedback:
    row = AccessibilityFeedback(
        barrier=barrier,
        page=page,
        name=name,
        contact=contact,
        status=FeedbackStatus.NEW.value,
        answer="",
        created_at=now,
    )
    db.session.add(row)
    return row


def all_feedback() -> list[AccessibilityFeedback]:
    order = {status.value: i for i, status in enumerate(FeedbackStatus)}
    rows = db.session.scalars(
        select(AccessibilityFeedback).order_by(AccessibilityFeedback.created_at.desc())
    ).all()
    return sorted(rows, key=lambda row: order.get(row.status, 0))


def respond(row: AccessibilityFeedback, *, action: str, answer: str, now: datetime) -> None:
    if action == "answer":
        if not answer.strip():
            raise FeedbackError("Write the answer before saving it.")
        row.answer = answer
        row.answered_at = now
        if row.status == FeedbackStatus.NEW:
            row.status = FeedbackStatus.ANSWERED.value
    elif action == "close":
        row.answer = answer or row.answer
        row.status = FeedbackStatus.CLOSED.value
        row.closed_at = now
    elif action == "reopen":
        row.status = (FeedbackStatus.ANSWERED if row.answer else FeedbackStatus.NEW).value
        row.closed_at = None
    else:
        raise FeedbackError("Choose a button.")


def counts(rows=None) -> dict[str, int]:
    if rows is None:
        rows = db.session.scalars(select(AccessibilityFeedback)).all()
    tally = Counter(row.status for row in rows)
    return {status.value: tally.get(status.value, 0) for status in FeedbackStatus}


def forget_contacts(gathering_id: int) -> None:
    """Retention: who sent feedback about the gathering is forgotten; what they said stays."""
    db.session.execute(
        update(AccessibilityFeedback)
        .where(AccessibilityFeedback.gathering_id == gathering_id)
        .values(name="", contact="")
        .execution_options(synchronize_session=False)
    )


def forget_old_contacts(now: datetime) -> int:
    """Feedback about the site names no gathering: who sent it is forgotten after the
    default period. Returns how many."""
    return (
        db.session.execute(
            update(AccessibilityFeedback)
            .where(
                AccessibilityFeedback.created_at < add_months(now, -DEFAULT_RETENTION_MONTHS),
                (AccessibilityFeedback.name != "") | (AccessibilityFeedback.contact != ""),
            )
            .values(name="", contact="")
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
