"""Forms for the composer, reminders and email wording."""

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from app.forms_common import BaseForm, select_options, strip
from app.messages.services import SEGMENTS

MARKDOWN_HINT = (
    "Simple Markdown: a blank line between paragraphs, *italic*, **bold**, lists starting "
    "with “-”, and links. Placeholders such as {name} are filled in for each person."
)


class ComposeForm(BaseForm):
    segment = SelectField("Who it is for", choices=select_options(SEGMENTS.items()))
    room_id = SelectField(
        "Breakout room (when writing to a room)", choices=[], validate_choice=False
    )
    ids = HiddenField()
    subject = StringField(
        "Subject",
        filters=[strip],
        validators=[InputRequired("Enter a subject."), Length(max=150)],
    )
    body = TextAreaField(
        "Message",
        description=MARKDOWN_HINT,
        filters=[strip],
        validators=[InputRequired("Write the message."), Length(max=20000)],
    )
    expected = HiddenField()

    def __init__(self, *args, rooms=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.room_id.choices = select_options(
            [("", "Choose a room"), *((str(room.id), room.title) for room in rooms)]
        )

    def validate_room_id(self, field) -> None:
        if self.segment.data == "room" and not field.data:
            raise ValidationError("Choose the breakout room.")

    def selected_ids(self) -> tuple[int, ...]:
        return tuple(int(v) for v in (self.ids.data or "").split(",") if v.strip().isdigit())


class RemindersForm(BaseForm):
    days = StringField(
        "Days before the gathering",
        description="Numbers separated by commas, e.g. 7, 1. Leave empty for no reminders.",
        filters=[strip],
        validators=[Length(max=100)],
    )

    def day_list(self) -> list[int] | None:
        parts = [p.strip() for p in (self.days.data or "").split(",") if p.strip()]
        if not all(p.isdigit() and 1 <= int(p) <= 60 for p in parts):
            self.days.errors = [*self.days.errors, "Use whole numbers from 1 to 60, e.g. 7, 1."]
            return None
        return sorted({int(p) for p in parts}, reverse=True)


class TemplateForm(BaseForm):
    subject = StringField(
        "Subject",
        filters=[strip],
        validators=[InputRequired("Enter a subject."), Length(max=150)],
    )
    body = TextAreaField(
        "Opening of the email",
        description=MARKDOWN_HINT
        + " The date, agenda, invitation and private link follow it as usual.",
        filters=[strip],
        validators=[InputRequired("Write the text."), Length(max=10000)],
    )
