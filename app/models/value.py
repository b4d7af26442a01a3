"""Value created, months later: the follow-up to a gathering's attendees who agreed to be
contacted, asking what came of it (the value-creation cycles) and for a short story.

As with the evaluation survey, anonymity is a property of the schema: ValueInvitation is
the only table that names a registration, and it holds a flag that the person answered,
with no time. ValueResponse carries no registration, a random key, and only the day."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.core import Gathering, Registration, UTCDateTime, utcnow
from app.models.evaluation import random_id


class ValueFollowUp(db.Model):
    """One per gathering: when its follow-up goes out, and whether the organiser has
    confirmed that it may email people then."""

    __tablename__ = "value_followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), unique=True
    )
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # True once the organiser confirmed "this will email N people"; the sweep sends then.
    scheduled: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    gathering: Mapped[Gathering] = relationship()


class ValueInvitation(db.Model):
    """Who was asked (once each) and whether they answered. Never links to the answer."""

    __tablename__ = "value_invitations"
    __table_args__ = (UniqueConstraint("followup_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(
        ForeignKey("value_followups.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded: Mapped[bool] = mapped_column(Boolean, default=False)

    followup: Mapped[ValueFollowUp] = relationship()
    registration: Mapped[Registration] = relationship()


class ValueResponse(db.Model):
    """One person's answer: the value cycles they saw (space-separated ValueCycle codes)
    and, if they wish, a short story, quoted only with their consent."""

    __tablename__ = "value_responses"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    followup_id: Mapped[int] = mapped_column(
        ForeignKey("value_followups.id", ondelete="CASCADE"), index=True
    )
    cycles: Mapped[str] = mapped_column(String(200), default="")
    story: Mapped[str] = mapped_column(Text, default="")
    story_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_on: Mapped[date] = mapped_column(Date)
