"""Organisation settings: defaults for the demo, one row once an organiser saves them.

Pages, emails and the report read `app.branding.current_organisation()`, a plain frozen
value (no ORM object reaches a template or the report context)."""

import re

from app import branding
from app.branding import settings_row
from app.extensions import db
from app.models import OrganisationSettings

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# The accent carries link text on the light backgrounds of site.css and white button
# text, so every pairing must reach AA for normal text.
AA_NORMAL_TEXT = 4.5
LIGHT_BACKGROUNDS = ("#ffffff", "#f5f7fa", "#e3f0f7")
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MAX_LOGO_BYTES = 200 * 1024


class SettingsRefused(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def darker(colour: str, factor: float = 0.7) -> str:
    """The hover shade of the accent: the same hue, darker."""
    channels = (round(int(colour[i : i + 2], 16) * factor) for i in (1, 3, 5))
    return "#" + "".join(f"{value:02x}" for value in channels)


def check_accent(colour: str) -> str:
    colour = colour.strip().lower()
    if not HEX_COLOUR.match(colour):
        raise SettingsRefused(
            "accent_colour", "Give the colour as # and six hex digits, like #0b5c8a."
        )
    ratio = min(contrast_ratio(colour, background) for background in LIGHT_BACKGROUNDS)
    if ratio < AA_NORMAL_TEXT:
        raise SettingsRefused(
            "accent_colour",
            f"This colour has a contrast of only {ratio:.1f}:1 with the page's light "
            f"backgrounds; text needs at least {AA_NORMAL_TEXT}:1 (WCAG AA). "
            "Choose a darker colour.",
        )
    return colour


def logo_mimetype(content: bytes) -> str:
    if len(content) > MAX_LOGO_BYTES:
        raise SettingsRefused("logo", "The logo must be at most 200 KB.")
    for magic, mimetype in LOGO_TYPES.items():
        if content.startswith(magic):
            return mimetype
    raise SettingsRefused("logo", "The logo must be a PNG or JPEG image.")


def save_settings(
    *,
    name: str,
    short_name: str,
    contact_email: str,
    contact_phone: str,
    accent_colour: str,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> OrganisationSettings:
    """Check everything first, then write: nothing is half-saved."""
    colour = check_accent(accent_colour)
    mimetype = logo_mimetype(logo) if logo else ""
    row = settings_row()
    if row is None:
        row = OrganisationSettings(version=0, logo_mimetype="")
        db.session.add(row)
    row.name = name
    row.short_name = short_name
    row.contact_email = contact_email
    row.contact_phone = contact_phone
    row.accent_colour = colour
    if logo:
        row.logo, row.logo_mimetype = logo, mimetype
    elif remove_logo:
        row.logo, row.logo_mimetype = None, ""
    row.version = (row.version or 0) + 1
    branding.forget()
    return row


def stored_logo() -> tuple[bytes, str] | None:
    row = settings_row()
    if row is None or row.logo is None:
        return None
    return row.logo, row.logo_mimetype
