"""Gatherings, their agenda, registrations and the accounts of the people who run them."""

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.choices import AgendaKind, RegistrationStatus, UserRole, engagement_level_for
from app.extensions import db

if TYPE_CHECKING:
    from app.models.community import Community


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_uid() -> str:
    return str(uuid.uuid4())


class UTCDateTime(db.TypeDecorator):
    """Stores UTC instants and always hands back timezone-aware datetimes.

    SQLite keeps no zone, so values are normalised to UTC on the way in and tagged
    as UTC on the way out; PostgreSQL gets a timestamptz column.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=UserRole.ORGANISER.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the id kept in the session cookie: raising it ends every session at once.
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"


class Gathering(db.Model):
    __tablename__ = "gatherings"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="America/Vancouver")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None] = mapped_column(Integer)
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    land_acknowledgement: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_title: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    contact_address: Mapped[str] = mapped_column(String(300), default="")
    attendance_threshold_minutes: Mapped[int] = mapped_column(Integer, default=10)
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Rise with every write to the gathering's registrations and survey links, and to its
    # attendance records (app.facts.changes).
    facts_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attendance_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), index=True
    )
    # None while a draft (staff only); organisers' new gatherings start as drafts.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the retention sweep erased the gathering's personal data (app.privacy).
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    community: Mapped["Community | None"] = relationship()
    agenda_items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="gathering",
        order_by="(AgendaItem.starts_at, AgendaItem.id)",
        cascade="all, delete-orphan",
    )

    @property
    def active_agenda(self) -> list["AgendaItem"]:
        return [item for item in self.agenda_items if item.removed_at is None]

    @property
    def breakouts(self) -> list["AgendaItem"]:
        return [item for item in self.active_agenda if item.kind == AgendaKind.BREAKOUT]

    def registration_state(self, now: datetime) -> str:
        """'not_open', 'open' or 'closed' for the registration window at `now`."""
        if self.registration_opens_at and now < self.registration_opens_at:
            return "not_open"
        if self.registration_closes_at and now >= self.registration_closes_at:
            return "closed"
        if now >= self.ends_at:
            return "closed"
        return "open"


def _usual_engagement_level(context) -> str:
    return engagement_level_for(context.get_current_parameters().get("kind") or "")


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(ForeignKey("gatherings.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default=AgendaKind.PLENARY.value)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    presenter: Mapped[str] = mapped_column(String(200), default="")
    priority_area: Mapped[str | None] = mapped_column(String(40))
    # An EngagementLevel code (IAP2): how much say participants have in this item.
    engagement_level: Mapped[str] = mapped_column(
        String(20), default=_usual_engagement_level, server_default="inform"
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    room_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    calendar_uid: Mapped[str] = mapped_column(String(80), unique=True, default=new_uid)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    gathering: Mapped[Gathering] = relationship(back_populates="agenda_items")

    @property
    def is_breakout(self) -> bool:
        return self.kind == AgendaKind.BREAKOUT


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("gathering_id", "email"),
        # One gathering's people are listed, counted, sorted and searched in SQL: by
        # status and name (check-in's lists), region, date, and the folded name and
        # address (a covering index: search as you type reads no row).
        Index("ix_registrations_gathering_status", "gathering_id", "status", "name"),
        Index("ix_registrations_gathering_region", "gathering_id", "health_region"),
        Index("ix_registrations_gathering_created", "gathering_id", "created_at"),
        Index(
            "ix_registrations_gathering_search",
            "gathering_id",
            "folded_name",
            "folded_email",
            "status",
        ),
        # The people who may be acted for (app.reach.reachable), by status: counted
        # from the index alone (check-in counts the thousands a plenary expects). The
        # erasure columns are in it rather than a WHERE: a partial index needs each
        # dialect's keyword, and naming PostgreSQL's imports that whole dialect at every
        # start-up, on SQLite too.
        Index(
            "ix_registrations_reachable",
            "gathering_id",
            "status",
            "erased_at",
            "erasure_requested_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(ForeignKey("gatherings.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    # Name and address folded (case, accents, apostrophes) for check-in's search in SQL;
    # app.attendance.checkin keeps them in step with name and email.
    folded_name: Mapped[str] = mapped_column(Text, default="", server_default="")
    folded_email: Mapped[str] = mapped_column(Text, default="", server_default="")
    role: Mapped[str] = mapped_column(String(40))
    organisation_name: Mapped[str] = mapped_column(String(200))
    organisation_type: Mapped[str] = mapped_column(String(40))
    health_region: Mapped[str] = mapped_column(String(40))
    hsda: Mapped[str | None] = mapped_column(String(4))
    first_choice_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    second_choice_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    assigned_breakout_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"), index=True
    )
    accessibility_needs: Mapped[str] = mapped_column(Text, default="")
    # Space-separated IndigenousIdentity codes, exactly as the person chose; "" = skipped.
    indigenous_identity: Mapped[str] = mapped_column(String(120), default="")
    territory: Mapped[str] = mapped_column(String(200), default="")
    consent_collection_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=RegistrationStatus.CONFIRMED.value)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the person's personal data was erased on request: the row stays as an
    # anonymous count (status, region, organisation type, role, attendance).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the person asked, from their private page, to be erased.
    erasure_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    calendar_uid: Mapped[str] = mapped_column(String(80), unique=True, default=new_uid)
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    gathering: Mapped[Gathering] = relationship()
    first_choice: Mapped[AgendaItem | None] = relationship(foreign_keys=[first_choice_id])
    second_choice: Mapped[AgendaItem | None] = relationship(foreign_keys=[second_choice_id])
    assigned_breakout: Mapped[AgendaItem | None] = relationship(foreign_keys=[assigned_breakout_id])
    manage_tokens: Mapped[list["ManageToken"]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )

    @property
    def identity_codes(self) -> list[str]:
        return self.indigenous_identity.split()

    @property
    def breakout_for_invite(self) -> AgendaItem | None:
        """The room the person goes to: their assignment, else their first choice."""
        return self.assigned_breakout or self.first_choice


class ManageToken(db.Model):
    """A private manage link. Several may be live, one per message that carried one;
    only the SHA-256 of each is stored."""

    __tablename__ = "manage_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="manage_tokens")
