"""The erasure log: one line per erasure, with counts and reasons, never a name."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import ErasureLogEntry, ErasureReason, Gathering, User

COUNT_LABELS = {
    "registrations": ("registration", "registrations"),
    "walk_ins": ("walk-in", "walk-ins"),
    "contributors": ("contributor", "contributors"),
    "unconsented_quotes": ("quote without consent", "quotes without consent"),
    "invitees": ("invitee", "invitees"),
    "emails": ("email copy", "email copies"),
    "uploads": ("attendance file", "attendance files"),
    "review_rows": ("attendance review row", "attendance review rows"),
    "survey_links": ("survey link", "survey links"),
    "survey_edit_keys": ("survey edit key", "survey edit keys"),
}


def _counted(kind: str, number: int) -> str:
    one, many = COUNT_LABELS.get(kind, (kind, kind))
    return f"{number:,} {one if number == 1 else many}"


def log_erasure(
    gathering_id: int | None, reason: ErasureReason, *, actor_id: int | None, now: datetime
) -> ErasureLogEntry:
    """The line for one person's erasure (an organiser's, or on their own request)."""
    entry = ErasureLogEntry(
        gathering_id=gathering_id,
        reason=reason.value,
        people=1,
        counts={"registrations": 1},
        actor_id=actor_id,
        created_at=now,
    )
    db.session.add(entry)
    return entry


def _by(entry: ErasureLogEntry, account: str | None) -> str:
    if entry.actor_id is not None:
        return account or "A deleted account"
    if entry.reason == ErasureReason.RETENTION:
        return "The retention sweep"
    return "Automatically, as the community's settings say"


@dataclass(frozen=True)
class ErasureLine:
    at: datetime
    gathering_title: str
    reason: str
    people: int
    counts: str
    by: str


def erasure_lines(limit: int = 200) -> list[ErasureLine]:
    rows = db.session.execute(
        select(ErasureLogEntry, Gathering.title, User.name, User.email)
        .outerjoin(Gathering, Gathering.id == ErasureLogEntry.gathering_id)
        .outerjoin(User, User.id == ErasureLogEntry.actor_id)
        .order_by(ErasureLogEntry.created_at.desc(), ErasureLogEntry.id.desc())
        .limit(limit)
    ).all()
    reasons = dict(ErasureReason.choices())
    return [
        ErasureLine(
            at=entry.created_at,
            gathering_title=title or "A deleted gathering",
            reason=reasons.get(entry.reason, entry.reason),
            people=entry.people,
            counts=", ".join(
                _counted(kind, number) for kind, number in entry.counts.items() if number
            ),
            by=(name or email)
            if entry.actor_id is not None
            else "The retention sweep"
            if entry.reason == ErasureReason.RETENTION
            else "Automatic",
        )
        for entry, title, name, email in rows
    ]


# What erased text is replaced with; the dry run counts what does not say it yet.
ERASED_TEXT = "(erased)"
