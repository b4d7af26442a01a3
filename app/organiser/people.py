"""What an organiser does for one registrant. Every rule about capacity, the waitlist,
rooms and locks lives in the registration and breakouts services; these functions call
them and add what only an organiser does (attendance marks, erasure)."""

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.breakouts.assignment import move_person
from app.choices import RegistrationStatus
from app.extensions import db
from app.models import (
    AgendaItem,
    AttendanceRecord,
    AttendanceSource,
    EventKind,
    MailStatus,
    ManageToken,
    OutboundEmail,
    Registration,
)
from app.models.accommodations import AccommodationRequest
from app.models.attendance import dedupe_key
from app.organiser.history import record
from app.registration import services as registration_services


class ActionRefused(Exception):
    """The message is shown to the organiser."""


def _not_erased(registration: Registration) -> None:
    if registration.erased_at is not None:
        raise ActionRefused("This registration was erased; only its anonymous count remains.")


def cancel(registration: Registration, *, now: datetime) -> list[Registration]:
    """Returns who got a place from the waitlist; nobody is emailed here."""
    _not_erased(registration)
    if registration.status == RegistrationStatus.CANCELLED:
        raise ActionRefused(f"{registration.name} is already cancelled.")
    return registration_services.cancel(registration, now=now)


def give_place(registration: Registration, *, over_capacity: bool, now: datetime) -> None:
    _not_erased(registration)
    if registration.status != RegistrationStatus.WAITLISTED:
        raise ActionRefused(f"{registration.name} is not on the waitlist.")
    registration_services.promote(registration, now=now, over_capacity=over_capacity)


def move_room(registration: Registration, room: AgendaItem | None, *, now: datetime) -> bool:
    _not_erased(registration)
    return move_person(registration, room, now=now)


def resend_link(registration: Registration, *, actor_id: int | None, now: datetime) -> None:
    _not_erased(registration)
    if registration.status == RegistrationStatus.CANCELLED:
        raise ActionRefused("A cancelled registration has no private link to send.")
    registration_services.resend_manage_link(registration)
    record(registration, EventKind.LINK_RESENT, actor_id=actor_id, now=now)


def _manual_key(registration: Registration) -> str:
    return dedupe_key(
        gathering_id=registration.gathering_id,
        agenda_item_id=None,
        source=AttendanceSource.MANUAL.value,
        registration_id=registration.id,
    )


def marked_attended(registration: Registration) -> bool:
    return (
        db.session.scalar(
            select(AttendanceRecord.id).where(
                AttendanceRecord.dedupe_key == _manual_key(registration)
            )
        )
        is not None
    )


def mark_attended(
    registration: Registration, attended: bool, *, actor_id: int | None, now: datetime
) -> None:
    """A manual record for the whole gathering, long enough to meet the attendance rule;
    removing the mark leaves check-ins and imported reports as they are."""
    _not_erased(registration)
    gathering = registration.gathering
    key = _manual_key(registration)
    existing = db.session.scalar(select(AttendanceRecord).where(AttendanceRecord.dedupe_key == key))
    if attended and existing is None:
        minutes = max(
            int((gathering.ends_at - gathering.starts_at).total_seconds() // 60),
            gathering.attendance_threshold_minutes,
        )
        mark = AttendanceRecord(
            gathering_id=gathering.id,
            agenda_item_id=None,
            registration_id=registration.id,
            source=AttendanceSource.MANUAL.value,
            minutes=minutes,
            recorded_by_id=actor_id,
            dedupe_key=key,
            created_at=now,
            updated_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(mark)
        except IntegrityError:
            # Another organiser marked them at the same moment: their mark stands.
            return
        record(registration, EventKind.ATTENDED, actor_id=actor_id, now=now)
    elif not attended and existing is not None:
        db.session.delete(existing)
        record(registration, EventKind.NOT_ATTENDED, actor_id=actor_id, now=now)
    db.session.flush()


ERASED_NAME = "Erased registrant"


def erase(
    registration: Registration,
    *,
    actor_id: int | None,
    now: datetime,
    keep_identity_codes: bool = False,
) -> None:
    """Remove what identifies the person; keep what the counts need (status, region,
    organisation type, role, room, attendance). Their private links stop working, the
    copies of emails sent to them lose address, subject and text, and what was still
    waiting to go out is given up. The retention sweep keeps the Indigenous identity
    codes (`keep_identity_codes`), which the report counts, so a report made again after
    it shows the same numbers; a person's own request drops them."""
    _not_erased(registration)
    registration.name = ERASED_NAME
    registration.email = f"erased-{registration.id}@erased.invalid"
    registration.organisation_name = ""
    registration.accessibility_needs = ""
    if not keep_identity_codes:
        registration.indigenous_identity = ""
    registration.territory = ""
    registration.hsda = None
    registration.consent_followup_at = None
    registration.erased_at = now
    db.session.execute(delete(ManageToken).where(ManageToken.registration_id == registration.id))
    db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.registration_id == registration.id)
        .values(
            to_address=registration.email,
            subject="(erased on request)",
            text_body="(erased on request)",
            html_body="<p>(erased on request)</p>",
            attachments_json="[]",
            render_args=None,
        )
        .execution_options(synchronize_session=False)
    )
    # What was still waiting to go out never goes.
    db.session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.registration_id == registration.id,
            OutboundEmail.status.in_([MailStatus.QUEUED.value, MailStatus.FAILED.value]),
        )
        .values(status=MailStatus.FAILED.value, next_attempt_at=None, last_error="erased")
        .execution_options(synchronize_session=False)
    )
    # What the person and organisers wrote about their accommodation; the kind and
    # outcome stay as counts.
    db.session.execute(
        update(AccommodationRequest)
        .where(AccommodationRequest.registration_id == registration.id)
        .values(arrangement="", arranged_by="", outcome_comment="")
        .execution_options(synchronize_session=False)
    )
    record(registration, EventKind.ERASED, actor_id=actor_id, now=now)
    db.session.flush()
