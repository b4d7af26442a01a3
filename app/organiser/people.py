"""What an organiser does for one registrant. Every rule about capacity, the waitlist,
rooms and locks lives in the registration and breakouts services; these functions call
them and add what only an organiser does (attendance marks, erasure)."""

from datetime import datetime

from sqlalchemy import String, cast, delete, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from app.attendance.names import fold_text
from app.breakouts.assignment import move_person
from app.choices import RegistrationStatus
from app.extensions import db
from app.facts.changes import gatherings_changed, in_gatherings
from app.models import (
    AgendaItem,
    AttendanceRecord,
    AttendanceSource,
    Certificate,
    EventKind,
    MailStatus,
    ManageToken,
    OutboundEmail,
    RegistrantEvent,
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


ERASE_BATCH = 500


def erase(
    registration: Registration,
    *,
    actor_id: int | None,
    now: datetime,
    keep_identity_codes: bool = False,
) -> None:
    """Remove what identifies the person; keep what the counts need (status, region,
    organisation type, role, room, attendance). See `erase_registrations`."""
    _not_erased(registration)
    erase_registrations(
        registration.gathering_id,
        [registration.id],
        actor_id=actor_id,
        now=now,
        keep_identity_codes=keep_identity_codes,
    )
    db.session.expire(registration)


def _erased_address(id_column) -> object:
    return literal("erased-") + cast(id_column, String) + literal("@erased.invalid")


def erase_registrations(
    gathering_id: int,
    registration_ids: list[int],
    *,
    actor_id: int | None,
    now: datetime,
    keep_identity_codes: bool = False,
) -> int:
    """The one erasure, for one person or a whole gathering's people at once (the
    retention sweep), in a few statements per batch: names, addresses, organisations,
    needs, territories and HSDAs go; private links stop working; the copies of emails
    sent to them lose address, subject and text, and what was still waiting to go out is
    given up; what was written about their accommodations goes. The retention sweep keeps
    the Indigenous identity codes (`keep_identity_codes`), which the report counts, so a
    report made again after it shows the same numbers; a person's own request drops them.
    Rows already erased are left alone. Returns how many were erased."""
    erased = 0
    values = {
        "name": ERASED_NAME,
        "folded_name": fold_text(ERASED_NAME),
        "email": _erased_address(Registration.id),
        "folded_email": _erased_address(Registration.id),
        "organisation_name": "",
        "accessibility_needs": "",
        "territory": "",
        "hsda": None,
        "consent_followup_at": None,
        "erased_at": now,
        "updated_at": now,
    }
    if not keep_identity_codes:
        values["indigenous_identity"] = ""
    for start in range(0, len(registration_ids), ERASE_BATCH):
        ids = db.session.scalars(
            select(Registration.id).where(
                Registration.id.in_(registration_ids[start : start + ERASE_BATCH]),
                Registration.gathering_id == gathering_id,
                Registration.erased_at.is_(None),
            )
        ).all()
        if not ids:
            continue
        erased += len(ids)
        quiet = {"synchronize_session": False}
        db.session.execute(
            update(Registration).where(Registration.id.in_(ids)).values(**values),
            execution_options={**quiet, **in_gatherings(gathering_id)},
        )
        db.session.execute(
            delete(ManageToken).where(ManageToken.registration_id.in_(ids)),
            execution_options=quiet,
        )
        db.session.execute(
            update(OutboundEmail)
            .where(OutboundEmail.registration_id.in_(ids))
            .values(
                to_address=_erased_address(OutboundEmail.registration_id),
                subject="(erased on request)",
                text_body="(erased on request)",
                html_body="<p>(erased on request)</p>",
                attachments_json="[]",
                render_args=None,
            ),
            execution_options=quiet,
        )
        # Certificates stay verifiable as documents of record, without the name.
        db.session.execute(
            update(Certificate)
            .where(Certificate.registration_id.in_(ids))
            .values(printed_name=ERASED_NAME),
            execution_options=quiet,
        )
        # What was still waiting to go out never goes.
        db.session.execute(
            update(OutboundEmail)
            .where(
                OutboundEmail.registration_id.in_(ids),
                OutboundEmail.status.in_([MailStatus.QUEUED.value, MailStatus.FAILED.value]),
            )
            .values(status=MailStatus.FAILED.value, next_attempt_at=None, last_error="erased"),
            execution_options=quiet,
        )
        # What the person and organisers wrote about their accommodation; the kind and
        # outcome stay as counts.
        db.session.execute(
            update(AccommodationRequest)
            .where(AccommodationRequest.registration_id.in_(ids))
            .values(arrangement="", arranged_by="", outcome_comment=""),
            execution_options=quiet,
        )
        db.session.execute(
            insert(RegistrantEvent),
            [
                {
                    "registration_id": id_,
                    "kind": EventKind.ERASED.value,
                    "detail": "",
                    "actor_id": actor_id,
                    "created_at": now,
                }
                for id_ in ids
            ],
        )
    if erased:
        gatherings_changed(db.session, [gathering_id])
    return erased
