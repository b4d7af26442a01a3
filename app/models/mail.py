"""The outbox: every email is a row first, written in the same transaction as the change
that causes it, so an SMTP outage delays mail but never loses it."""

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.core import Registration, UTCDateTime, utcnow


class MailStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by one worker; the claim lapses if that worker dies
    SENT = "sent"
    FAILED = "failed"  # retried at next_attempt_at; no next attempt means it gave up


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def encode_attachments(attachments: list[Attachment]) -> str:
    """How attachments are stored in `attachments_json`."""
    return json.dumps(
        [
            {
                "filename": item.filename,
                "mimetype": item.mimetype,
                "content": base64.b64encode(item.content).decode("ascii"),
            }
            for item in attachments
        ]
    )


class OutboundEmail(db.Model):
    __tablename__ = "outbound_emails"
    __table_args__ = (Index("ix_outbound_emails_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    attachments_json: Mapped[str] = mapped_column(Text, default="[]")
    kind: Mapped[str] = mapped_column(String(40))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=MailStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the delivery job needs to render a message the request only recorded (the
    # template's subject, the invite method, the raw manage token); None once rendered.
    render_args: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What the organiser did that queued it, in words ("Agenda changed: Welcome"), so the
    # outbox can say why each message is there.
    cause: Mapped[str] = mapped_column(String(200), default="", server_default="")

    registration: Mapped[Registration | None] = relationship()

    @property
    def attachments(self) -> list[Attachment]:
        return [
            Attachment(
                filename=item["filename"],
                content=base64.b64decode(item["content"]),
                mimetype=item["mimetype"],
            )
            for item in json.loads(self.attachments_json or "[]")
        ]

    @attachments.setter
    def attachments(self, value: list[Attachment]) -> None:
        self.attachments_json = encode_attachments(value)

    @property
    def gave_up(self) -> bool:
        return self.status == MailStatus.FAILED and self.next_attempt_at is None
