"""Who came: check-ins, imported Zoom/Teams reports and the walk-ins among them."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.choices import Choice
from app.extensions import db
from app.models.core import AgendaItem, Gathering, Registration, User, UTCDateTime, utcnow


class AttendanceSource(Choice):
    CHECKIN = "checkin", "Check-in"
    ZOOM = "zoom", "Zoom report"
    TEAMS = "teams", "Teams report"
    MANUAL = "manual", "Entered by an organiser"


class ImportStatus(Choice):
    RECEIVED = "received", "Being read"
    FAILED = "failed", "Could not be read"
    PENDING = "pending", "Waiting for review"
    CONFIRMED = "confirmed", "Imported"
    DISCARDED = "discarded", "Discarded"


class ImportBatch(db.Model):
    """One uploaded report. Received, it keeps the file (compressed, ``upload``) until
    it is read; pending, its matched people wait in ``attendance_import_people`` for
    the review page; confirming writes the records. ``upload`` is deferred, so lists
    of batches never load it."""

    __tablename__ = "attendance_import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE")
    )
    filename: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(10))
    encoding: Mapped[str] = mapped_column(String(20), default="")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default=ImportStatus.PENDING.value)
    upload: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    error: Mapped[str] = mapped_column(Text, default="")
    meeting: Mapped[dict[str, str] | None] = mapped_column(JSON)
    date_order: Mapped[str] = mapped_column(String(4), default="auto")
    date_order_guessed: Mapped[bool] = mapped_column(Boolean, default=False)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    ambiguous: Mapped[int] = mapped_column(Integer, default=0)
    unmatched: Mapped[int] = mapped_column(Integer, default=0)
    walk_ins: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    gathering: Mapped[Gathering] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class AttendanceRecord(db.Model):
    """One person's presence at one agenda item (or the whole gathering) from one source.

    ``dedupe_key`` is unique: one record per gathering, item, source and person (a
    registration, or a walk-in's email or folded name). A second import of a report
    for the same item updates these records instead of adding to them, so the same
    file imported twice never double counts. Minutes from different sources for the
    same item are not added together either: readers take the largest.
    """

    __tablename__ = "attendance_records"
    # Check-in counts and lists one item's check-ins, walk-ins apart, from the index alone.
    __table_args__ = (
        Index("ix_attendance_records_item_source", "agenda_item_id", "source", "registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), index=True
    )
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE")
    )
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    walk_in_name: Mapped[str] = mapped_column(String(200), default="")
    walk_in_email: Mapped[str] = mapped_column(String(254), default="")
    source: Mapped[str] = mapped_column(String(10))
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    first_join: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_leave: Mapped[datetime | None] = mapped_column(UTCDateTime)
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("attendance_import_batches.id", ondelete="SET NULL")
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    gathering: Mapped[Gathering] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    registration: Mapped[Registration | None] = relationship()
    import_batch: Mapped[ImportBatch | None] = relationship()


def dedupe_key(
    *,
    gathering_id: int,
    agenda_item_id: int | None,
    source: str,
    registration_id: int | None = None,
    walk_in_key: str = "",
) -> str:
    """The uniqueness key of a record; walk-ins are told apart by email or folded name."""
    item = agenda_item_id if agenda_item_id is not None else "all"
    who = f"r{registration_id}" if registration_id is not None else f"w:{walk_in_key}"
    return f"{gathering_id}:{item}:{source}:{who}"[:400]


def walk_in_identity(key: str) -> str:
    """The walk-in part of a :func:`dedupe_key` (their email or folded name), so a
    walk-in recorded for several items or by several sources counts once."""
    return key.split(":w:", 1)[1] if ":w:" in key else key
