"""What a registrant answers, asked once: `RegistrationData` (what registration's
services take) and the form that asks for it, every list from app.choices. The
registration page uses `RegistrationForm`; the participant's manage page and an
organiser's edit of a registrant use `ManageForm`. It sits below the features so that
registration and organiser share it without one importing the other's forms; which
stored field each question edits is in registration.fields."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Row
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from app.addresses import needs_smtputf8
from app.choices import (
    HSDA,
    INDIGENOUS_IDENTITIES,
    INDIGENOUS_IDENTITY_QUESTION,
    HealthRegion,
    IndigenousIdentity,
    OrganisationType,
    Role,
)
from app.forms_common import BaseForm, CheckboxesField, select_options, strip
from app.models import AgendaItem

PLEASE_CHOOSE = ("", "Choose one")


@dataclass
class RegistrationData:
    name: str
    email: str
    role: str
    organisation_name: str
    organisation_type: str
    health_region: str
    hsda: str | None = None
    first_choice_id: int | None = None
    second_choice_id: int | None = None
    accessibility_needs: str = ""
    indigenous_identity: list[str] = field(default_factory=list)
    territory: str = ""
    consent_collection: bool = False
    consent_followup: bool = False


class RegistrationForm(BaseForm):
    name = StringField(
        "Full name",
        filters=[strip],
        validators=[InputRequired("Enter your full name."), Length(max=200)],
    )
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[
            InputRequired("Enter your email address."),
            Length(max=254),
            Email("Enter an email address like name@example.ca."),
        ],
    )
    role = SelectField(
        "Your role",
        choices=select_options([PLEASE_CHOOSE, *Role.choices()]),
        validators=[InputRequired("Choose your role.")],
    )
    organisation_name = StringField(
        "Organisation name",
        filters=[strip],
        validators=[InputRequired("Enter the name of your organisation."), Length(max=200)],
    )
    organisation_type = SelectField(
        "Type of organisation",
        choices=select_options([PLEASE_CHOOSE, *OrganisationType.choices()]),
        validators=[InputRequired("Choose the type of organisation.")],
    )
    health_region = SelectField(
        "Health region where you work",
        choices=select_options([PLEASE_CHOOSE, *HealthRegion.choices()]),
        validators=[InputRequired("Choose the health region where you work.")],
    )
    hsda = SelectField(
        "Health Service Delivery Area (optional)",
        choices=select_options([("", "Not given"), *HSDA.choices()]),
        validators=[Optional()],
    )
    first_choice = SelectField("First choice of breakout discussion", coerce=str)
    second_choice = SelectField("Second choice (optional)", coerce=str, validators=[Optional()])
    accessibility_needs = TextAreaField(
        "Accessibility or accommodation needs (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
    )
    indigenous_identity = CheckboxesField(
        INDIGENOUS_IDENTITY_QUESTION + " (optional)",
        choices=select_options(IndigenousIdentity.choices()),
        validators=[Optional()],
    )
    territory = StringField(
        "Territory you will join from (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=200)],
    )
    consent_collection = BooleanField(
        "I have read the collection notice above and agree to my information being used "
        "as it describes.",
        validators=[InputRequired("You need to agree to the collection notice to register.")],
    )
    consent_followup = BooleanField(
        "You may contact me after the gathering about follow-up and future gatherings (optional)."
    )

    def __init__(self, *args, breakouts: Sequence[AgendaItem | Row], **kwargs):
        """`breakouts`: the rooms to choose from, anything with an id and a title."""
        super().__init__(*args, **kwargs)
        options = [(str(item.id), item.title) for item in breakouts]
        self.first_choice.choices = select_options([PLEASE_CHOOSE, *options])
        self.second_choice.choices = select_options([("", "No second choice"), *options])
        self.has_breakouts = bool(options)
        if self.has_breakouts:
            self.first_choice.validators = [InputRequired("Choose your first breakout.")]
        else:
            self.first_choice.validators = [Optional()]

    def validate_email(self, field: EmailField) -> None:
        if needs_smtputf8(field.data or "") and not current_app.config["MAIL_SMTPUTF8"]:
            raise ValidationError(
                "Our mail server cannot deliver to an address with accented or non-Latin "
                "letters before the @. Please use another address."
            )

    def validate_hsda(self, field: SelectField) -> None:
        known = {area.value for area in HSDA}
        if field.data in known and HSDA(field.data).region != self.health_region.data:
            raise ValidationError(
                "This delivery area is not in the health region you chose. Change one of them, "
                "or leave the area as 'Not given'."
            )

    def validate_second_choice(self, field: SelectField) -> None:
        if field.data and field.data == self.first_choice.data:
            raise ValidationError("Choose a different breakout from your first choice.")

    def validate_indigenous_identity(self, field: CheckboxesField) -> None:
        chosen = set(field.data or [])
        if len(chosen) > 1 and not chosen <= INDIGENOUS_IDENTITIES:
            raise ValidationError(
                "You can combine First Nations, Métis and Inuit, but the other answers stand "
                "alone. Please choose again."
            )

    def to_data(self) -> RegistrationData:
        chosen = set(self.indigenous_identity.data or [])
        return RegistrationData(
            name=self.name.data,
            email=self.email.data,
            role=self.role.data,
            organisation_name=self.organisation_name.data,
            organisation_type=self.organisation_type.data,
            health_region=self.health_region.data,
            hsda=self.hsda.data or None,
            first_choice_id=int(self.first_choice.data) if self.first_choice.data else None,
            second_choice_id=int(self.second_choice.data) if self.second_choice.data else None,
            accessibility_needs=self.accessibility_needs.data or "",
            indigenous_identity=[c.value for c in IndigenousIdentity if c.value in chosen],
            territory=self.territory.data or "",
            consent_collection=bool(
                self.consent_collection.data if self.consent_collection else True
            ),
            consent_followup=bool(self.consent_followup.data),
        )


class ManageForm(RegistrationForm):
    """The same questions on the manage page and the organiser's edit; consent to
    collection was given at sign-up."""

    consent_collection = None
    # The version the page showed (app.edits): a save from an older page is refused.
    opened_version = HiddenField()
