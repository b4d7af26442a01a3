"""The steering committee's recommendations: every action a breakout flagged for the
committee, tracked with dated updates from gathering to gathering of the same community
until it is done or declined.

Plain functions: they change the session and never commit; the caller commits."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import (
    CLOSED_STATUSES,
    AgendaItem,
    BreakoutNote,
    Gathering,
    NoteStatus,
    Recommendation,
    RecommendationStatus,
    RecommendationUpdate,
    User,
)

STATUS_ORDER = [status.value for status in RecommendationStatus]


def action_key(text: str) -> str:
    """The same action, whatever its spacing or capitals, is the same recommendation."""
    return hashlib.sha256(" ".join(text.split()).casefold().encode()).hexdigest()


def track_note_actions(session: Session, note: BreakoutNote) -> int:
    """Add a recommendation for each flagged action of a submitted note that has none yet;
    returns how many were added. Actions later removed from the note stay tracked: once
    the committee has them, only the committee closes them."""
    flagged = [
        a
        for a in note.actions or []
        if a.get("for_steering") and " ".join(str(a.get("text", "")).split())
    ]
    if not flagged:
        return 0
    with session.no_autoflush:
        known = {
            r.source_key
            for r in session.new
            if isinstance(r, Recommendation) and r.source_note is note
        }
        if note.id is not None:
            known |= set(
                session.scalars(
                    select(Recommendation.source_key).where(
                        Recommendation.source_note_id == note.id
                    )
                )
            )
        item = note.agenda_item or session.get(AgendaItem, note.agenda_item_id)
    added = 0
    for action in flagged:
        text = " ".join(str(action["text"]).split())
        key = action_key(text)
        if key in known:
            continue
        known.add(key)
        session.add(
            Recommendation(
                gathering_id=item.gathering_id,
                source_note=note,
                source_key=key,
                source_label=item.title[:200],
                text=text,
                owner=" ".join(str(action.get("owner", "")).split())[:200],
            )
        )
        added += 1
    return added


def track_submitted_notes(session: Session) -> None:
    """Whatever submits a note (the notes page, the CLI, the demo), its flagged actions
    become recommendations in the same transaction: this runs before every flush
    (app/transaction_hooks.py)."""
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, BreakoutNote) and obj.status == NoteStatus.SUBMITTED:
            track_note_actions(session, obj)


def counts_by_gathering() -> dict[int, int]:
    """How many recommendations came out of each gathering."""
    rows = db.session.execute(
        select(Recommendation.gathering_id, func.count()).group_by(Recommendation.gathering_id)
    )
    return dict(rows.all())


def own_recommendations(gathering: Gathering) -> list[Recommendation]:
    """The recommendations that came out of this gathering's breakouts."""
    return list(
        db.session.scalars(
            select(Recommendation)
            .where(Recommendation.gathering_id == gathering.id)
            .order_by(Recommendation.source_label, Recommendation.id)
        )
    )


class RecommendationError(ValueError):
    """A change that cannot be saved; the message is shown beside the form."""


@dataclass(frozen=True)
class RecommendationChange:
    status: str
    owner: str
    due_on: date | None
    note: str = ""
    evidence_url: str = ""


def update_recommendation(
    recommendation: Recommendation, change: RecommendationChange, *, author: User, now: datetime
) -> RecommendationUpdate | None:
    """Apply a change. A new status, a note or an evidence link adds a dated update;
    changing only the owner or due date does not."""
    if change.status not in STATUS_ORDER:
        raise RecommendationError("Choose a status from the list.")
    if change.evidence_url and not change.evidence_url.startswith(("https://", "http://")):
        raise RecommendationError("An evidence link starts with https:// or http://.")
    recommendation.owner = change.owner
    recommendation.due_on = change.due_on
    recommendation.updated_at = now
    status_changed = change.status != recommendation.status
    if status_changed:
        recommendation.status = change.status
        recommendation.closed_at = now if change.status in CLOSED_STATUSES else None
    if not (status_changed or change.note or change.evidence_url):
        return None
    update = RecommendationUpdate(
        recommendation=recommendation,
        status=change.status,
        note=change.note,
        evidence_url=change.evidence_url,
        author=author,
        created_at=now,
    )
    db.session.add(update)
    return update
