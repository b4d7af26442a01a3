"""Forms for the follow-up: the organiser's schedule, and the participant's answer."""

from wtforms import BooleanField, DateTimeLocalField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.choices import ValueCycle
from app.forms_common import (
    TIME_FORMAT,
    BaseForm,
    CheckboxesField,
    ZonedTimesMixin,
    select_options,
    strip,
)
from app.value.services import STORY_LIMIT

SCHEDULE = "schedule"
SEND_NOW = "send_now"
SAVE = "save"
UNSCHEDULE = "unschedule"


class ScheduleForm(ZonedTimesMixin, BaseForm):
    time_fields = ("send_at",)

    send_at = DateTimeLocalField(
        "Send the follow-up on",
        description="Usually three months after the gathering, when people have had time "
        "to try what they learned.",
        format=TIME_FORMAT,
        validators=[InputRequired("Enter when the follow-up goes out.")],
    )
    action = SelectField(
        choices=select_options(
            [(SCHEDULE, SCHEDULE), (SEND_NOW, SEND_NOW), (SAVE, SAVE), (UNSCHEDULE, UNSCHEDULE)]
        ),
        validators=[InputRequired("Choose what to do.")],
    )


class AnswerForm(BaseForm):
    cycles = CheckboxesField(
        "Since the gathering, which of these are true for you?",
        description="Tick all that apply, or none.",
        choices=select_options(ValueCycle.choices()),
    )
    story = TextAreaField(
        "Tell us a short story of what came of it (optional)",
        description="What you tried or changed, and what difference it made. Please leave out "
        "names and details that identify you or anyone else.",
        filters=[strip],
        validators=[Length(max=STORY_LIMIT, message=f"Keep it to {STORY_LIMIT:,} characters.")],
    )
    story_consent = BooleanField(
        "The organisers may quote my story, without my name, in reports and on the public "
        "“You said, we did” page"
    )
