"""Breakout notes: drafts, submission, versions with optimistic locking, and what the
report reads. Plain functions: they change the session and never commit."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.markdown import render_markdown
from app.models import (
    AgendaItem,
    BreakoutNote,
    BreakoutNoteVersion,
    Gathering,
    NoteStatus,
    User,
)

AUTOSAVE_MERGE_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class NoteContent:
    """What a note says, as plain values: what forms produce, what history stores and
    what the report reads."""

    questions: list[str] = field(default_factory=list)
    summary: str = ""
    themes: list[str] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    head_count: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "NoteContent":
        data = data or {}
        return cls(
            questions=[str(q) for q in data.get("questions") or []],
            summary=str(data.get("summary") or ""),
            themes=[str(t) for t in data.get("themes") or []],
            actions=[
                {
                    "text": str(a.get("text", "")),
                    "owner": str(a.get("owner", "")),
                    "for_steering": bool(a.get("for_steering")),
                }
                for a in data.get("actions") or []
            ],
            quotes=[
                {"text": str(q.get("text", "")), "consent": bool(q.get("consent"))}
                for q in data.get("quotes") or []
            ],
            head_count=data.get("head_count"),
        )

    @classmethod
    def from_note(cls, note: BreakoutNote | None) -> "NoteContent":
        if note is None:
            return cls()
        return cls.from_dict(
            {
                "questions": note.questions,
                "summary": note.summary,
                "themes": note.themes,
                "actions": note.actions,
                "quotes": note.quotes,
                "head_count": note.head_count,
            }
        )


class NoteConflict(Exception):
    """Someone saved these notes after the version this save was based on."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"the notes are now at version {current_version}")
        self.current_version = current_version


def note_for(room: AgendaItem) -> BreakoutNote | None:
    return db.session.scalar(select(BreakoutNote).where(BreakoutNote.agenda_item_id == room.id))


def save_note(
    room: AgendaItem,
    content: NoteContent,
    *,
    based_on: int,
    user: User | None,
    now: datetime,
    submit: bool = False,
    autosave: bool = False,
) -> BreakoutNote:
    """Save the notes if nobody saved since `based_on` (0 = there were no notes yet).

    The version check runs twice: here against what this session read, and in the
    UPDATE itself (WHERE version = read), so a save racing another one is refused with
    NoteConflict rather than silently overwriting it. Only a submit marks the notes
    submitted; any other save makes them a draft again until they are re-submitted.
    """
    if submit and any(not quote.get("consent") for quote in content.quotes):
        raise ValueError("submitted notes hold only quotes whose speaker agreed")
    note = note_for(room)
    current = note.version if note is not None else 0
    if based_on != current:
        raise NoteConflict(current)
    if note is None:
        note = BreakoutNote(agenda_item=room, created_at=now)
        db.session.add(note)
    note.questions = list(content.questions)
    note.summary = content.summary
    note.themes = list(content.themes)
    note.actions = [dict(a) for a in content.actions]
    note.quotes = [{"text": q["text"], "consent": bool(q.get("consent"))} for q in content.quotes]
    note.head_count = content.head_count
    note.status = NoteStatus.SUBMITTED.value if submit else NoteStatus.DRAFT.value
    if submit:
        note.submitted_at = now
    note.updated_by = user
    note.updated_at = now
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as exc:
        raise NoteConflict(-1) from exc

    latest = db.session.scalar(
        select(BreakoutNoteVersion)
        .where(BreakoutNoteVersion.note_id == note.id)
        .order_by(BreakoutNoteVersion.version.desc())
        .limit(1)
    )
    stored = NoteContent.from_note(note).as_dict()
    if (
        autosave
        and latest is not None
        and latest.autosave
        and latest.status == NoteStatus.DRAFT
        and user is not None
        and latest.saved_by_id == user.id
        and now - latest.saved_at < AUTOSAVE_MERGE_WINDOW
    ):
        latest.version = note.version
        latest.content = stored
        latest.saved_at = now
    else:
        db.session.add(
            BreakoutNoteVersion(
                note=note,
                version=note.version,
                content=stored,
                status=note.status,
                autosave=autosave,
                saved_by=user,
                saved_at=now,
            )
        )
    db.session.flush()
    return note


