"""The people who give a gathering their time beyond attending (Elders and Knowledge
Keepers, patient and family partners, speakers, facilitators, note-takers), how each is
recognised, and the honorarium schedule a community pays by."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.choices import Choice
from app.extensions import db
from app.models.core import AgendaItem, Gathering, Registration, UTCDateTime, utcnow


class ContributorRole(Choice):
    ELDER = "elder", "Elder or Knowledge Keeper"
    PATIENT_PARTNER = "patient_partner", "Patient or family partner"
    SPEAKER = "speaker", "Speaker"
    FACILITATOR = "facilitator", "Facilitator"
    NOTE_TAKER = "note_taker", "Note-taker"


class Recognition(Choice):
    HONORARIUM = "honorarium", "Honorarium"
    DECLINED = "declined", "Declined payment"
    NOT_APPLICABLE = "not_applicable", "Not applicable (salaried or paid otherwise)"


class HonorariumLevel(Choice):
    """Depth of involvement, after the patient-partner recognition guidance used in
    Canadian health-system engagement: the deeper the involvement, the higher the rate."""

    SHARE = "share", "Sharing experience (a story, a presentation, a panel)"
    ADVISE = "advise", "Advising (discussion, review, a working group)"
    LEAD = "lead", "Co-leading (co-design, co-facilitation, co-chairing)"
    CEREMONY = "ceremony", "Ceremony and teaching (Elders and Knowledge Keepers)"


HONORARIUM_LEVEL_SHORT = {
    HonorariumLevel.SHARE: "sharing experience",
    HonorariumLevel.ADVISE: "advising",
    HonorariumLevel.LEAD: "co-leading",
    HonorariumLevel.CEREMONY: "ceremony and teaching",
}

# CAD cents per hour, used until a community sets its own.
DEFAULT_RATES = {
    HonorariumLevel.SHARE: 2500,
    HonorariumLevel.ADVISE: 3500,
    HonorariumLevel.LEAD: 5000,
    HonorariumLevel.CEREMONY: 10000,
}


class ContributorStatus(Choice):
    AGREED = "agreed", "Agreed"
    DELIVERED = "delivered", "Delivered on the day"
    PAID = "paid", "Paid"
    THANKED = "thanked", "Thanked"


class PaymentMethod(Choice):
    CHEQUE = "cheque", "Cheque"
    ETRANSFER = "etransfer", "Interac e-Transfer"
    DIRECT_DEPOSIT = "direct_deposit", "Direct deposit"
    GIFT_CARD = "gift_card", "Gift card"
    CASH = "cash", "Cash (with receipt)"


contributor_agenda_items = Table(
    "contributor_agenda_items",
    db.metadata,
    Column(
        "contributor_id",
        ForeignKey("contributors.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "agenda_item_id",
        ForeignKey("agenda_items.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class HonorariumRate(db.Model):
    """One community's hourly rate for one engagement level (community_id None: the
    organisation's own schedule, for gatherings that belong to no community)."""

    __tablename__ = "honorarium_rates"
    __table_args__ = (UniqueConstraint("community_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(20))
    hourly_cents: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Contributor(db.Model):
    """Amounts are kept in cents; the honorarium is worked out from the schedule when the
    plan is saved and then stays as agreed, whatever the schedule later becomes."""

    __tablename__ = "contributors"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    role: Mapped[str] = mapped_column(String(20))
    recognition: Mapped[str] = mapped_column(String(20), default=Recognition.HONORARIUM.value)
    honorarium_level: Mapped[str | None] = mapped_column(String(20))
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    honorarium_cents: Mapped[int] = mapped_column(Integer, default=0)
    expenses_claimed_cents: Mapped[int] = mapped_column(Integer, default=0)
    expenses_approved_cents: Mapped[int] = mapped_column(Integer, default=0)
    # Elders and Knowledge Keepers: the protocol agreed with them in advance.
    protocol_honorarium: Mapped[bool] = mapped_column(Boolean, default=False)
    protocol_gift: Mapped[bool] = mapped_column(Boolean, default=False)
    protocol_tobacco: Mapped[bool] = mapped_column(Boolean, default=False)
    support_person: Mapped[str] = mapped_column(String(200), default="")
    preparation_call_on: Mapped[date | None] = mapped_column(Date)
    # Exactly as they wish it written ("Elder ...", their Nation in their own words).
    preferred_name: Mapped[str] = mapped_column(String(200), default="")
    nation: Mapped[str] = mapped_column(String(200), default="")
    named_in_thanks: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=ContributorStatus.AGREED.value)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_method: Mapped[str] = mapped_column(String(20), default="")
    payment_reference: Mapped[str] = mapped_column(String(100), default="")
    thanked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    gathering: Mapped[Gathering] = relationship()
    registration: Mapped[Registration | None] = relationship()
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        secondary=contributor_agenda_items, order_by=(AgendaItem.starts_at, AgendaItem.id)
    )

    @property
    def is_elder(self) -> bool:
        return self.role == ContributorRole.ELDER

    @property
    def written_name(self) -> str:
        return self.preferred_name or self.name

    @property
    def payable_cents(self) -> int:
        honorarium = self.honorarium_cents if self.recognition == Recognition.HONORARIUM else 0
        return honorarium + self.expenses_approved_cents
