"""Personal survey links: derived from a stored nonce and the secret key, so they can
be sent again; only their hash is looked up."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import select

from app.choices import RegistrationStatus
from app.extensions import db
from app.models import Registration
from app.models.evaluation import (
    Survey,
    SurveyInvitation,
)
from app.outbound.tokens import hash_token, new_token, well_formed
from app.reach import reachable


def _raw_token(nonce: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, b"survey-invitation:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def invitation_token(invitation: SurveyInvitation) -> str:
    """The person's raw link token, rebuilt from the stored nonce and the secret key."""
    return _raw_token(invitation.token_nonce)


def ensure_invitation(survey: Survey, registration: Registration) -> SurveyInvitation:
    invitation = db.session.scalar(
        select(SurveyInvitation).where(
            SurveyInvitation.survey_id == survey.id,
            SurveyInvitation.registration_id == registration.id,
        )
    )
    if invitation is None:
        nonce = secrets.token_hex(16)
        invitation = SurveyInvitation(
            survey=survey,
            registration=registration,
            token_nonce=nonce,
            token_hash=hash_token(_raw_token(nonce)),
        )
        db.session.add(invitation)
    return invitation


def find_invitation(raw: str) -> SurveyInvitation | None:
    if not well_formed(raw):
        return None
    return db.session.scalar(
        select(SurveyInvitation)
        .join(Registration, Registration.id == SurveyInvitation.registration_id)
        .where(SurveyInvitation.token_hash == hash_token(raw), reachable(statuses=None))
    )


def may_take_part(registration: Registration, *, present: bool) -> bool:
    """From the manage page: registered people, and anyone who was there without a
    confirmed place (their answers count; they do not count as attended)."""
    return present or registration.status == RegistrationStatus.CONFIRMED


def erase_links(gathering_id: int) -> int:
    """Retention: new random hashes, so the survey links people were sent stop working
    while "invited" still counts. Returns how many links."""
    invitations = db.session.scalars(
        select(SurveyInvitation)
        .join(Survey, Survey.id == SurveyInvitation.survey_id)
        .where(Survey.gathering_id == gathering_id)
    ).all()
    for invitation in invitations:
        invitation.token_nonce = secrets.token_hex(16)
        invitation.token_hash = hash_token(new_token())
    return len(invitations)
