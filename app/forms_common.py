"""Form pieces shared by several features, and the base every form inherits.

`BaseForm` (a FlaskForm) and `BaseSubform` (for FormField rows) clean every field as it is
bound, so a new form gets the rules by inheriting and declares nothing extra:
- text (StringField, EmailField, URLField, HiddenField, SearchField, TelField, select
  values): app.cleaning.clean_line — NFC, one line, no control characters, stripped;
- TextAreaField: app.cleaning.clean_multiline — newlines and tabs kept;
- a NUL byte anywhere: a plain message beside the field, never stored;
- EmailField: also app.addresses.normalise_email;
- InputRequired on text means non-blank after cleaning;
- BooleanField: only the checkbox's own value "y" (or nothing) is accepted;
- IntegerField: within what the database stores, unless the field states its own range;
- date and time fields: years 1900 to 2100;
- multiple choice: repeated values count once.
PasswordField is left exactly as typed."""

import re
from collections.abc import Iterable
from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    EmailField,
    Form,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from app.addresses import normalise_email
from app.cleaning import (
    DB_INT_MAX,
    DB_INT_MIN,
    FIRST_YEAR,
    LAST_YEAR,
    clean_line,
    clean_multiline,
    db_int,
)
from app.timefmt import from_local, to_local

CHECKBOX_VALUE = "y"


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def select_options(pairs) -> list[SelectChoice]:
    """WTForms 3.3 wants SelectChoice objects rather than (value, label) tuples."""
    return [SelectChoice(value, label) for value, label in pairs]


def db_ints(values: Iterable[str], *, low: int = 1, high: int = DB_INT_MAX) -> list[int] | None:
    """A list of numbers sent outside a form's own fields (ticked ids, a comma list typed
    in one box): each read by `db_int` and within low..high, else None for the whole list,
    so that a tampered or mistyped list is refused rather than partly obeyed."""
    numbers = []
    for value in values:
        number = db_int(value)
        if number is None or not low <= number <= high:
            return None
        numbers.append(number)
    return numbers


def _single_line(value):
    return clean_line(value) if isinstance(value, str) else value


def _multi_line(value):
    return clean_multiline(value) if isinstance(value, str) else value


def _email(value):
    return normalise_email(value) if isinstance(value, str) and value else value


def _distinct(values):
    if not isinstance(values, list):
        return values
    return list(dict.fromkeys(_single_line(v) for v in values))


class RequiredText(InputRequired):
    """InputRequired that looks at the cleaned value, so "   " is blank."""

    def __call__(self, form, field) -> None:
        super().__call__(form, field)
        if isinstance(field.data, str) and not field.data:
            field.errors[:] = []
            raise StopValidation(self.message or field.gettext("This field is required."))


def _checkbox_only(form, field) -> None:
    if field.raw_data and field.raw_data[0] != CHECKBOX_VALUE:
        field.errors[:] = []
        raise StopValidation("Tick the box or leave it empty.")


def _database_integer(form, field) -> None:
    if field.data is not None and not DB_INT_MIN <= field.data <= DB_INT_MAX:
        raise StopValidation("Enter a smaller number.")


def _plausible_year(form, field) -> None:
    if isinstance(field.data, date | datetime) and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise StopValidation(f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}.")


def clean_field(field) -> None:
    """Give one bound field the shared cleaning filters and checks."""
    if isinstance(field, PasswordField):
        return
    if isinstance(field, BooleanField):
        field.validators = [_checkbox_only, *field.validators]
        return
    if isinstance(field, SelectMultipleField):
        field.filters = (_distinct, *field.filters)
        return
    if isinstance(field, IntegerField):
        if not any(isinstance(v, NumberRange) for v in field.validators):
            field.validators = [*field.validators, _database_integer]
        return
    if isinstance(field, DateField | DateTimeField):
        field.validators = [*field.validators, _plausible_year]
        return
    first = _multi_line if isinstance(field, TextAreaField) else _single_line
    extra = (_email,) if isinstance(field, EmailField) else ()
    field.filters = (first, *extra, *field.filters)
    field.validators = [
        RequiredText(v.message) if type(v) is InputRequired else v for v in field.validators
    ]


class CleaningMeta:
    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        clean_field(field)
        return field


class _TokenWhenShown(CSRFTokenField):
    """The form's CSRF token, signed when the page shows it. wtforms signs one for every
    form it builds, and a POST that succeeds and redirects never shows it: on a
    registration that was a fiftieth of the request's CPU."""

    def process(self, *args, **kwargs) -> None:
        HiddenField.process(self, *args, **kwargs)

    def _value(self) -> str:
        return self.csrf_impl.generate_csrf_token(self)


class _CSRFWhenShown(FlaskForm.Meta.csrf_class):
    field_class = _TokenWhenShown


class BaseForm(FlaskForm):
    """Every page form inherits this (CSRF from FlaskForm, cleaning from CleaningMeta)."""

    class Meta(CleaningMeta):
        csrf_class = _CSRFWhenShown


class BaseSubform(Form):
    """Rows inside a FieldList(FormField(...)): the same cleaning, no CSRF of their own."""

    class Meta(CleaningMeta):
        pass


# --- pieces several features' forms use -------------------------------------------------

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TIME_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class ZonedTimesMixin:
    """Turns datetime-local inputs into UTC instants in the chosen zone, with a plain error
    for wall-clock times that a clock change skips."""

    time_fields: tuple[str, ...] = ()

    def utc(self, name: str, zone: str):
        field = getattr(self, name)
        if field.data is None:
            return None
        try:
            return from_local(field.data, zone)
        except ValueError as exc:
            field.errors.append(str(exc))
            return None

    def fill_times(self, obj, zone: str) -> None:
        """Show the stored instants as wall-clock times in the gathering's zone."""
        for name in self.time_fields:
            moment = getattr(obj, name)
            getattr(self, name).data = (
                to_local(moment, zone).replace(tzinfo=None) if moment else None
            )


class ConfirmForm(BaseForm):
    """A button that changes something: only the CSRF token."""
