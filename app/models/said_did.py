"""'You said, we did': a gathering's public page of what became of its recommendations,
shown only once an organiser publishes it, and the participants who asked to hear when it
changes (at most one digest a week)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.core import Gathering, Registration, UTCDateTime, utcnow


class SaidDidPage(db.Model):
    __tablename__ = "said_did_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), unique=True
    )
    intro: Mapped[str] = mapped_column(Text, default="")
    # None: not public (the page and its feed answer 404).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    gathering: Mapped[Gathering] = relationship()


class SaidDidSubscription(db.Model):
    """A participant who agreed to follow-up contact and asked to be emailed when the page
    changes; `last_sent_at` keeps the digest to one a week at most."""

    __tablename__ = "said_did_subscriptions"
    __table_args__ = (UniqueConstraint("gathering_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    subscribed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship()