def note_versions(note: BreakoutNote) -> list[BreakoutNoteVersion]:
    return list(
        db.session.scalars(
            select(BreakoutNoteVersion)
            .where(BreakoutNoteVersion.note_id == note.id)
            .order_by(BreakoutNoteVersion.version.desc())
        )
    )


def note_version(note: BreakoutNote, version: int) -> BreakoutNoteVersion | None:
    return db.session.scalar(
        select(BreakoutNoteVersion).where(
            BreakoutNoteVersion.note_id == note.id, BreakoutNoteVersion.version == version
        )
    )


def last_submitted(note: BreakoutNote) -> BreakoutNoteVersion | None:
    return db.session.scalar(
        select(BreakoutNoteVersion)
        .where(
            BreakoutNoteVersion.note_id == note.id,
            BreakoutNoteVersion.status == NoteStatus.SUBMITTED,
        )
        .order_by(BreakoutNoteVersion.version.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class RoomNotes:
    room: AgendaItem
    state: str  # not_started | draft | submitted | changed
    label: str
    note: BreakoutNote | None


NOTE_STATE_LABELS = {
    "not_started": "Not started",
    "draft": "Draft",
    "submitted": "Submitted",
    "changed": "Changed since it was submitted",
}


def notes_overview(gathering: Gathering) -> list[RoomNotes]:
    """Each room's notes state, so organisers see at a glance who has not submitted."""
    rooms = gathering.breakouts
    notes = {
        note.agenda_item_id: note
        for note in db.session.scalars(
            select(BreakoutNote).where(BreakoutNote.agenda_item_id.in_([r.id for r in rooms]))
        )
    }
    result = []
    for room in rooms:
        note = notes.get(room.id)
        if note is None:
            state = "not_started"
        elif note.status == NoteStatus.SUBMITTED:
            state = "submitted"
        elif note.submitted_at is not None:
            state = "changed"
        else:
            state = "draft"
        result.append(RoomNotes(room=room, state=state, label=NOTE_STATE_LABELS[state], note=note))
    return result


def notes_for_report(gathering_id: int, breakout_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Submitted notes as plain values for the steering committee's report. Notes edited
    after submission still count with what was last submitted."""
    if not breakout_ids:
        return []
    notes = db.session.scalars(
        select(BreakoutNote)
        .join(AgendaItem, AgendaItem.id == BreakoutNote.agenda_item_id)
        .where(
            AgendaItem.gathering_id == gathering_id,
            BreakoutNote.agenda_item_id.in_(list(breakout_ids)),
        )
        .order_by(BreakoutNote.agenda_item_id)
    )
    rows = []
    for note in notes:
        if note.status == NoteStatus.SUBMITTED:
            content = NoteContent.from_note(note)
        else:
            submitted = last_submitted(note)
            if submitted is None:
                continue
            content = NoteContent.from_dict(submitted.content)
        rows.append(
            {
                "agenda_item_id": note.agenda_item_id,
                "summary_html": render_markdown(content.summary),
                "themes": list(content.themes),
                "actions": [
                    {
                        "text": a["text"],
                        "owner": a["owner"],
                        "steering": a["for_steering"],
                        "for_steering": a["for_steering"],
                    }
                    for a in content.actions
                ],
                "quotes": [q["text"] for q in content.quotes if q["consent"]],
                "head_count": content.head_count,
            }
        )
    return rows


def _consented(quotes: object) -> list:
    return [q for q in quotes or [] if isinstance(q, dict) and q.get("consent")]


def drop_unconsented_quotes(gathering_id: int) -> int:
    """Retention: a draft keeps quotes whose speaker has not agreed (yet); the report
    never shows them, so they go, from the notes and from every saved version. Returns
    how many went."""
    dropped = 0
    notes = db.session.scalars(
        select(BreakoutNote)
        .join(AgendaItem, AgendaItem.id == BreakoutNote.agenda_item_id)
        .where(AgendaItem.gathering_id == gathering_id)
    )
    for note in notes:
        kept = _consented(note.quotes)
        if len(kept) != len(note.quotes or []):
            dropped += len(note.quotes or []) - len(kept)
            note.quotes = kept
        for version in note.versions:
            content = dict(version.content or {})
            kept = _consented(content.get("quotes"))
            if len(kept) != len(content.get("quotes") or []):
                content["quotes"] = kept
                version.content = content
    return dropped
