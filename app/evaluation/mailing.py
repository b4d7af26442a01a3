"""Who is invited to the survey (the audience, by app.facts) and the invitation and
reminder emails."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask import render_template
from sqlalchemy import select

from app import timefmt
from app.evaluation.links import ensure_invitation, invitation_token
from app.evaluation.setup import SurveyError
from app.extensions import db
from app.facts import gathering_facts
from app.models import Gathering, Registration
from app.models.evaluation import (
    Survey,
    SurveyInvitation,
)
from app.outbound.mail import queue_email
from app.outbound.public_links import public_url
from app.reach import reachable, reachable_registrations


class Audience(StrEnum):
    ATTENDEES = "attendees"
    CONFIRMED = "confirmed"
    BOTH = "both"


AUDIENCE_LABELS = {
    Audience.ATTENDEES: "People who attended (by the attendance threshold)",
    Audience.CONFIRMED: "Everyone with a confirmed registration",
    Audience.BOTH: "Both: attendees and everyone confirmed",
}


def audience_ids(gathering: Gathering, audience: Audience) -> set[int]:
    """People who attended and/or everyone registered, by app.facts.rules."""
    facts = gathering_facts(gathering)
    ids: set[int] = set()
    if audience in (Audience.ATTENDEES, Audience.BOTH):
        ids |= facts.attended_ids
    if audience in (Audience.CONFIRMED, Audience.BOTH):
        ids |= facts.registered_ids
    return ids


@dataclass
class MailingOutcome:
    sent: int = 0
    already: int = 0
    no_consent: int = 0
    # The first message queued (to, subject, text): the confirm page shows it.
    example: dict[str, str] | None = None

    def message(self, verb: str) -> str:
        parts = [f"{self.sent} {verb} queued"]
        if self.already:
            parts.append(f"{self.already} skipped (already invited)")
        if self.no_consent:
            parts.append(
                f"{self.no_consent} skipped (did not agree to be contacted after the gathering)"
            )
        return "; ".join(parts) + "."


def _queue_survey_email(
    invitation: SurveyInvitation, *, kind: str, subject: str, now: datetime, cause: str = ""
) -> dict[str, str]:
    survey = invitation.survey
    gathering = survey.gathering
    registration = invitation.registration
    zone = gathering.timezone
    context = {
        "name": registration.name,
        "gathering_title": gathering.title,
        "date": timefmt.long_date(gathering.starts_at, zone),
        "survey_title": survey.title,
        "survey_url": public_url("evaluation.survey", token=invitation_token(invitation)),
        "closes": (
            f"{timefmt.long_date(survey.closes_at, zone)} at "
            f"{timefmt.clock(survey.closes_at, zone)} {timefmt.zone_short(zone, survey.closes_at)}"
            if survey.closes_at
            else ""
        ),
        "contact_name": gathering.contact_name,
        "contact_email": gathering.contact_email,
        "contact_phone": gathering.contact_phone,
    }
    text = render_template(f"evaluation/email/{kind}.txt", **context)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    email = queue_email(
        to=registration.email,
        subject=f"{subject} – {gathering.title}",
        text=text,
        html=render_template(f"evaluation/email/{kind}.html", **context),
        kind=f"survey_{kind}",
        registration_id=registration.id,
        reply_to=gathering.contact_email,
        now=now,
        cause=cause,
    )
    return {"to": email.to_address, "subject": email.subject, "text": text}


def _require_open(survey: Survey, now: datetime) -> None:
    if survey.state(now) not in ("open", "scheduled"):
        raise SurveyError("Open the survey before sending its link.")


def send_invitations(
    survey: Survey, *, audience: Audience, consented_only: bool, now: datetime, cause: str = ""
) -> MailingOutcome:
    """Email the personal link to everyone in the audience who has not had it yet."""
    _require_open(survey, now)
    outcome = MailingOutcome()
    ids = audience_ids(survey.gathering, audience)
    if not ids:
        return outcome
    people = db.session.scalars(
        reachable_registrations(survey.gathering_id, statuses=None)
        .where(Registration.id.in_(ids))
        .order_by(Registration.id)
    ).all()
    for registration in people:
        if consented_only and registration.consent_followup_at is None:
            outcome.no_consent += 1
            continue
        invitation = ensure_invitation(survey, registration)
        if invitation.invited_at is not None or invitation.responded:
            outcome.already += 1
            continue
        db.session.flush()
        example = _queue_survey_email(
            invitation, kind="invitation", subject="Tell us how it went", now=now, cause=cause
        )
        outcome.example = outcome.example or example
        invitation.invited_at = now
        outcome.sent += 1
    return outcome


def send_reminders(survey: Survey, *, now: datetime, cause: str = "") -> MailingOutcome:
    """Remind invited people who have not answered; nobody else."""
    if survey.state(now) != "open":
        raise SurveyError("Reminders can only go out while the survey is open.")
    outcome = MailingOutcome()
    pending = db.session.scalars(
        select(SurveyInvitation)
        .join(Registration, Registration.id == SurveyInvitation.registration_id)
        .where(
            reachable(statuses=None),
            SurveyInvitation.survey_id == survey.id,
            SurveyInvitation.invited_at.is_not(None),
            SurveyInvitation.responded.is_(False),
        )
        .order_by(SurveyInvitation.id)
    ).all()
    for invitation in pending:
        example = _queue_survey_email(
            invitation,
            kind="reminder",
            subject="Reminder: tell us how it went",
            now=now,
            cause=cause,
        )
        outcome.example = outcome.example or example
        invitation.reminded_at = now
        invitation.reminder_count += 1
        outcome.sent += 1
    return outcome
