"""Forms for attendance import, the threshold, and live check-in."""

from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from app.attendance.importers import DEFAULT_MAX_BYTES, MAX_ROWS
from app.attendance.services import MAX_THRESHOLD_MINUTES
from app.forms_common import BaseForm, db_int, select_options, strip
from app.models import AgendaItem, Gathering
from app.timefmt import time_range

WHOLE_GATHERING = "all"


def item_label(item: AgendaItem, zone: str) -> str:
    return f"{item.title} ({item.kind}, {time_range(item.starts_at, item.ends_at, zone)})"


class ImportForm(BaseForm):
    item = SelectField(
        "Which part of the gathering is this report for?",
        validators=[InputRequired("Choose the agenda item the report is for.")],
        description="Choose the plenary or the breakout whose Zoom or Teams meeting "
        "produced this report.",
    )
    date_order = SelectField(
        "How are dates written in the file?",
        choices=select_options(
            [
                ("auto", "Work it out from the file (usual)"),
                ("mdy", "Month first, as in 10/20/2022"),
                ("dmy", "Day first, as in 20/10/2022"),
            ]
        ),
        default="auto",
        description="Only needed when every date in the report could be read either way.",
    )
    report = FileField(
        "Attendance report",
        validators=[FileRequired("Choose the report file to upload.")],
        description="The participants report from Zoom (.csv) or the attendance report "
        f"from Microsoft Teams (.csv), exactly as downloaded: at most {MAX_ROWS:,} rows "
        f"and {DEFAULT_MAX_BYTES // 1_048_576} MB.",
    )

    def fill_items(self, gathering: Gathering) -> None:
        pairs = [(WHOLE_GATHERING, "The whole gathering (one meeting for the day)")]
        pairs += [(str(i.id), item_label(i, gathering.timezone)) for i in gathering.active_agenda]
        self.item.choices = select_options(pairs)


class ThresholdForm(BaseForm):
    minutes = IntegerField(
        "Minimum minutes to count as attended",
        validators=[
            InputRequired("Enter a number of minutes."),
            NumberRange(0, MAX_THRESHOLD_MINUTES, "Enter between 0 and %(max)s minutes."),
        ],
        description="People present for at least this long in any one agenda item count "
        "as attended. Checked-in people always count.",
    )


class CheckInForm(BaseForm):
    """One form around the whole list: the button pressed names the registration, as
    `present` (mark them present) or `undo` (no longer present)."""

    present = HiddenField()
    undo = HiddenField()
    q = HiddenField()

    def chosen(self) -> tuple[int | None, bool]:
        """The registration id the pressed button carries, and whether it asks to undo:
        None unless exactly one of the two was sent, as a plain number."""
        present, undo = self.present.data, self.undo.data
        if bool(present) == bool(undo):
            return None, False
        return db_int(present or undo), bool(undo)


class WalkInForm(BaseForm):
    name = StringField(
        "Name",
        filters=[strip],
        validators=[InputRequired("Enter the person's name."), Length(max=200)],
    )
    email = EmailField(
        "Email (optional)",
        filters=[strip],
        validators=[
            Optional(),
            Email("Enter an email address like name@example.org."),
            Length(max=254),
        ],
    )
    q = HiddenField()
