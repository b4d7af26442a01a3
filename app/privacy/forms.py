"""The retention settings of a community, and the buttons of the privacy pages."""

from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from app.forms_common import BaseForm, select_options
from app.models import ErasureRequests

MIN_RETENTION_MONTHS = 1
MAX_RETENTION_MONTHS = 120


class RetentionForm(BaseForm):
    """One per community on the page; a prefix keeps every field's id unique."""

    retention_months = IntegerField(
        "Months to keep personal data after a gathering",
        validators=[
            InputRequired("Enter a number of months."),
            NumberRange(
                MIN_RETENTION_MONTHS,
                MAX_RETENTION_MONTHS,
                f"Enter a number of months from {MIN_RETENTION_MONTHS} to {MAX_RETENTION_MONTHS}.",
            ),
        ],
        description="After this, names, email addresses and everything people typed are "
        "erased; the counts stay for the reports.",
    )
    erasure_requests = SelectField(
        "When a participant asks to be erased",
        choices=select_options(ErasureRequests.choices()),
    )


class ButtonForm(BaseForm):
    """A button that changes something: only the CSRF token."""
