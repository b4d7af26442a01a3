"""Forms for acting on registrants: one person's actions and the list's bulk actions."""

from wtforms import BooleanField, HiddenField, SelectField

from app.forms_common import BaseForm, select_options

PERSON_ACTIONS = ("cancel", "give_place", "move", "resend", "attended", "not_attended", "erase")
BULK_ACTIONS = ("message", "move", "cancel")


class PersonActionForm(BaseForm):
    """Every action on the registrant page posts this; `confirmed` is set only by the
    confirmation page, so an action that emails or removes is never one click."""

    action = HiddenField()
    confirmed = HiddenField()
    over_capacity = BooleanField("Give the place even though the gathering is full")
    room_id = SelectField("Move to", choices=[], validate_choice=False)

    def __init__(self, *args, rooms=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.room_id.choices = select_options(
            [("", "No room"), *((str(room.id), room.title) for room in rooms)]
        )


class BulkForm(BaseForm):
    action = SelectField(
        "Action",
        choices=select_options(
            [("message", "Write to them"), ("move", "Move to a room"), ("cancel", "Cancel")]
        ),
    )
    room_id = SelectField("Room to move them to", choices=[], validate_choice=False)
    all_matching = BooleanField("All people matching the filters, not only those ticked")
    confirmed = HiddenField()

    def __init__(self, *args, rooms=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.room_id.choices = select_options(
            [("", "No room"), *((str(room.id), room.title) for room in rooms)]
        )
