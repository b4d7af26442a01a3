"""Breakout rooms: who goes where, who runs each room, and the notes they keep.

Plain functions: they change the session and never commit; the caller commits."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.choices import AgendaKind, RegistrationStatus, UserRole
from app.extensions import db
from app.models import (
    AgendaItem,
    BreakoutNote,
    BreakoutNoteVersion,
    BreakoutStaff,
    Gathering,
    NoteStatus,
    Registration,
    StaffRole,
    User,
)

# --- safe Markdown -----------------------------------------------------------------------

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_MARKDOWN.disable(["image", "heading", "lheading"])
_ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "code",
    "pre",
    "hr",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def render_summary(markdown: str | None) -> Markup:
    """Facilitators' Markdown as HTML that is safe anywhere: raw HTML is shown as text,
    images and headings are not rendered, and links keep only http, https and mailto."""
    html = _MARKDOWN.render(markdown or "")
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        url_relative="deny",
        link_rel="noopener noreferrer",
    )
    return Markup(cleaned.strip())  # noqa: S704 - sanitised by nh3 just above


# --- assignment --------------------------------------------------------------------------


class AssignmentRefused(Exception):
    """A manual change that would break a rule; the message is shown to the organiser."""


@dataclass(frozen=True)
class AssignmentResult:
    first_choice: int = 0
    second_choice: int = 0
    other_room: int = 0
    no_room: int = 0
    kept_locked: int = 0
    kept: int = 0
    changed: int = 0


def confirmed_registrations(gathering: Gathering) -> list[Registration]:
    """Confirmed people in the order they registered: earlier registrants get their
    choices first, which keeps the outcome the same however often it is run."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.gathering_id == gathering.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .order_by(Registration.created_at, Registration.id)
        )
    )


def room_counts(gathering: Gathering) -> dict[int, int]:
    """Confirmed people per assigned room."""
    rows = db.session.execute(
        select(Registration.assigned_breakout_id, func.count())
        .where(
            Registration.gathering_id == gathering.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.assigned_breakout_id.is_not(None),
        )
        .group_by(Registration.assigned_breakout_id)
    )
    return {room_id: count for room_id, count in rows}


def _set_room(
    registration: Registration, room: AgendaItem | None, *, now: datetime, notify: bool
) -> None:
    registration.assigned_breakout_id = room.id if room is not None else None
    registration.assigned_breakout = room
    registration.calendar_sequence = (registration.calendar_sequence or 0) + 1
    registration.updated_at = now
    if notify:
        from app import notifications

        notifications.registration_changed(registration)


def assign_automatically(
    gathering: Gathering, *, now: datetime, keep_existing: bool = False, notify: bool = True
) -> AssignmentResult:
    """Place confirmed people in breakout rooms.

    Everyone's first choice is honoured before anyone's second choice, within each room's
    capacity (None means no limit). People with no choice that fits go to the least-full
    open room. Locked rooms keep exactly their members and take nobody new. With
    `keep_existing`, people who already have an open room stay there and only the others
    are placed. Each person whose room changes gets an updated invite.
    """
    rooms = gathering.breakouts
    open_rooms = [room for room in rooms if not room.room_locked]
    locked_ids = {room.id for room in rooms if room.room_locked}
    by_id = {room.id: room for room in open_rooms}
    order = {room.id: index for index, room in enumerate(open_rooms)}
    counts = dict.fromkeys(by_id, 0)
    tally = dict.fromkeys(
        ("first_choice", "second_choice", "other_room", "no_room", "kept_locked", "kept"), 0
    )

    pool: list[Registration] = []
    for registration in confirmed_registrations(gathering):
        current = registration.assigned_breakout_id
        if current in locked_ids:
            tally["kept_locked"] += 1
        elif keep_existing and current in by_id:
            counts[current] += 1
            tally["kept"] += 1
        else:
            pool.append(registration)

    def has_space(room_id: int) -> bool:
        capacity = by_id[room_id].capacity
        return capacity is None or counts[room_id] < capacity

    placed: dict[int, AgendaItem | None] = {}
    for outcome, attribute in (
        ("first_choice", "first_choice_id"),
        ("second_choice", "second_choice_id"),
    ):
        for registration in pool:
            choice = getattr(registration, attribute)
            if registration.id in placed or choice not in by_id or not has_space(choice):
                continue
            placed[registration.id] = by_id[choice]
            counts[choice] += 1
            tally[outcome] += 1

    for registration in pool:
        if registration.id in placed:
            continue
        candidates = [room_id for room_id in by_id if has_space(room_id)]
        if not candidates:
            placed[registration.id] = None
            tally["no_room"] += 1
            continue
        room_id = min(candidates, key=lambda rid: (counts[rid], order[rid]))
        placed[registration.id] = by_id[room_id]
        counts[room_id] += 1
        tally["other_room"] += 1

    changed = 0
    for registration in pool:
        room = placed[registration.id]
        if registration.assigned_breakout_id != (room.id if room is not None else None):
            _set_room(registration, room, now=now, notify=notify)
            changed += 1
    return AssignmentResult(**tally, changed=changed)


