"""Forms for gatherings and agenda items. Times are typed in the gathering's own zone."""

from zoneinfo import available_timezones

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.choices import ENGAGEMENT_LEVEL_PROMISE, AgendaKind, EngagementLevel, PriorityArea
from app.forms_common import (
    SLUG,
    TIME_FORMAT,
    BaseForm,
    ZonedTimesMixin,
    select_options,
    strip,
)
from app.organiser.services import AgendaItemData, GatheringData

ZONES = sorted(z for z in available_timezones() if z.startswith(("America/", "Canada/")))


def _link(label: str, required: bool = False):
    checks = [URL(require_tld=False, message="Enter a full link starting with https://")]
    first = InputRequired(f"Enter the {label.lower()}.") if required else Optional()
    return URLField(label, filters=[strip], validators=[first, Length(max=500), *checks])


class GatheringForm(ZonedTimesMixin, BaseForm):
    time_fields = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
    # The version the page showed (app.edits): a save from an older page is refused.
    opened_version = HiddenField()

    title = StringField(
        "Title", filters=[strip], validators=[InputRequired("Enter a title."), Length(max=200)]
    )
    slug = StringField(
        "Web address name",
        description="Lower-case letters, numbers and hyphens, e.g. provincial-gathering-2024.",
        filters=[strip],
        validators=[InputRequired("Enter a web address name."), Length(max=80)],
    )
    description = TextAreaField("Description", filters=[strip], validators=[Length(max=5000)])
    timezone = SelectField(
        "Time zone", choices=select_options((z, z) for z in ZONES), default="America/Vancouver"
    )
    starts_at = DateTimeLocalField(
        "Starts", format=TIME_FORMAT, validators=[InputRequired("Enter the start date and time.")]
    )
    ends_at = DateTimeLocalField(
        "Ends", format=TIME_FORMAT, validators=[InputRequired("Enter the end date and time.")]
    )
    meeting_url = _link("Meeting link")
    registration_opens_at = DateTimeLocalField(
        "Registration opens (optional)", format=TIME_FORMAT, validators=[Optional()]
    )
    registration_closes_at = DateTimeLocalField(
        "Registration closes (optional)", format=TIME_FORMAT, validators=[Optional()]
    )
    capacity = IntegerField(
        "Capacity (optional)",
        description="Leave empty for no limit.",
        validators=[Optional(), NumberRange(min=1, max=100000, message="Enter a number from 1.")],
    )
    waitlist_enabled = BooleanField("Keep a waitlist when full", default=True)
    attendance_threshold_minutes = IntegerField(
        "Minutes present to count as attended",
        default=10,
        validators=[InputRequired("Enter a number of minutes."), NumberRange(min=0, max=1440)],
    )
    land_acknowledgement = TextAreaField(
        "Land acknowledgement", filters=[strip], validators=[Length(max=3000)]
    )
    contact_name = StringField("Contact name", filters=[strip], validators=[Length(max=200)])
    contact_title = StringField("Contact title", filters=[strip], validators=[Length(max=200)])
    contact_email = EmailField(
        "Contact email", filters=[strip], validators=[Optional(), Email(), Length(max=254)]
    )
    contact_phone = StringField("Contact phone", filters=[strip], validators=[Length(max=50)])
    contact_address = StringField(
        "Contact mailing address", filters=[strip], validators=[Length(max=300)]
    )

    def validate_slug(self, field) -> None:
        if not SLUG.match(field.data or ""):
            raise ValidationError("Use lower-case letters, numbers and single hyphens only.")

    def to_data(self) -> GatheringData | None:
        zone = self.timezone.data
        times = {name: self.utc(name, zone) for name in self.time_fields}
        if times["starts_at"] and times["ends_at"] and times["ends_at"] <= times["starts_at"]:
            self.ends_at.errors.append("The end must be after the start.")
        opens, closes = times["registration_opens_at"], times["registration_closes_at"]
        if opens and closes and closes <= opens:
            self.registration_closes_at.errors.append("Registration must close after it opens.")
        if any(getattr(self, name).errors for name in self.time_fields):
            return None
        return GatheringData(
            title=self.title.data,
            slug=self.slug.data,
            description=self.description.data or "",
            timezone=zone,
            meeting_url=self.meeting_url.data or "",
            capacity=self.capacity.data,
            waitlist_enabled=bool(self.waitlist_enabled.data),
            attendance_threshold_minutes=self.attendance_threshold_minutes.data,
            land_acknowledgement=self.land_acknowledgement.data or "",
            contact_name=self.contact_name.data or "",
            contact_title=self.contact_title.data or "",
            contact_email=self.contact_email.data or "",
            contact_phone=self.contact_phone.data or "",
            contact_address=self.contact_address.data or "",
            **times,
        )


class AgendaItemForm(ZonedTimesMixin, BaseForm):
    time_fields = ("starts_at", "ends_at")
    # The version the page showed (app.edits): a save from an older page is refused.
    opened_version = HiddenField()

    kind = SelectField(
        "Kind", choices=select_options(AgendaKind.choices()), default=AgendaKind.PLENARY.value
    )
    title = StringField(
        "Title", filters=[strip], validators=[InputRequired("Enter a title."), Length(max=200)]
    )
    presenter = StringField("Presenter (optional)", filters=[strip], validators=[Length(max=200)])
    description = TextAreaField("Description", filters=[strip], validators=[Length(max=3000)])
    priority_area = SelectField(
        "Priority area (breakouts)",
        choices=select_options([("", "Not a breakout"), *PriorityArea.choices()]),
    )
    engagement_level = SelectField(
        "How much say participants have (IAP2 level)",
        description="The public agenda shows what the level promises, in plain words.",
        default="",
        choices=select_options(
            [
                ("", "The usual for its kind: inform for plenaries, consult for breakouts"),
                *(
                    (level.value, f"{level.label}: {ENGAGEMENT_LEVEL_PROMISE[level].lower()}")
                    for level in EngagementLevel
                ),
            ]
        ),
    )
    starts_at = DateTimeLocalField(
        "Starts", format=TIME_FORMAT, validators=[InputRequired("Enter the start time.")]
    )
    ends_at = DateTimeLocalField(
        "Ends", format=TIME_FORMAT, validators=[InputRequired("Enter the end time.")]
    )
    room_url = _link("Room link (breakouts; optional)")
    capacity = IntegerField(
        "Room capacity (breakouts; optional)",
        validators=[Optional(), NumberRange(min=1, max=10000, message="Enter a number from 1.")],
    )

    def validate_priority_area(self, field) -> None:
        if self.kind.data == AgendaKind.BREAKOUT and not field.data:
            raise ValidationError("Choose the priority area this breakout discusses.")

    def to_data(self, zone: str) -> AgendaItemData | None:
        starts_at, ends_at = self.utc("starts_at", zone), self.utc("ends_at", zone)
        if starts_at and ends_at and ends_at <= starts_at:
            self.ends_at.errors.append("The end must be after the start.")
        if any(getattr(self, name).errors for name in self.time_fields):
            return None
        return AgendaItemData(
            kind=self.kind.data,
            title=self.title.data,
            description=self.description.data or "",
            presenter=self.presenter.data or "",
            priority_area=self.priority_area.data or None,
            engagement_level=self.engagement_level.data or "",
            starts_at=starts_at,
            ends_at=ends_at,
            room_url=self.room_url.data or "",
            capacity=self.capacity.data,
        )
