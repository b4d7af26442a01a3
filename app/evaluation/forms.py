"""Forms for the survey: the organisers', and the question to people who asked for an
accommodation. Participants' survey answers are read straight from the request by
answers.read_answers, because the questions are data, not fields."""

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.evaluation.mailing import AUDIENCE_LABELS, Audience
from app.evaluation.setup import (
    MAX_OPTIONS,
    OPTION_LIMIT,
    PROMPT_LIMIT,
    QuestionData,
    clean_options,
)
from app.forms_common import TIME_FORMAT, BaseForm, ZonedTimesMixin, select_options, strip
from app.models.evaluation import QUESTION_KIND_LABELS, QuestionKind


class AccommodationOutcomeForm(BaseForm):
    """The survey page's question to people who asked for an accommodation; the fields
    outcome_<id> are read by the route from the requests it asks about."""

    comment = TextAreaField(
        "Anything we should know for next time?",
        validators=[Optional(), Length(max=2000)],
        description="Optional.",
        render_kw={"rows": 3},
    )


class SettingsForm(ZonedTimesMixin, BaseForm):
    time_fields = ("opens_at", "closes_at")

    title = StringField(
        "Survey title",
        filters=[strip],
        validators=[InputRequired("Enter a title."), Length(max=200)],
    )
    intro = TextAreaField(
        "Introduction",
        description="Shown above the questions.",
        filters=[strip],
        validators=[Length(max=2000)],
    )
    opens_at = DateTimeLocalField(
        "Opens (optional)",
        description="Leave empty to open it when you press “Open the survey”.",
        format=TIME_FORMAT,
        validators=[Optional()],
    )
    closes_at = DateTimeLocalField(
        "Closes",
        description="Answers can be given and changed until then.",
        format=TIME_FORMAT,
        validators=[InputRequired("Enter when the survey closes.")],
    )

    def times(self, zone: str):
        """(opens_at, closes_at) in UTC, or None after adding an error to a field."""
        opens, closes = self.utc("opens_at", zone), self.utc("closes_at", zone)
        if opens and closes and closes <= opens:
            self.closes_at.errors.append("The survey must close after it opens.")
        if self.opens_at.errors or self.closes_at.errors:
            return None
        return opens, closes


class QuestionForm(BaseForm):
    kind = SelectField(
        "Type of question",
        choices=select_options((k.value, label) for k, label in QUESTION_KIND_LABELS.items()),
    )
    prompt = TextAreaField(
        "Question",
        description="For the agreement scale, write a statement people agree or disagree with.",
        filters=[strip],
        validators=[InputRequired("Enter the question."), Length(max=PROMPT_LIMIT)],
    )
    help_text = StringField(
        "Hint (optional)", filters=[strip], validators=[Length(max=PROMPT_LIMIT)]
    )
    options = TextAreaField(
        "Options",
        description="For choice questions: one option per line.",
        validators=[Length(max=MAX_OPTIONS * (OPTION_LIMIT + 2))],
    )
    required = BooleanField("An answer is required")
    allow_not_applicable = BooleanField("Offer “Not applicable” (agreement scale)", default=True)

    def validate_options(self, field) -> None:
        if self.kind.data not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            return
        options = clean_options(field.data or "")
        if len(options) < 2:
            raise ValidationError("Enter at least two options, one per line.")
        if len(options) > MAX_OPTIONS:
            raise ValidationError(f"Enter at most {MAX_OPTIONS} options.")
        if any(len(option) > OPTION_LIMIT for option in options):
            raise ValidationError(f"Keep each option to {OPTION_LIMIT} characters.")

    def to_data(self) -> QuestionData:
        return QuestionData(
            kind=self.kind.data,
            prompt=" ".join(self.prompt.data.split()),
            help_text=self.help_text.data or "",
            options=clean_options(self.options.data or ""),
            required=bool(self.required.data),
            allow_not_applicable=bool(self.allow_not_applicable.data),
        )


class InviteForm(BaseForm):
    audience = RadioField(
        "Send the survey link to",
        choices=select_options((a.value, label) for a, label in AUDIENCE_LABELS.items()),
        default=Audience.ATTENDEES.value,
        validators=[InputRequired("Choose who receives the link.")],
    )
    consented_only = BooleanField(
        "Only people who agreed to be contacted after the gathering",
        description=(
            "Recommended. Everyone else can still reach the survey from their registration page."
        ),
        default=True,
    )


class ConfirmForm(BaseForm):
    """A button that changes something: only the CSRF token."""


class ImportSetForm(BaseForm):
    """A question set from a file; title, source and licence here fill what a CSV file
    cannot carry (a JSON file's own values win when these are left empty)."""

    questions_file = FileField(
        "Question set file",
        validators=[FileRequired("Choose the .csv or .json file to import.")],
        description="A .csv or .json file in the format described in the project's "
        "docs/question-sets.md, at most 200 KB.",
    )
    title = StringField("Title of the set", filters=[strip], validators=[Length(max=200)])
    source = StringField(
        "Source",
        description="Who wrote the questions and where they come from, as it should be credited.",
        filters=[strip],
        validators=[Length(max=500)],
    )
    licence = StringField(
        "Licence",
        description="The licence your organisation uses them under, for example CC BY-NC-SA 4.0.",
        filters=[strip],
        validators=[Length(max=200)],
    )


class MoveForm(BaseForm):
    direction = SelectField(choices=select_options([("up", "up"), ("down", "down")]))
