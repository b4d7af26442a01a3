"""Forms for breakout notes, room assignment and staff."""

from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation

from app.breakouts.note_taking import NoteContent
from app.breakouts.themes import themes_for
from app.forms_common import BaseForm, BaseSubform, CheckboxesField, select_options, strip

MAX_ACTIONS = 30
MAX_QUOTES = 20
MAX_TAG_LENGTH = 80
MAX_TAGS = 30
BLANK_ACTION_ROWS = 2
BLANK_QUOTE_ROWS = 1


class ActionEntry(BaseSubform):
    text = TextAreaField("Action or recommendation", filters=[strip], validators=[Length(max=1000)])
    owner = StringField(
        "Who will take it forward (optional)", filters=[strip], validators=[Length(max=200)]
    )
    for_steering = BooleanField("For the steering committee")


class QuoteEntry(BaseSubform):
    text = TextAreaField("Quote", filters=[strip], validators=[Length(max=1000)])
    consent = BooleanField("The speaker agreed to be quoted, without their name")


def _stop_if_unreadable(form, field) -> None:
    """One message for "lots" in a number field, not a second one about its range."""
    if field.process_errors:
        raise StopValidation()


def split_tags(text: str | None) -> list[str]:
    return [" ".join(part.split()) for part in (text or "").split(",") if part.strip()]


