"""Every registrant field, declared once.

The organiser's list loads the columns of the `listed` fields, the CSV/XLSX export writes
the `exported` ones in this order under their capitalised labels, the history names an
edit of an `editable` field by its label, and the manage and organiser edit forms start
from `form_data`. Adding a field means a column on Registration (and its migration), a
line here, and its question on the form in app.registrant_answers (with RegistrationData).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import InstrumentedAttribute

from app.choices import HealthRegion, OrganisationType, RegistrationStatus, Role
from app.models import Registration

# An export cell from the stored value and the gathering's room titles by id.
Cell = Callable[[Any, Mapping[int, str]], object]


def _as_is(value: Any, rooms: Mapping[int, str] | None = None) -> Any:
    return value


def _label(choices) -> Cell:
    return lambda code, rooms: choices.label_for(code)


def _room(item_id: int | None, rooms: Mapping[int, str]) -> str:
    return rooms.get(item_id, "") if item_id is not None else ""


def _room_choice(item_id: int | None) -> str:
    return str(item_id or "")


@dataclass(frozen=True, slots=True)
class RegistrantField:
    """One registrant field. `label` is the field as a sentence names it ("Changed:
    organisation type"); headers capitalise it. `form_name` is the form field that edits
    it (None: no form edits it), `to_form` turns the stored value into that field's data;
    `export` writes its cell (None: left out of the export)."""

    attribute: str
    label: str
    listed: bool = False
    export: Cell | None = _as_is
    form_name: str | None = ""  # "" means the attribute's own name
    to_form: Callable[[Any], Any] = _as_is

    @property
    def header(self) -> str:
        return self.label[:1].upper() + self.label[1:]

    @property
    def field_name(self) -> str | None:
        return self.attribute if self.form_name == "" else self.form_name

    @property
    def editable(self) -> bool:
        return self.field_name is not None

    @property
    def column(self) -> InstrumentedAttribute:
        return getattr(Registration, self.attribute)


FIELDS: tuple[RegistrantField, ...] = (
    RegistrantField("name", "name", listed=True),
    RegistrantField("email", "email", listed=True),
    RegistrantField(
        "status", "status", listed=True, export=_label(RegistrationStatus), form_name=None
    ),
    RegistrantField("role", "role", export=_label(Role)),
    RegistrantField("organisation_name", "organisation", listed=True),
    RegistrantField(
        "organisation_type", "organisation type", listed=True, export=_label(OrganisationType)
    ),
    RegistrantField("health_region", "health region", listed=True, export=_label(HealthRegion)),
    RegistrantField(
        "hsda", "HSDA", export=lambda code, rooms: code or "", to_form=lambda code: code or ""
    ),
    RegistrantField(
        "first_choice_id",
        "first choice",
        listed=True,
        export=_room,
        form_name="first_choice",
        to_form=_room_choice,
    ),
    RegistrantField(
        "second_choice_id",
        "second choice",
        export=_room,
        form_name="second_choice",
        to_form=_room_choice,
    ),
    RegistrantField(
        "assigned_breakout_id", "assigned breakout", listed=True, export=_room, form_name=None
    ),
    RegistrantField("accessibility_needs", "accessibility needs", listed=True),
    # Identity and territory are for the steering committee's aggregates, never a
    # spreadsheet of named people.
    RegistrantField("indigenous_identity", "Indigenous identity", export=None, to_form=str.split),
    RegistrantField("territory", "territory", export=None),
    RegistrantField(
        "consent_followup_at",
        "follow-up consent",
        export=lambda moment, rooms: "yes" if moment else "no",
        form_name="consent_followup",
        to_form=lambda moment: moment is not None,
    ),
    RegistrantField(
        "created_at",
        "registered at (UTC)",
        listed=True,
        export=lambda moment, rooms: moment.strftime("%Y-%m-%d %H:%M"),
        form_name=None,
    ),
)


def listed_columns() -> list[InstrumentedAttribute]:
    """The columns the organiser's list loads: the listed fields' (and the id)."""
    return [Registration.id, *(field.column for field in FIELDS if field.listed)]


def editable_fields() -> dict[str, str]:
    """Attribute -> label of the fields a form edits, for the history's "Changed: ..."."""
    return {field.attribute: field.label for field in FIELDS if field.editable}


def export_headers() -> tuple[str, ...]:
    return tuple(field.header for field in FIELDS if field.export is not None)


def export_row(registration: Registration, rooms: Mapping[int, str]) -> list:
    return [
        field.export(getattr(registration, field.attribute), rooms)
        for field in FIELDS
        if field.export is not None
    ]


def form_data(registration: Registration) -> dict:
    """What the manage and organiser edit forms start from."""
    return {
        field.field_name: field.to_form(getattr(registration, field.attribute))
        for field in FIELDS
        if field.field_name is not None
    }
