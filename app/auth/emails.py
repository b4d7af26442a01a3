"""Emails about staff accounts: an invitation to set a password, and a reset link. Both
only queue a message in the current session (app.outbound.mail.queue_email)."""

from datetime import datetime

from flask import render_template

from app.auth.links import LIFETIMES, issue_link_token
from app.branding import current_organisation
from app.choices import UserRole
from app.models import TokenPurpose, User
from app.outbound.mail import queue_email
from app.outbound.public_links import public_url


def _hours(purpose: TokenPurpose) -> int:
    return int(LIFETIMES[purpose].total_seconds() // 3600)


def _send(
    user: User, purpose: TokenPurpose, *, template: str, subject: str, now: datetime, **extra
) -> None:
    token = issue_link_token(user, purpose, now=now)
    organisation = current_organisation()
    context = {
        "name": user.name or user.email,
        "gathering_title": organisation.name,
        "link": public_url("auth.choose_password", token=token),
        "hours": _hours(purpose),
        "role_label": UserRole.label_for(user.role),
        "sign_in_url": public_url("auth.login"),
        "contact_email": organisation.contact_email,
        "contact_phone": organisation.contact_phone,
        "contact_name": organisation.short_name,
        **extra,
    }
    queue_email(
        to=user.email,
        subject=subject,
        text=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context),
        kind=purpose.value,
        now=now,
    )


def queue_invitation(
    user: User, *, now: datetime, invited_by: User | None = None, rooms: list[str] = ()
) -> None:
    organisation = current_organisation()
    _send(
        user,
        TokenPurpose.INVITATION,
        template="account_invitation",
        subject=f"You are invited to the {organisation.short_name} gathering pages",
        now=now,
        invited_by=(invited_by.name or invited_by.email) if invited_by else "",
        rooms=list(rooms),
    )


def queue_password_reset(user: User, *, now: datetime) -> None:
    _send(
        user,
        TokenPurpose.PASSWORD_RESET,
        template="password_reset",
        subject="Set a new password",
        now=now,
    )
