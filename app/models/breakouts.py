"""Who runs each breakout room, and the structured notes they keep with their history."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.choices import Choice
from app.extensions import db
from app.models.core import AgendaItem, User, UTCDateTime, utcnow


class StaffRole(Choice):
    FACILITATOR = "facilitator", "Facilitator"
    NOTE_TAKER = "note_taker", "Note-taker"


class NoteStatus(Choice):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class BreakoutStaff(db.Model):
    """A facilitator account given one job (facilitate or take notes) in one room."""

    __tablename__ = "breakout_staff"
    __table_args__ = (UniqueConstraint("agenda_item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=StaffRole.FACILITATOR.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agenda_item: Mapped[AgendaItem] = relationship()
    user: Mapped[User] = relationship()


class BreakoutNote(db.Model):
    """The notes of one breakout room. `version` is SQLAlchemy's version counter: every
    UPDATE says WHERE version = <the one read>, so of two racing saves only one lands."""

    __tablename__ = "breakout_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), unique=True
    )
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"text": str, "owner": str, "for_steering": bool}]
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{"text": str, "consent": bool}]: a draft keeps what was typed; submitted notes and
    # the report hold only quotes whose speaker agreed.
    quotes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    head_count: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=NoteStatus.DRAFT.value)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agenda_item: Mapped[AgendaItem] = relationship()
    updated_by: Mapped[User | None] = relationship()
    versions: Mapped[list["BreakoutNoteVersion"]] = relationship(
        back_populates="note",
        order_by="BreakoutNoteVersion.version.desc()",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}


class BreakoutNoteVersion(db.Model):
    """A saved state of the notes. Autosaves by the same person within a few minutes
    refresh their own latest row instead of piling up; explicit saves always add one."""

    __tablename__ = "breakout_note_versions"
    __table_args__ = (UniqueConstraint("note_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(
        ForeignKey("breakout_notes.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=NoteStatus.DRAFT.value)
    autosave: Mapped[bool] = mapped_column(Boolean, default=False)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    note: Mapped[BreakoutNote] = relationship(back_populates="versions")
    saved_by: Mapped[User | None] = relationship()
