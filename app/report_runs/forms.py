"""Forms of the reports page: buttons that change something carry only CSRF and a choice."""

from wtforms import RadioField

from app.forms_common import BaseForm, select_options
from app.reporting.context import COMMITTEE, SHAREABLE

VARIANT_CHOICES = select_options(
    [
        (COMMITTEE, "Committee version (internal, exact counts)"),
        (SHAREABLE, "Shareable version (small counts suppressed)"),
    ]
)


class GenerateForm(BaseForm):
    variant = RadioField("Version", choices=VARIANT_CHOICES, default=COMMITTEE)


class EmailForm(BaseForm):
    """Only the CSRF token: the recipients come from configuration."""
