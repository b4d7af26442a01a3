"""A community of practice and what lives between its gatherings: the steering
committee's recommendations, certificates of attendance and representation targets."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.choices import Choice
from app.extensions import db
from app.models.breakouts import BreakoutNote
from app.models.core import Gathering, Registration, User, UTCDateTime, utcnow
from app.models.privacy import DEFAULT_RETENTION_MONTHS


class Community(db.Model):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    short_description: Mapped[str] = mapped_column(Text, default="")
    # Months after a gathering ends until its personal data is erased (app.privacy).
    retention_months: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_RETENTION_MONTHS, server_default=str(DEFAULT_RETENTION_MONTHS)
    )
    # ErasureRequests: how a participant's own request to be erased is carried out.
    erasure_requests: Mapped[str] = mapped_column(
        String(20), default="organiser", server_default="organiser"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecommendationStatus(Choice):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DECLINED = "declined", "Declined"


CLOSED_STATUSES = frozenset({RecommendationStatus.DONE, RecommendationStatus.DECLINED})


class Recommendation(db.Model):
    """An action a breakout flagged for the steering committee, tracked until it is done
    or declined. `source_key` (a hash of the action's text) keeps one row per action of a
    note, however often the note is submitted again."""

    __tablename__ = "recommendations"
    __table_args__ = (UniqueConstraint("source_note_id", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), index=True
    )
    source_note_id: Mapped[int | None] = mapped_column(
        ForeignKey("breakout_notes.id", ondelete="SET NULL")
    )
    source_key: Mapped[str] = mapped_column(String(64), default="")
    source_label: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200), default="")
    # Who owns it on the public "You said, we did" page: an organisation or a role, never
    # a person's name ("" reads "The steering committee").
    public_owner: Mapped[str] = mapped_column(String(200), default="", server_default="")
    status: Mapped[str] = mapped_column(String(20), default=RecommendationStatus.PROPOSED.value)
    due_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    gathering: Mapped[Gathering] = relationship()
    source_note: Mapped[BreakoutNote | None] = relationship()
    updates: Mapped[list["RecommendationUpdate"]] = relationship(
        back_populates="recommendation",
        order_by="(RecommendationUpdate.created_at.desc(), RecommendationUpdate.id.desc())",
        cascade="all, delete-orphan",
    )

    @property
    def latest_update(self) -> "RecommendationUpdate | None":
        return self.updates[0] if self.updates else None


class RecommendationUpdate(db.Model):
    """A dated step: the status it set, what happened, and a link to the evidence."""

    __tablename__ = "recommendation_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship()


class CertificateSettings(db.Model):
    """Per gathering: whether attendance is final (certificates can be downloaded), whether
    a participant must answer the survey first, and the accreditation wording."""

    __tablename__ = "certificate_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), unique=True
    )
    attendance_final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    require_survey: Mapped[bool] = mapped_column(Boolean, default=False)
    accreditation_statement: Mapped[str] = mapped_column(Text, default="")
    credits_per_hour: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    gathering: Mapped[Gathering] = relationship()


class Certificate(db.Model):
    """One issued PDF. Only the SHA-256 of its verification code is kept; the figures are
    those printed on it, so the verification page confirms exactly what the PDF says."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    minutes: Mapped[int] = mapped_column(Integer)
    credits: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The name as printed: renaming oneself later does not change what was certified.
    printed_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The code is rebuilt from this and the secret key, so a second download reprints
    # the same certificate (only the code's hash is kept); "" for certificates from before.
    code_nonce: Mapped[str] = mapped_column(String(32), default="", server_default="")

    registration: Mapped[Registration] = relationship()


class CertificateRunStatus(Choice):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Preparing"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class CertificateRun(db.Model):
    """One preparation of a gathering's certificates ZIP, made by a job. The ZIP is kept in
    the row (`content`, loaded only when asked for), as report PDFs are, so any web server
    serves it. It stands for the gathering as its two versions were when the run began:
    once a registration or attendance record changes, it is out of date, is never served
    again, and the sweep drops its bytes (it names people, some of whom may have asked to
    be erased)."""

    __tablename__ = "certificate_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=CertificateRunStatus.QUEUED.value)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(80), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    facts_version: Mapped[int] = mapped_column(Integer, default=0)
    attendance_version: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str] = mapped_column(String(200), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    gathering: Mapped[Gathering] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status in (CertificateRunStatus.QUEUED, CertificateRunStatus.RUNNING)

    @property
    def is_ready(self) -> bool:
        return self.status == CertificateRunStatus.DONE


class TargetDimension(Choice):
    HEALTH_REGION = "health_region", "Health region"
    ORGANISATION_TYPE = "organisation_type", "Organisation type"


class TargetKind(Choice):
    COUNT = "count", "Number of people"
    SHARE = "share", "Share of registrations (%)"


class RepresentationTarget(db.Model):
    """How many people (or what share of registrations) the organisers hope to hear from
    one health region or one kind of organisation."""

    __tablename__ = "representation_targets"
    __table_args__ = (UniqueConstraint("gathering_id", "dimension", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), index=True
    )
    dimension: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10), default=TargetKind.COUNT.value)
    value: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
