"""The steering committee's recommendations: every action a breakout flagged for the
committee, tracked with dated updates from gathering to gathering of the same community
until it is done or declined.

Plain functions: they change the session and never commit; the caller commits."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app import timefmt
from app.community.history import earlier_gatherings
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


def own_recommendations(gathering: Gathering) -> list[Recommendation]:
    """The recommendations that came out of this gathering's breakouts."""
    return list(
        db.session.scalars(
            select(Recommendation)
            .where(Recommendation.gathering_id == gathering.id)
            .order_by(Recommendation.source_label, Recommendation.id)
        )
    )


def carried_recommendations(gathering: Gathering) -> list[Recommendation]:
    """Recommendations of the community's earlier gatherings that this gathering hears
    about: those still open, and those closed since the previous gathering began. One
    closed before then was already reported there and carries no further."""
    earlier = earlier_gatherings(gathering)
    if not earlier:
        return []
    since = earlier[-1].starts_at
    return list(
        db.session.scalars(
            select(Recommendation)
            .join(Gathering, Gathering.id == Recommendation.gathering_id)
            .where(
                Recommendation.gathering_id.in_([g.id for g in earlier]),
                or_(Recommendation.closed_at.is_(None), Recommendation.closed_at >= since),
            )
            .order_by(Gathering.starts_at, Recommendation.source_label, Recommendation.id)
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


def _item(recommendation: Recommendation, zone: str) -> dict:
    latest = recommendation.latest_update
    return {
        "text": recommendation.text,
        "owner": recommendation.owner,
        "status": recommendation.status,
        "status_label": RecommendationStatus.label_for(recommendation.status),
        "due_label": (
            f"{recommendation.due_on.day} {recommendation.due_on:%B %Y}"
            if recommendation.due_on
            else ""
        ),
        "from_title": recommendation.gathering.title,
        "from_breakout": recommendation.source_label,
        "latest": (
            {
                "date_label": timefmt.long_date(latest.created_at, zone),
                "note": latest.note,
                "evidence_url": latest.evidence_url,
            }
            if latest is not None
            else None
        ),
    }


SINCE_LAST_ID = "since-last"


def since_last_gathering(gathering_id: int | None) -> dict:
    """Plain data for the report's "Since the last gathering": each carried
    recommendation, its status and its latest update. Nothing names who wrote an update,
    so the same section serves the shareable version. `contents` is the table-of-contents
    entry, empty when there is nothing to say."""
    gathering = db.session.get(Gathering, gathering_id) if gathering_id is not None else None
    earlier = earlier_gatherings(gathering) if gathering is not None else []
    if gathering is None or not earlier:
        return {"rows": [], "counts": [], "previous_title": None, "contents": []}
    rows = [_item(r, gathering.timezone) for r in carried_recommendations(gathering)]
    counts = [
        (status.label, sum(1 for row in rows if row["status"] == status.value))
        for status in RecommendationStatus
    ]
    previous = earlier[-1]
    return {
        "id": SINCE_LAST_ID,
        "rows": rows,
        "counts": [(label, n) for label, n in counts if n],
        "previous_title": previous.title,
        "previous_date_label": timefmt.long_date(previous.starts_at, previous.timezone),
        "contents": [{"id": SINCE_LAST_ID, "title": "Since the last gathering", "level": 1}],
    }
