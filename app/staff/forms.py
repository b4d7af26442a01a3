from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length

from app.choices import UserRole
from app.forms_common import BaseForm, CheckboxesField, select_options, strip
from app.models import StaffRole

ROLE_HINT = (
    "Organisers run everything. Facilitators see and write the notes of their rooms. "
    "The steering committee reads the reports."
)


def _role_choices():
    return select_options([("", "Choose a role"), *UserRole.choices()])


class InviteForm(BaseForm):
    name = StringField(
        "Name",
        filters=[strip],
        validators=[DataRequired("Enter the person's name."), Length(max=200)],
    )
    email = EmailField(
        "Email address",
        filters=[strip],
        description="The invitation goes here; it is also how they sign in.",
        validators=[
            InputRequired("Enter the person's email address."),
            Email("Enter an email address like name@example.org."),
            Length(max=254),
        ],
    )
    role = SelectField(
        "Role",
        description=ROLE_HINT,
        validators=[InputRequired("Choose a role.")],
    )
    rooms = CheckboxesField("Breakout rooms (facilitators only)", coerce=str)
    room_role = SelectField("Job in those rooms", default=StaffRole.FACILITATOR.value)

    def __init__(self, *args, rooms=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()
        self.rooms.choices = select_options(
            (str(room.id), f"{room.gathering.title}: {room.title}") for room in rooms
        )
        self.room_role.choices = select_options(StaffRole.choices())


class AccountForm(BaseForm):
    name = StringField(
        "Name", filters=[strip], validators=[DataRequired("Enter a name."), Length(max=200)]
    )
    role = SelectField("Role", description=ROLE_HINT, validators=[InputRequired("Choose a role.")])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class RoomInviteForm(BaseForm):
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[
            InputRequired("Enter the facilitator's email address."),
            Email("Enter an email address like name@example.org."),
            Length(max=254),
        ],
    )
    name = StringField(
        "Name",
        filters=[strip],
        description="Needed only when they have no account yet.",
        validators=[Length(max=200)],
    )
    room_role = SelectField("Job in the room", default=StaffRole.FACILITATOR.value)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.room_role.choices = select_options(StaffRole.choices())


class ConfirmForm(BaseForm):
    """A POST with only the CSRF token."""
