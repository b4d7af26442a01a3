"""A participant's own data: everything held about them, as plain sections for a page
and a JSON download, and their request to be erased."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.choices import (
    HSDA,
    HealthRegion,
    IndigenousIdentity,
    OrganisationType,
    RegistrationStatus,
    Role,
)
from app.extensions import db
from app.models import (
    AttendanceRecord,
    AttendanceSource,
    Certificate,
    EventKind,
    ManageToken,
    OutboundEmail,
    RegistrantEvent,
    Registration,
    SurveyInvitation,
)
from app.outbound import notifications
from app.privacy.retention import erase_requested
from app.privacy_log import redact
from app.privacy_records.periods import retention_for
from app.registration import services as registration_services
from app.timefmt import clock, long_date, zone_short


def _when(moment: datetime | None) -> datetime | None:
    return moment


def as_json(data: dict[str, Any]) -> str:
    """The download: times in UTC as ISO 8601."""
    import json

    def encode(value: object) -> str:
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return json.dumps(data, indent=2, ensure_ascii=False, default=encode)


def readable(value: object, zone: str) -> str:
    """One value as the page shows it: times in the gathering's zone, yes or no, a dash
    for nothing."""
    if isinstance(value, datetime):
        return f"{long_date(value, zone)}, {clock(value, zone)} {zone_short(zone, value)}"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if value is None or value == "":
        return "—"
    return str(value)


def everything_about(registration: Registration) -> dict[str, Any]:
    """What the database holds about this person, in their words: field labels, choice
    labels, times as they are stored (UTC). Copies of emails keep their text with private links
    hidden, so the file is safe to keep."""
    gathering = registration.gathering
    registration_fields = {
        "Name": registration.name,
        "Email address": registration.email,
        "Role": Role.label_for(registration.role),
        "Organisation": registration.organisation_name,
        "Organisation type": OrganisationType.label_for(registration.organisation_type),
        "Health region": HealthRegion.label_for(registration.health_region),
        "Health service delivery area": HSDA.label_for(registration.hsda),
        "First choice of breakout": registration.first_choice.title
        if registration.first_choice
        else "",
        "Second choice of breakout": registration.second_choice.title
        if registration.second_choice
        else "",
        "Assigned breakout room": registration.assigned_breakout.title
        if registration.assigned_breakout
        else "",
        "Accessibility or accommodation needs": registration.accessibility_needs,
        "Indigenous identity": ", ".join(
            IndigenousIdentity.label_for(code) for code in registration.identity_codes
        ),
        "Territory": registration.territory,
        "Status": RegistrationStatus.label_for(registration.status),
        "Agreed to this collection": _when(registration.consent_collection_at),
        "Agreed to be contacted after the gathering": _when(registration.consent_followup_at),
        "Put on the waitlist": _when(registration.waitlisted_at),
        "Cancelled": _when(registration.cancelled_at),
        "Registered": _when(registration.created_at),
        "Last changed": _when(registration.updated_at),
        "Asked to be erased": _when(registration.erasure_requested_at),
    }
    attendance = [
        {
            "Session": record.agenda_item.title if record.agenda_item else "The whole gathering",
            "Recorded from": AttendanceSource.label_for(record.source),
            "Minutes": record.minutes,
            "First joined": _when(record.first_join),
            "Last left": _when(record.last_leave),
        }
        for record in db.session.scalars(
            select(AttendanceRecord)
            .where(AttendanceRecord.registration_id == registration.id)
            .order_by(AttendanceRecord.id)
        )
    ]
    emails = [
        {
            "Subject": email.subject,
            "Sent to": email.to_address,
            "Queued": _when(email.created_at),
            "Sent": _when(email.sent_at),
            "Text": redact(email.text_body),
        }
        for email in db.session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.registration_id == registration.id)
            .order_by(OutboundEmail.created_at, OutboundEmail.id)
        )
    ]
    history = [
        {
            "When": _when(event.created_at),
            "What": EventKind.label_for(event.kind),
            "Detail": event.detail,
        }
        for event in db.session.scalars(
            select(RegistrantEvent)
            .where(RegistrantEvent.registration_id == registration.id)
            .order_by(RegistrantEvent.created_at, RegistrantEvent.id)
        )
    ]
    invitations = db.session.scalars(
        select(SurveyInvitation).where(SurveyInvitation.registration_id == registration.id)
    ).all()
    survey = {
        "Invited to the evaluation survey": bool(invitations),
        "Answered it": any(invitation.responded for invitation in invitations),
        "Note": "Survey answers are stored without any link to you, so they cannot be "
        "listed here or told apart from other people's.",
    }
    certificates = [
        {
            "Issued": _when(certificate.issued_at),
            "Minutes": certificate.minutes,
            "Credits": str(certificate.credits) if certificate.credits is not None else "",
        }
        for certificate in db.session.scalars(
            select(Certificate)
            .where(Certificate.registration_id == registration.id)
            .order_by(Certificate.id)
        )
    ]
    live_links = len(
        db.session.scalars(
            select(ManageToken.id).where(ManageToken.registration_id == registration.id)
        ).all()
    )
    retention = retention_for(gathering)
    return {
        "Gathering": {
            "Title": gathering.title,
            "Starts": _when(gathering.starts_at),
            "Ends": _when(gathering.ends_at),
        },
        "Your registration": registration_fields,
        "Attendance": attendance,
        "Emails we sent you": emails,
        "History of your registration": history,
        "Evaluation survey": survey,
        "Certificates": certificates,
        "Private links": {
            "Working private links to your registration page": live_links,
            "Note": "Only a fingerprint of each link is stored, never the link itself.",
        },
        "How long we keep it": {
            "Months after the gathering": retention.months,
            "Note": "After that your name, email address, organisation and everything you "
            "typed are erased; only anonymous counts stay.",
        },
    }


@dataclass(frozen=True)
class ErasureOutcome:
    erased_now: bool
    cancelled: bool


class ErasureRefused(Exception):
    """The message is shown to the participant."""


def request_erasure(registration: Registration, *, now: datetime) -> ErasureOutcome:
    """The participant's own request. Before the gathering it also cancels their place
    (without an email: they asked for it on the page), so someone on the waitlist can have
    it. Where the community lets requests go through without an organiser and the gathering
    is over, the person is erased at once; otherwise an organiser confirms it."""
    if registration.erased_at is not None:
        raise ErasureRefused("This registration was already erased.")
    if registration.erasure_requested_at is not None:
        raise ErasureRefused("You have already asked for your data to be erased.")
    cancelled = False
    if (
        registration.status != RegistrationStatus.CANCELLED
        and now < registration.gathering.starts_at
    ):
        # Cancelling takes the gathering's lock, which must come before any other write.
        for person in registration_services.cancel(registration, now=now):
            # The waitlist promised each of them an email when a place opened.
            notifications.promoted(person, cause="A place opened when someone cancelled")
        cancelled = True
    registration.erasure_requested_at = now
    gathering = registration.gathering
    if retention_for(gathering).automatic_requests and now >= gathering.ends_at:
        erase_requested(registration, actor_id=None, now=now)
        return ErasureOutcome(erased_now=True, cancelled=cancelled)
    db.session.flush()
    return ErasureOutcome(erased_now=False, cancelled=cancelled)
