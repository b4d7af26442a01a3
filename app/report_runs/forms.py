"""Forms of the reports page: buttons that change something carry only CSRF and a choice."""

from flask_wtf import FlaskForm
from wtforms import RadioField

from app.forms_common import select_options
from app.reporting.context import COMMITTEE, SHAREABLE

VARIANT_CHOICES = select_options(
    [
        (COMMITTEE, "Committee version (internal, exact counts)"),
        (SHAREABLE, "Shareable version (small counts suppressed)"),
    ]
)


class GenerateForm(FlaskForm):
    variant = RadioField("Version", choices=VARIANT_CHOICES, default=COMMITTEE)


class EmailForm(FlaskForm):
    """Only the CSRF token: the recipients come from configuration."""
