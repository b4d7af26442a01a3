"""Stored summary reports: every generated PDF is kept, with who made it and its checksum."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.choices import Choice
from app.extensions import db
from app.models.core import Gathering, User, UTCDateTime, utcnow


class ReportStatus(Choice):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Generating"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class ReportRun(db.Model):
    """One generation of the summary report. The PDF is kept in the row (`content`, loaded
    only when asked for), so any web server serves it; the row also keeps what a reader
    needs to trust it (variant, time, author, SHA-256)."""

    __tablename__ = "report_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), index=True
    )
    variant: Mapped[str] = mapped_column(String(20))
    page_size: Mapped[str] = mapped_column(String(10), default="Letter")
    threshold: Mapped[int] = mapped_column(Integer, default=5)
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.QUEUED.value)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(80), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    gathering: Mapped[Gathering] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def is_ready(self) -> bool:
        return self.status == ReportStatus.DONE.value
