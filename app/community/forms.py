"""Forms for recommendations, certificate settings and representation targets."""

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, Length, NumberRange, Optional, ValidationError

from app.choices import HealthRegion, OrganisationType
from app.community.certificates import CertificateSettingsData
from app.community.recommendations import RecommendationChange
from app.community.targets import TargetInput
from app.forms_common import BaseForm, select_options
from app.models import RecommendationStatus, TargetDimension, TargetKind


class RecommendationForm(BaseForm):
    """One per recommendation on the page; a prefix keeps every field's id unique."""

    # The version the page showed (app.edits): a save from an older page is refused.
    opened_version = HiddenField()

    status = SelectField("Status", choices=select_options(RecommendationStatus.choices()))
    owner = StringField(
        "Owner",
        validators=[Length(max=200)],
        description="An organisation or a role, not a person's name unless they agreed.",
    )
    due_on = DateField("Due date", validators=[Optional()], description="Optional.")
    note = TextAreaField(
        "What happened",
        validators=[Length(max=4000)],
        description="Dated and shown as the latest update, also in the shareable report.",
    )
    evidence_url = URLField(
        "Evidence link",
        validators=[
            Optional(),
            Length(max=500),
            URL(require_tld=False, message="Enter a full link starting with https://"),
        ],
        description="Optional: minutes, a document or a web page that shows the progress.",
    )

    def to_change(self) -> RecommendationChange:
        return RecommendationChange(
            status=self.status.data,
            owner=self.owner.data or "",
            due_on=self.due_on.data,
            note=self.note.data or "",
            evidence_url=self.evidence_url.data or "",
        )


class CertificateSettingsForm(BaseForm):
    attendance_final = BooleanField(
        "Attendance is final: participants may download their certificates",
        description="Mark this once every Zoom or Teams report is imported.",
    )
    require_survey = BooleanField(
        "Only after the participant has answered the evaluation survey",
    )
    accreditation_statement = TextAreaField(
        "Accreditation statement",
        validators=[Length(max=1000)],
        description=(
            "Optional, printed on every certificate, for example: This one-credit-per-hour "
            "Group Learning program has been certified by the College of Family Physicians "
            "of Canada for up to 3 Mainpro+ credits."
        ),
    )
    credits_per_hour = DecimalField(
        "Credits per hour",
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=10, message="Enter a number from 0 to 10."),
        ],
        description="Needs an accreditation statement. Credits follow the time attended.",
    )

    def to_data(self) -> CertificateSettingsData:
        return CertificateSettingsData(
            attendance_final=self.attendance_final.data,
            require_survey=self.require_survey.data,
            accreditation_statement=self.accreditation_statement.data or "",
            credits_per_hour=self.credits_per_hour.data,
        )

    def validate_credits_per_hour(self, field) -> None:
        if field.data is not None and not (self.accreditation_statement.data or "").strip():
            raise ValidationError("Enter the accreditation statement that grants these credits.")


TARGET_KINDS = select_options(TargetKind.choices())
TARGET_GROUPS = {
    TargetDimension.HEALTH_REGION.value: ("region", HealthRegion),
    TargetDimension.ORGANISATION_TYPE.value: ("organisation", OrganisationType),
}


class PrepareCertificatesForm(BaseForm):
    """Only the CSRF token: "Prepare certificates" asks for the ZIP of everyone's."""


class TargetsFormBase(BaseForm):
    """One number per health region and per organisation type; blank means no target.
    Each dimension counts people or shares of registrations, not a mix."""

    region_kind = SelectField("Health region targets are", choices=TARGET_KINDS)
    organisation_kind = SelectField("Organisation type targets are", choices=TARGET_KINDS)

    def rows(self, dimension: str) -> list:
        prefix, choices = TARGET_GROUPS[dimension]
        return [getattr(self, f"{prefix}_{choice.value}") for choice in choices]

    def kind_field(self, dimension: str):
        return getattr(self, f"{TARGET_GROUPS[dimension][0]}_kind")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for dimension in TARGET_GROUPS:
            if self.kind_field(dimension).data != TargetKind.SHARE:
                continue
            values = [f.data for f in self.rows(dimension) if f.data is not None]
            if any(v > 100 for v in values):
                self.kind_field(dimension).errors.append("A share is at most 100%.")
                valid = False
            elif sum(values) > 100:
                self.kind_field(dimension).errors.append(
                    f"The shares add up to {sum(values)}%, more than 100%."
                )
                valid = False
        return valid

    def inputs(self, dimension: str) -> list[TargetInput]:
        kind = self.kind_field(dimension).data
        prefix, choices = TARGET_GROUPS[dimension]
        return [
            TargetInput(dimension, choice.value, kind, field.data)
            for choice, field in zip(choices, self.rows(dimension), strict=True)
            if field.data is not None
        ]

    def fill(self, targets) -> None:
        for target in targets:
            prefix, _choices = TARGET_GROUPS[target.dimension]
            field = getattr(self, f"{prefix}_{target.code}", None)
            if field is not None:
                field.data = target.value
                self.kind_field(target.dimension).data = target.kind


def _target_field(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(min=0, max=10_000, message="Enter a whole number from 0 to 10,000."),
        ],
    )


TargetsForm = type(
    "TargetsForm",
    (TargetsFormBase,),
    {
        f"{prefix}_{choice.value}": _target_field(choice.label)
        for prefix, choices in TARGET_GROUPS.values()
        for choice in choices
    },
)
