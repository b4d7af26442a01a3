"""Accessibility needs followed through: each need a registration gave becomes a request
that someone owns, arranges, confirms to the person, delivers and learns about; and the
public's feedback about barriers."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.choices import Choice
from app.extensions import db
from app.models.core import Gathering, Registration, User, UTCDateTime, utcnow


class AccommodationStatus(Choice):
    REQUESTED = "requested", "Requested"
    ARRANGED = "arranged", "Arranged"
    CONFIRMED = "confirmed", "Confirmed to the participant"
    DELIVERED = "delivered", "Delivered on the day"
    EVALUATED = "evaluated", "Evaluated"


class AccommodationOutcome(Choice):
    WORKED = "worked", "Yes, it worked"
    PARTLY = "partly", "Partly"
    DID_NOT = "did_not", "No, it did not work"


class AccommodationRequest(db.Model):
    __tablename__ = "accommodation_requests"
    __table_args__ = (UniqueConstraint("registration_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    # app.needs.NEED_KINDS: captions, asl, plain_language, other.
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=AccommodationStatus.REQUESTED.value)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    arrangement: Mapped[str] = mapped_column(Text, default="")
    arranged_by: Mapped[str] = mapped_column(String(200), default="")
    arranged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # False when the organiser told the person another way (a call) and sent no email.
    confirmed_by_email: Mapped[bool] = mapped_column(default=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20), default="")
    outcome_comment: Mapped[str] = mapped_column(Text, default="")
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    gathering: Mapped[Gathering] = relationship()
    registration: Mapped[Registration] = relationship()
    owner: Mapped[User | None] = relationship()


class FeedbackStatus(Choice):
    NEW = "new", "New"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"


class AccessibilityFeedback(db.Model):
    """A barrier someone told us about through the public feedback page."""

    __tablename__ = "accessibility_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int | None] = mapped_column(
        ForeignKey("gatherings.id", ondelete="SET NULL"), index=True
    )
    page: Mapped[str] = mapped_column(String(500), default="")
    barrier: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(20), default=FeedbackStatus.NEW.value)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    gathering: Mapped[Gathering | None] = relationship()
