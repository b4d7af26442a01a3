"""Forms of the meeting bridge."""

import re

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import Length, ValidationError

from app.forms_common import BaseForm

_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def split_domains(text: str) -> list[str]:
    return [part.lower().lstrip("@") for part in re.split(r"[\s,;]+", text or "") if part]


class AccountDomainsForm(BaseForm):
    """Read from the page's address (a GET form): nothing is saved, so no CSRF token."""

    class Meta:
        csrf = False

    domains = StringField(
        "Email domains of the Zoom account that hosts the meeting",
        validators=[Length(max=500)],
        description="For example fraserhealth.ca, gov.bc.ca. People with other addresses can "
        "be pre-assigned only if they join signed in to a Zoom account under that address.",
    )

    def validate_domains(self, field) -> None:
        wrong = [part for part in split_domains(field.data) if not _DOMAIN.fullmatch(part)]
        if wrong:
            raise ValidationError(
                f"“{wrong[0]}” is not an email domain. Write domains like fraserhealth.ca, "
                "separated by commas."
            )


class ZoomReportForm(BaseForm):
    item = SelectField("Agenda item the report belongs to", coerce=str)
    file = FileField(
        "Zoom poll report or Q&A report (CSV)",
        validators=[FileRequired("Choose the report you downloaded from Zoom.")],
        description="From Zoom's web portal: Reports, Meeting, then Poll report or Q&A "
        "report. We keep how many gave each answer, and the questions without who asked.",
    )


class QaChoiceForm(BaseForm):
    """Which Q&A questions go into the report: the checkboxes are read from the form."""
