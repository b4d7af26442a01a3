"""The people of an upload waiting for review: one row each, not a JSON blob, so a
large report stays compact and the review page reads only the rows it shows."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.core import UTCDateTime


class ImportPerson(db.Model):
    """One person of an upload, as matched and merged. While the upload is pending
    every person is here; once imported only the ambiguous and unmatched stay, with
    the ``decision`` taken (``reg:<id>``, ``walk_in`` or ``skip``), so the upload's
    page can name them."""

    __tablename__ = "attendance_import_people"
    __table_args__ = (UniqueConstraint("batch_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("attendance_import_batches.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(Text, default="")
    upn: Mapped[str] = mapped_column(Text, default="")
    seconds: Mapped[int] = mapped_column(Integer, default=0)
    first_join: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_leave: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows: Mapped[int] = mapped_column(Integer, default=1)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL")
    )
    matched_by: Mapped[str | None] = mapped_column(String(10))
    candidate_ids: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(String(20), default="")

    @property
    def candidates(self) -> tuple[int, ...]:
        return tuple(int(i) for i in self.candidate_ids.split(",") if i)
