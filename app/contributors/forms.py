"""Forms of the contributors' pages. Money and hours are typed as plain text and read
with a strict pattern: a decimal field would take "NaN" and "Infinity"."""

import re
from decimal import Decimal

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, Email, InputRequired, Length, Optional, ValidationError

from app.forms_common import BaseForm, CheckboxesField, select_options
from app.models.contributors import (
    ContributorRole,
    ContributorStatus,
    HonorariumLevel,
    PaymentMethod,
    Recognition,
)

_MONEY = re.compile(r"\$?\s*([0-9]{1,6})(?:\.([0-9]{1,2}))?")
_HOURS = re.compile(r"([0-9]{1,3})(?:\.([0-9]{1,2}))?")
MAX_HOURS = 200


def to_cents(text: str | None) -> int:
    """ "125", "125.5", "$125.50" -> cents; blank -> 0. Call after validation."""
    match = _MONEY.fullmatch((text or "").strip().replace(",", ""))
    if not match:
        return 0
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


def to_minutes(text: str | None) -> int:
    match = _HOURS.fullmatch((text or "").strip())
    if not match:
        return 0
    return round(Decimal(match.group(0)) * 60)


def dollars(cents: int | None) -> str:
    """Cents as a form shows them: "125.50"; zero as ""."""
    return f"{cents / 100:.2f}" if cents else ""


def _money(form, field) -> None:
    text = (field.data or "").strip().replace(",", "")
    if text and not _MONEY.fullmatch(text):
        raise ValidationError("Enter an amount in dollars, like 150 or 150.00.")


def _hours(form, field) -> None:
    text = (field.data or "").strip()
    if not text:
        return
    if not _HOURS.fullmatch(text):
        raise ValidationError("Enter hours as a number, like 2 or 1.5.")
    if Decimal(text) > MAX_HOURS:
        raise ValidationError(f"Enter at most {MAX_HOURS} hours.")


class ContributorForm(BaseForm):
    name = StringField(
        "Name",
        validators=[InputRequired(message="Enter the person's name."), Length(max=200)],
    )
    email = EmailField(
        "Email address",
        validators=[
            Optional(),
            Length(max=254),
            Email("Enter an email address like name@example.ca."),
        ],
        description="Optional; for your own records. Nothing is emailed from this page.",
    )
    role = SelectField("Role", choices=select_options(ContributorRole.choices()))
    registration_id = SelectField(
        "Their registration",
        choices=[],
        description="Optional: link the person's registration, if they registered.",
    )
    agenda_items = CheckboxesField("Agenda items they contribute to", choices=[])
    recognition = SelectField("Recognition", choices=select_options(Recognition.choices()))
    honorarium_level = SelectField(
        "Level of involvement",
        choices=select_options([("", "Choose a level"), *HonorariumLevel.choices()]),
        description="Sets the hourly rate from your community's honorarium schedule.",
    )
    hours = StringField(
        "Hours",
        validators=[_hours],
        description="Include preparation time, for example 2.5.",
    )
    expenses_claimed = StringField(
        "Expenses claimed (CAD)", validators=[_money], description="For example 42.50."
    )
    expenses_approved = StringField("Expenses approved (CAD)", validators=[_money])
    protocol_honorarium = BooleanField("Honorarium")
    protocol_gift = BooleanField("Gift")
    protocol_tobacco = BooleanField("Tobacco")
    support_person = StringField(
        "Support person",
        validators=[Length(max=200)],
        description="Someone who comes with the Elder, if they wish; leave blank if none.",
    )
    preparation_call_on = DateField(
        "Preparation call held on", validators=[Optional()], description="Leave blank until held."
    )
    preferred_name = StringField(
        "Name as they wish it written",
        validators=[Length(max=200)],
        description="Exactly as they asked, for example Elder Mary Jones.",
    )
    nation = StringField(
        "Nation or community, as they wish it written",
        validators=[Length(max=200)],
        description="Optional, only if they wish it mentioned.",
    )
    named_in_thanks = BooleanField(
        "They agreed to be named in the report's thanks",
        description="Both versions of the report thank by name only those who agreed.",
    )
    notes = TextAreaField("Notes for organisers", validators=[Length(max=4000)])

    def validate_honorarium_level(self, field) -> None:
        if self.recognition.data == Recognition.HONORARIUM and not field.data:
            raise ValidationError("Choose the engagement level that sets the rate.")

    def validate_hours(self, field) -> None:
        if self.recognition.data == Recognition.HONORARIUM and not to_minutes(field.data):
            raise ValidationError("Enter the hours the honorarium covers.")

    def validate_expenses_approved(self, field) -> None:
        if to_cents(field.data) > to_cents(self.expenses_claimed.data):
            raise ValidationError("Approved expenses cannot be more than those claimed.")


class AdvanceForm(BaseForm):
    """Move a plan to its next status; paying asks for the payment's details."""

    to = HiddenField(
        validators=[AnyOf([s.value for s in ContributorStatus], message="Choose a step.")]
    )
    paid_on = DateField("Paid on", validators=[Optional()])
    payment_method = SelectField(
        "Payment method",
        choices=select_options([("", "Choose a method"), *PaymentMethod.choices()]),
    )
    payment_reference = StringField(
        "Reference",
        validators=[Length(max=100)],
        description="Cheque number, e-Transfer reference or invoice number.",
    )


class RatesForm(BaseForm):
    share = StringField(HonorariumLevel.SHARE.label, validators=[InputRequired(), _money])
    advise = StringField(HonorariumLevel.ADVISE.label, validators=[InputRequired(), _money])
    lead = StringField(HonorariumLevel.LEAD.label, validators=[InputRequired(), _money])
    ceremony = StringField(HonorariumLevel.CEREMONY.label, validators=[InputRequired(), _money])


class LinkForm(BaseForm):
    """CSRF only: one button."""


class OwnPlanForm(BaseForm):
    preferred_name = StringField(
        "Your name as you wish it written",
        validators=[Length(max=200)],
        description="For example Elder Mary Jones, or your first name only.",
    )
    nation = StringField(
        "Your Nation or community, as you wish it written",
        validators=[Length(max=200)],
        description="Optional. Leave blank if you prefer it not be mentioned.",
    )
    named_in_thanks = BooleanField(
        "Thank me by name in the gathering's report",
        description="Leave unticked and you are thanked without your name.",
    )
