"""Who we invited, and what the video meeting's own reports add: poll results and the
questions asked in Q&A."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.core import AgendaItem, Gathering, UTCDateTime, utcnow


class Invitee(db.Model):
    """A person on a gathering's invitation list. Registered or not is worked out by the
    address (normalised as registrations' are), so a later registration links itself."""

    __tablename__ = "invitees"
    __table_args__ = (UniqueConstraint("gathering_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(ForeignKey("gatherings.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254))
    organisation_name: Mapped[str] = mapped_column(String(200), default="")
    organisation_type: Mapped[str] = mapped_column(String(40), default="")
    health_region: Mapped[str] = mapped_column(String(40), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    reminder_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    gathering: Mapped[Gathering] = relationship()


class InvitationOptOut(db.Model):
    """An address that asked never to be invited again, by any gathering. It holds the
    address's SHA-256 alone, so the list itself names no one."""

    __tablename__ = "invitation_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InviteeUpload(db.Model):
    """An uploaded invitation list waiting for its columns to be confirmed. Nothing
    reaches the list until then; the file is dropped once imported or discarded."""

    __tablename__ = "invitee_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(ForeignKey("gatherings.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PollResult(db.Model):
    """How many people gave one answer to one poll question of an agenda item. Only the
    counts are kept: who answered what is dropped when the report is read."""

    __tablename__ = "poll_results"
    __table_args__ = (Index("ix_poll_results_item", "gathering_id", "agenda_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(ForeignKey("gatherings.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    poll: Mapped[str] = mapped_column(String(300), default="")
    question: Mapped[str] = mapped_column(Text)
    question_position: Mapped[int] = mapped_column(Integer, default=0)
    respondents: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[str] = mapped_column(Text)
    answer_position: Mapped[int] = mapped_column(Integer, default=0)
    count: Mapped[int] = mapped_column(Integer, default=0)

    agenda_item: Mapped[AgendaItem] = relationship()


class QaQuestion(db.Model):
    """A question asked in the meeting's Q&A, without who asked it. Organisers choose
    which to include in the notes."""

    __tablename__ = "qa_questions"
    __table_args__ = (Index("ix_qa_questions_item", "gathering_id", "agenda_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(ForeignKey("gatherings.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    included: Mapped[bool] = mapped_column(default=False)

    agenda_item: Mapped[AgendaItem] = relationship()
