"""Who the pages, emails and the report speak for: the organisation's name, contacts,
accent colour and logo, as the organisers saved them (app.organisation edits them).

Every page shows them, so they are kept per process rather than read per request: read
again after BRANDING_REFRESH_SECONDS, or at once in the process that saved a change
(`forget`). Another worker process shows a saved change within that delay."""

import time
from dataclasses import dataclass

from flask import current_app, g, has_app_context
from sqlalchemy import select

from app.extensions import db
from app.models import OrganisationSettings

DEFAULT_ACCENT = "#0b5c8a"
REFRESH_SECONDS = 30


@dataclass(frozen=True)
class Organisation:
    name: str = "BC Perinatal Community of Practice"
    short_name: str = "Perinatal CoP"
    contact_email: str = "perinatal.cop@example.org"
    contact_phone: str = "604-555-0100"
    accent_colour: str = DEFAULT_ACCENT
    has_logo: bool = False
    version: int = 0


def settings_row() -> OrganisationSettings | None:
    return db.session.scalar(select(OrganisationSettings).order_by(OrganisationSettings.id))


def load_organisation() -> Organisation:
    row = settings_row()
    if row is None:
        return Organisation()
    return Organisation(
        name=row.name,
        short_name=row.short_name,
        contact_email=row.contact_email,
        contact_phone=row.contact_phone,
        accent_colour=row.accent_colour,
        has_logo=row.logo is not None,
        version=row.version,
    )


def current_organisation() -> Organisation:
    """The organisation as last read by this process (a plain frozen value)."""
    if not has_app_context():
        return Organisation()
    if "organisation" in g:  # the page for a lost database (app.errors) reads nothing
        return g.organisation
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    kept = app.extensions.get("branding")
    now = time.monotonic()
    refresh = app.config.get("BRANDING_REFRESH_SECONDS", REFRESH_SECONDS)
    if kept is None or now - kept[1] >= refresh:
        kept = (load_organisation(), now)
        app.extensions["branding"] = kept
    return kept[0]


def forget() -> None:
    """After a change of the settings: the next page reads them again."""
    if has_app_context():
        current_app.extensions.pop("branding", None)