def dedupe(values: list[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for value in values:
        key = value.casefold()
        if key not in seen:
            seen.add(key)
            result.append(value)
    return result


class NotesForm(BaseForm):
    version = HiddenField(default="0")
    questions = TextAreaField(
        "Discussion questions",
        description="One question per line.",
        filters=[strip],
        validators=[Length(max=5000)],
    )
    summary = TextAreaField(
        "Summary of the discussion",
        description=(
            "A few paragraphs. You may use simple Markdown: a blank line between paragraphs, "
            "*italic*, **bold**, lists starting with “-”, and links."
        ),
        filters=[strip],
        validators=[Length(max=20000)],
    )
    themes = CheckboxesField("Suggested themes", choices=[])
    other_themes = StringField(
        "Other themes",
        description="Your own tags, separated by commas.",
        filters=[strip],
        validators=[Length(max=1500)],
    )
    actions = FieldList(FormField(ActionEntry), min_entries=0, max_entries=MAX_ACTIONS)
    quotes = FieldList(FormField(QuoteEntry), min_entries=0, max_entries=MAX_QUOTES)
    head_count = IntegerField(
        "How many people were in the room",
        validators=[
            Optional(),
            _stop_if_unreadable,
            NumberRange(0, 2000, "Enter a number from 0 to 2000."),
        ],
    )

    def __init__(self, *args, priority_area: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.themes.choices = select_options((t, t) for t in themes_for(priority_area))

    @classmethod
    def for_content(
        cls, content: NoteContent, *, version: int, priority_area: str | None
    ) -> "NotesForm":
        listed = set(themes_for(priority_area))
        data = {
            "version": str(version),
            "questions": "\n".join(content.questions),
            "summary": content.summary,
            "themes": [t for t in content.themes if t in listed],
            "other_themes": ", ".join(t for t in content.themes if t not in listed),
            "actions": content.actions,
            "quotes": content.quotes,
            "head_count": content.head_count,
        }
        return cls(formdata=None, data=data, priority_area=priority_area)

    def add_blank_rows(self) -> None:
        """Room to type one more action and quote without JavaScript."""
        for _ in range(BLANK_ACTION_ROWS):
            if len(self.actions.entries) < MAX_ACTIONS:
                self.actions.append_entry()
        for _ in range(BLANK_QUOTE_ROWS):
            if len(self.quotes.entries) < MAX_QUOTES:
                self.quotes.append_entry()

    def based_on(self) -> int:
        try:
            return max(int(self.version.data or 0), 0)
        except ValueError:
            return -1

    def unconsented_quotes(self) -> list:
        return [e for e in self.quotes.entries if e.form.text.data and not e.form.consent.data]

    def check(self, *, submitting: bool) -> bool:
        """Field checks plus the rules between fields. A draft (saved or autosaved) keeps
        whatever was typed; the consent rule for quotes applies when the notes are
        submitted, and its message names the quote."""
        ok = self.validate()
        for entry in self.actions.entries:
            if entry.form.owner.data and not entry.form.text.data:
                entry.form.text.errors = [
                    *entry.form.text.errors,
                    "Describe the action, or clear who will take it forward.",
                ]
                ok = False
        if submitting:
            for entry in self.unconsented_quotes():
                words = " ".join(entry.form.text.data.split())
                start = words if len(words) <= 40 else words[:40].rsplit(" ", 1)[0] + "…"
                entry.form.consent.errors = [
                    *entry.form.consent.errors,
                    f"“{start}”: tick that the speaker agreed to be quoted, or remove this quote.",
                ]
                ok = False
        tags = split_tags(self.other_themes.data)
        if any(len(tag) > MAX_TAG_LENGTH for tag in tags):
            self.other_themes.errors = [
                *self.other_themes.errors,
                f"Keep each theme under {MAX_TAG_LENGTH} characters.",
            ]
            ok = False
        if len(dedupe([*(self.themes.data or []), *tags])) > MAX_TAGS:
            self.other_themes.errors = [
                *self.other_themes.errors,
                f"Choose at most {MAX_TAGS} themes in all.",
            ]
            ok = False
        if submitting and not self.summary.data:
            self.summary.errors = [*self.summary.errors, "Write a summary before submitting."]
            ok = False
        return ok

    def content(self) -> NoteContent:
        questions = [" ".join(line.split()) for line in (self.questions.data or "").splitlines()]
        return NoteContent(
            questions=[q for q in questions if q],
            summary=self.summary.data or "",
            themes=dedupe([*(self.themes.data or []), *split_tags(self.other_themes.data)]),
            actions=[
                {
                    "text": e.form.text.data,
                    "owner": e.form.owner.data or "",
                    "for_steering": bool(e.form.for_steering.data),
                }
                for e in self.actions.entries
                if e.form.text.data
            ],
            quotes=[
                {"text": e.form.text.data, "consent": bool(e.form.consent.data)}
                for e in self.quotes.entries
                if e.form.text.data
            ],
            head_count=self.head_count.data,
        )

    def error_list(self) -> list[tuple[str, str]]:
        """(field id, message) for the error summary, sub-rows included."""
        result: list[tuple[str, str]] = []
        for name in ("questions", "summary", "themes", "other_themes"):
            field = getattr(self, name)
            result += [(field.id, message) for message in field.errors]
        for label, rows in (("Action", self.actions), ("Quote", self.quotes)):
            for number, entry in enumerate(rows.entries, start=1):
                for sub in entry.form:
                    result += [(sub.id, f"{label} {number}: {message}") for message in sub.errors]
        result += [(self.head_count.id, message) for message in self.head_count.errors]
        return result


class AssignForm(BaseForm):
    mode = HiddenField(default="all")


class LockForm(BaseForm):
    locked = HiddenField()


class MoveForm(BaseForm):
    registration_id = IntegerField(validators=[InputRequired()])
    room_id = SelectField("Move to", choices=[], validate_choice=False)
    back = HiddenField()


class StaffForm(BaseForm):
    user_id = SelectField(
        "Facilitator account", choices=[], validators=[InputRequired("Choose an account.")]
    )
    role = SelectField("Job in the room", choices=[])

    def __init__(self, *args, accounts=(), **kwargs) -> None:
        from app.models import StaffRole

        super().__init__(*args, **kwargs)
        self.user_id.choices = select_options(
            [("", "Choose an account"), *((str(u.id), u.name or u.email) for u in accounts)]
        )
        self.role.choices = select_options(StaffRole.choices())


class ConfirmForm(BaseForm):
    """A POST with only the CSRF token."""