def _check_room(gathering: Gathering, room: AgendaItem) -> None:
    if (
        room.gathering_id != gathering.id
        or room.kind != AgendaKind.BREAKOUT
        or room.removed_at is not None
    ):
        raise AssignmentRefused("That breakout room is not part of this gathering.")


def move_person(
    registration: Registration,
    room: AgendaItem | None,
    *,
    now: datetime,
    notify: bool = True,
) -> bool:
    """Move one person by hand (room None = no room). Locked rooms neither lose nor gain
    members, and a full room takes nobody more. Returns whether anything changed."""
    if registration.status != RegistrationStatus.CONFIRMED:
        raise AssignmentRefused(f"{registration.name} is not confirmed, so has no room.")
    current = registration.assigned_breakout
    if room is not None:
        _check_room(registration.gathering, room)
    if (current.id if current else None) == (room.id if room else None):
        return False
    if current is not None and current.room_locked and current.removed_at is None:
        raise AssignmentRefused(
            f"“{current.title}” is locked. Unlock it before moving people out of it."
        )
    if room is not None:
        if room.room_locked:
            raise AssignmentRefused(
                f"“{room.title}” is locked. Unlock it before moving people into it."
            )
        if (
            room.capacity is not None
            and room_counts(registration.gathering).get(room.id, 0) >= room.capacity
        ):
            raise AssignmentRefused(
                f"“{room.title}” is full ({room.capacity} places). Raise its capacity on the "
                "agenda page, or move someone out first."
            )
    _set_room(registration, room, now=now, notify=notify)
    return True


def set_room_locked(room: AgendaItem, locked: bool) -> None:
    room.room_locked = locked


def room_members(room: AgendaItem) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.assigned_breakout_id == room.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .order_by(Registration.name, Registration.id)
        )
    )


def member_names(room: AgendaItem) -> list[str]:
    """What a facilitator may know about their room: names, nothing else."""
    return list(
        db.session.scalars(
            select(Registration.name)
            .where(
                Registration.assigned_breakout_id == room.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .order_by(Registration.name, Registration.id)
        )
    )


def without_room(gathering: Gathering) -> list[Registration]:
    """Confirmed people with no room, or whose room was removed from the agenda."""
    open_ids = [room.id for room in gathering.breakouts]
    return [
        registration
        for registration in confirmed_registrations(gathering)
        if registration.assigned_breakout_id not in open_ids
    ]


# --- staff -------------------------------------------------------------------------------


class StaffRefused(Exception):
    """The message is shown to the organiser."""


def facilitator_accounts() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == UserRole.FACILITATOR, User.active.is_(True))
            .order_by(User.name, User.email)
        )
    )


def add_staff(room: AgendaItem, user: User, role: str) -> BreakoutStaff:
    """Give a facilitator account a job in a room; giving it again changes the job."""
    if user.role != UserRole.FACILITATOR:
        raise StaffRefused("Only facilitator accounts can be given a breakout room.")
    if role not in {r.value for r in StaffRole}:
        raise StaffRefused("Choose facilitator or note-taker.")
    staff = db.session.scalar(
        select(BreakoutStaff).where(
            BreakoutStaff.agenda_item_id == room.id, BreakoutStaff.user_id == user.id
        )
    )
    if staff is None:
        staff = BreakoutStaff(agenda_item=room, user=user, role=role)
        db.session.add(staff)
    else:
        staff.role = role
    return staff


def room_staff(room: AgendaItem) -> list[BreakoutStaff]:
    return list(
        db.session.scalars(
            select(BreakoutStaff)
            .join(User)
            .where(BreakoutStaff.agenda_item_id == room.id)
            .order_by(BreakoutStaff.role, User.name, User.email)
        )
    )


def staffed_rooms(user: User) -> list[AgendaItem]:
    """The rooms a person works in, latest gathering first; organisers see every room."""
    query = select(AgendaItem).where(
        AgendaItem.kind == AgendaKind.BREAKOUT, AgendaItem.removed_at.is_(None)
    )
    if user.role != UserRole.ORGANISER:
        query = query.join(BreakoutStaff, BreakoutStaff.agenda_item_id == AgendaItem.id).where(
            BreakoutStaff.user_id == user.id
        )
    query = query.join(Gathering, Gathering.id == AgendaItem.gathering_id).order_by(
        Gathering.starts_at.desc(), AgendaItem.starts_at, AgendaItem.id
    )
    return list(db.session.scalars(query))


def staff_role(user: User, room: AgendaItem) -> str | None:
    return db.session.scalar(
        select(BreakoutStaff.role).where(
            BreakoutStaff.agenda_item_id == room.id, BreakoutStaff.user_id == user.id
        )
    )


# --- notes -------------------------------------------------------------------------------

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
                {"text": str(q.get("text", "")), "consent": True}
                for q in data.get("quotes") or []
                if q.get("consent")
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
    note.quotes = [{"text": q["text"], "consent": True} for q in content.quotes if q.get("consent")]
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
                "summary_html": render_summary(content.summary),
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
                "quotes": [q["text"] for q in content.quotes],
                "head_count": content.head_count,
            }
        )
    return rows
