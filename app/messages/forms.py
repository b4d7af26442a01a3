"""Forms for the composer, reminders and email wording."""

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.forms_common import TIME_FORMAT, BaseForm, ZonedTimesMixin, db_ints, select_options, strip
from app.messages.services import SEGMENTS
from app.outbound.wording import placeholder_error


def _known_placeholders(form, field) -> None:
    if (error := placeholder_error(field.data or "")) is not None:
        raise ValidationError(error)


MARKDOWN_HINT = (
    "Simple Markdown: a blank line between paragraphs, *italic*, **bold**, lists starting "
    "with “-”, and links. Placeholders such as {name} are filled in for each person."
)


class ComposeForm(ZonedTimesMixin, BaseForm):
    time_fields = ("send_at",)

    segment = SelectField("Who it is for", choices=select_options(SEGMENTS.items()))
    room_id = SelectField(
        "Breakout room (when writing to a room)", choices=[], validate_choice=False
    )
    ids = HiddenField()
    subject = StringField(
        "Subject",
        filters=[strip],
        validators=[InputRequired("Enter a subject."), Length(max=150), _known_placeholders],
    )
    title_in_subject = BooleanField("Add the gathering's title after the subject")
    greeting = BooleanField("Start with “Hello” and the person's name")
    body = TextAreaField(
        "Message",
        description=MARKDOWN_HINT,
        filters=[strip],
        validators=[InputRequired("Write the message."), Length(max=20000), _known_placeholders],
    )
    send_at = DateTimeLocalField(
        "Send later, at (optional)",
        format=TIME_FORMAT,
        validators=[Optional()],
        description="Leave empty to send now. Until then you can cancel it.",
    )
    template_name = StringField(
        "Save as a template named (optional)", filters=[strip], validators=[Length(max=120)]
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

    def _id_list(self) -> list[int] | None:
        return db_ints(part for part in (self.ids.data or "").split(",") if part.strip())

    def validate_ids(self, field) -> None:
        if self.segment.data == "selected" and self._id_list() is None:
            raise ValidationError("The people chosen could not be read; choose them again.")

    def selected_ids(self) -> tuple[int, ...]:
        """The ids ticked on the list (none when the list was tampered with)."""
        return tuple(self._id_list() or ())


class RemindersForm(BaseForm):
    days = StringField(
        "Days before the gathering",
        description="Numbers separated by commas, e.g. 7, 1. Leave empty for no reminders.",
        filters=[strip],
        validators=[Length(max=100)],
    )

    def day_list(self) -> list[int] | None:
        parts = [p.strip() for p in (self.days.data or "").split(",") if p.strip()]
        days = db_ints(parts, low=1, high=60)
        if days is None:
            self.days.errors = [*self.days.errors, "Use whole numbers from 1 to 60, e.g. 7, 1."]
            return None
        return sorted(set(days), reverse=True)


class TemplateForm(BaseForm):
    subject = StringField(
        "Subject",
        filters=[strip],
        validators=[InputRequired("Enter a subject."), Length(max=150), _known_placeholders],
    )
    body = TextAreaField(
        "Opening of the email",
        description=MARKDOWN_HINT
        + " The date, agenda, invitation and private link follow it as usual.",
        filters=[strip],
        validators=[InputRequired("Write the text."), Length(max=10000), _known_placeholders],
    )
