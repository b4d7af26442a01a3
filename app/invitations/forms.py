"""Forms of the invitation list."""

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField

from app.forms_common import BaseForm, select_options
from app.invitations.reading import TARGETS


class UploadForm(BaseForm):
    file = FileField(
        "Invitation list (CSV or Excel .xlsx)",
        validators=[FileRequired("Choose the file with the people to invite.")],
        description="One person a row, with a header row. Only an email address is needed; "
        "name, organisation, organisation type and health region help. At most 10 MB and "
        "50,000 rows.",
    )


def mapping_form(headers: list[str], guessed: dict[str, int | None], formdata=None) -> BaseForm:
    """One choice of column per field of ours, defaulting to the guessed column."""
    choices = select_options(
        [("", "(not in this file)")] + [(str(i), h) for i, h in enumerate(headers)]
    )

    class MappingForm(BaseForm):
        action = HiddenField(default="preview")

    for target, label in TARGETS.items():
        setattr(
            MappingForm,
            f"map_{target}",
            SelectField(label, choices=choices, default=_default(guessed.get(target))),
        )
    return MappingForm(formdata=formdata)


def _default(index: int | None) -> str:
    return "" if index is None else str(index)


class SendForm(BaseForm):
    kind = HiddenField()
    confirmed = HiddenField()


class ConfirmForm(BaseForm):
    pass
