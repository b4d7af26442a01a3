from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

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
    override_reason = TextAreaField(
        "Publish before the checks are complete, because",
        description="Only while an item of the list above is not done: why the report goes "
        "out anyway. It is recorded, with your name, and shown on this page.",
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 3},
    )
    confirm = BooleanField(
        "I understand that anyone will be able to read it: it is linked from the "
        "gathering's public page and opens without signing in",
        validators=[DataRequired("Confirm that you know who will be able to read it.")],
    )

    def __init__(self, *args, runs=(), labels=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.run_id.choices = select_options(
            (str(run.id), labels(run) if labels else str(run.id)) for run in runs
        )


class ConfirmForm(BaseForm):
    """A POST with only the CSRF token."""


class LifeActionForm(BaseForm):
    action = HiddenField()
