"""What an organiser reviews before the report is generated: the key messages and the
themes suggested from breakout notes and open survey answers."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.choices import Choice
from app.extensions import db
from app.models.core import UTCDateTime, utcnow


class KeyMessageSet(db.Model):
    """One gathering's key messages, one per line. Approved when approved_at is set;
    any later edit makes them a draft again."""

    __tablename__ = "report_key_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), unique=True
    )
    text: Mapped[str] = mapped_column(Text, default="")
    # Lines printed in the committee version only (they may hold small numbers).
    committee_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]

    @property
    def committee_lines(self) -> list[str]:
        return [line.strip() for line in (self.committee_text or "").splitlines() if line.strip()]


class ThemeStatus(Choice):
    SUGGESTED = "suggested", "Not reviewed yet"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    MERGED = "merged", "Merged"


class ReportTheme(db.Model):
    """A theme suggested from the gathering's texts, and the organiser's decision.

    `passages` are the texts behind it: [{"kind": "summary" | "action" | "quote" |
    "answer", "breakout": agenda item id or None, "text": str, "weight": float}]."""

    __tablename__ = "report_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    suggested_label: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=ThemeStatus.SUGGESTED.value)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("report_themes.id", ondelete="SET NULL")
    )
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    passages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
