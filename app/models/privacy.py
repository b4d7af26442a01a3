"""What the privacy office asks for: an erasure log and a log of who looked at personal
data. Neither holds personal data of participants: counts, codes and staff account ids."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.choices import Choice
from app.extensions import db
from app.models.core import Gathering, User, UTCDateTime, utcnow

DEFAULT_RETENTION_MONTHS = 24


class ErasureRequests(Choice):
    """What happens when a participant asks, from their private page, to be erased."""

    ORGANISER_CONFIRMS = "organiser", "An organiser confirms each request"
    AFTER_GATHERING = "automatic", "Erased automatically once the gathering is over"


class ErasureReason(Choice):
    RETENTION = "retention", "Retention period ended"
    REQUEST = "request", "Participant's request"
    ORGANISER = "organiser", "Erased by an organiser"


class ErasureLogEntry(db.Model):
    """One erasure: when, why, for which gathering and how many rows of each kind.
    `counts` maps a kind ("registrations", "walk_ins", "emails"...) to a number."""

    __tablename__ = "erasure_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int | None] = mapped_column(
        ForeignKey("gatherings.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(String(20))
    people: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    gathering: Mapped[Gathering | None] = relationship()
    actor: Mapped[User | None] = relationship()


class PersonalDataView(Choice):
    """What an organiser opened or downloaded; the codes are stable, the labels human."""

    REGISTRANT = "registrant", "A registrant's page"
    REGISTRANT_LIST = "registrant_list", "Registrant list with emails"
    EXPORT_CSV = "export_csv", "Registrant export (CSV)"
    EXPORT_XLSX = "export_xlsx", "Registrant export (XLSX)"
    ACCESSIBILITY = "accessibility", "A registrant's page, with accessibility needs"
    OUTREACH_CSV = "outreach_csv", "Outreach list (CSV)"
    ERASURE_REQUESTS = "erasure_requests", "Erasure requests"
    CERTIFICATES = "certificates", "Certificates: attendees by name"
    ATTENDANCE_REVIEW = "attendance_review", "Attendance upload in review, by name"
    CONTRIBUTORS = "contributors", "Contributors and honoraria"
    CONTRIBUTOR = "contributor", "A contributor's plan"
    FINANCE_CSV = "finance_csv", "Honoraria for finance (CSV)"
    INVITATION_LIST = "invitation_list", "Invitation list (CSV)"
    ACCOMMODATIONS = "accommodations", "Accommodation requests, with names and needs"
    ACCESSIBILITY_FEEDBACK = "accessibility_feedback", "Accessibility feedback, with contacts"


class AccessLogEntry(db.Model):
    """An organiser's view or export of personal data: who, when, what, how many people.
    `detail` names the filter or the registrant's row id, never a name or address."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_gathering_created", "gathering_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    gathering_id: Mapped[int | None] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE")
    )
    what: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(200), default="")
    people: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User | None] = relationship()
    gathering: Mapped[Gathering | None] = relationship()
