from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.forms_common import SLUG, BaseForm, select_options, strip


class NextGatheringForm(BaseForm):
    title = StringField(
        "Title of the next gathering",
        filters=[strip],
        validators=[DataRequired("Enter a title."), Length(max=200)],
    )
    slug = StringField(
        "Web address name",
        description="Lower-case letters, numbers and hyphens, e.g. provincial-gathering-2027.",
        filters=[strip],
        validators=[DataRequired("Enter a web address name."), Length(max=80)],
    )
    starts_on = DateField(
        "Date of the next gathering",
        description="Every time in the agenda keeps its time of day and moves to this date.",
        validators=[InputRequired("Enter the date as year, month and day.")],
    )

    def validate_slug(self, field) -> None:
        if not SLUG.match(field.data or ""):
            raise ValidationError("Use lower-case letters, numbers and single hyphens only.")


class PublishReportForm(BaseForm):
    run_id = SelectField("Shareable report to publish", validators=[InputRequired("Choose one.")])

    def __init__(self, *args, runs=(), labels=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.run_id.choices = select_options(
            (str(run.id), labels(run) if labels else str(run.id)) for run in runs
        )


class ConfirmForm(BaseForm):
    """A POST with only the CSRF token."""


class LifeActionForm(BaseForm):
    action = HiddenField()
