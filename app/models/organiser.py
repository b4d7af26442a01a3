"""What organisers do to and for registrants: each registrant's history, messages to
groups of people, scheduled reminders and the editable wording of the standard emails."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.choices import Choice
from app.extensions import db
from app.models.core import Gathering, Registration, User, UTCDateTime, utcnow
from app.models.mail import OutboundEmail


class EventKind(Choice):
    REGISTERED = "registered", "Registered"
    WAITLISTED = "waitlisted", "Put on the waitlist"
    PROMOTED = "promoted", "Given a place from the waitlist"
    EDITED = "edited", "Registration edited"
    ROOM = "room", "Breakout room changed"
    CANCELLED = "cancelled", "Cancelled"
    REREGISTERED = "reregistered", "Registered again"
    ATTENDED = "attended", "Marked as attended"
    NOT_ATTENDED = "not_attended", "Attendance mark removed"
    LINK_RESENT = "link_resent", "Private link sent again"
    ERASED = "erased", "Personal data erased"


class RegistrantEvent(db.Model):
    """One line of a registrant's history. `detail` never holds personal data (it
    survives erasure): room titles, field names and who acted."""

    __tablename__ = "registrant_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship()
    actor: Mapped[User | None] = relationship()


class Message(db.Model):
    """An email an organiser wrote to a segment of registrants."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    segment: Mapped[str] = mapped_column(String(200))
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the organiser chose to add around their words (shown in the preview).
    greeting: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    title_in_subject: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # sent | scheduled (goes at scheduled_for, to the audience as it is then) | cancelled
    status: Mapped[str] = mapped_column(String(20), default="sent", server_default="sent")
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    audience: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    gathering: Mapped[Gathering] = relationship()
    sent_by: Mapped[User | None] = relationship()


class MessageTemplate(db.Model):
    """A message an organiser saved to write again (for any gathering)."""

    __tablename__ = "message_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    greeting: Mapped[bool] = mapped_column(Boolean, default=False)
    title_in_subject: Mapped[bool] = mapped_column(Boolean, default=False)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageRecipient(db.Model):
    """Who a message went to; the unique pair is what makes "each person once" hold."""

    __tablename__ = "message_recipients"
    __table_args__ = (UniqueConstraint("message_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    outbound_email_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_emails.id", ondelete="SET NULL")
    )

    message: Mapped[Message] = relationship()
    registration: Mapped[Registration] = relationship()
    outbound_email: Mapped[OutboundEmail | None] = relationship()


class Reminder(db.Model):
    """A reminder `days_before` the gathering; `sent_at` is set once, by the sweep that
    claims it."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("gathering_id", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), index=True
    )
    days_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)

    gathering: Mapped[Gathering] = relationship()


class EmailTemplate(db.Model):
    """An organiser's own wording for one standard email of one gathering."""

    __tablename__ = "email_templates"
    __table_args__ = (UniqueConstraint("gathering_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
