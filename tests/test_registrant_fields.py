"""One registrant field specification (app.registration.fields): the organiser's list, the
columns it loads, the CSV export, the history's edited fields and the edit forms all
follow it. A field added to the spec shows in every one of them."""

import csv
import io
import re

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import RegistrantEvent, Registration
from app.organiser.registrants import ROW_OWN_CELLS
from app.registration import fields
from app.registration.fields import RegistrantField


def test_the_spec_gives_what_the_pages_wrote_out_before():
    assert fields.export_headers() == (
        "Name",
        "Email",
        "Status",
        "Role",
        "Organisation",
        "Organisation type",
        "Health region",
        "HSDA",
        "First choice",
        "Second choice",
        "Assigned breakout",
        "Accessibility needs",
        "Follow-up consent",
        "Registered at (UTC)",
    )
    assert fields.editable_fields() == {
        "name": "name",
        "email": "email",
        "role": "role",
        "organisation_name": "organisation",
        "organisation_type": "organisation type",
        "health_region": "health region",
        "hsda": "HSDA",
        "first_choice_id": "first choice",
        "second_choice_id": "second choice",
        "accessibility_needs": "accessibility needs",
        "indigenous_identity": "Indigenous identity",
        "territory": "territory",
        "consent_followup_at": "follow-up consent",
    }
    listed = {column.key for column in fields.listed_columns()}
    # Every cell a list row shows of its own is loaded with the page.
    assert ROW_OWN_CELLS | {"id"} == listed


@pytest.fixture
def pronouns(monkeypatch):
    """'Pronouns' added to the spec, listed and exported, on an existing text column (the
    territory's) so that no migration is needed to try it."""
    spec = tuple(field for field in fields.FIELDS if field.attribute != "territory")
    added = RegistrantField("territory", "pronouns", listed=True)
    monkeypatch.setattr(fields, "FIELDS", (*spec, added))
    return added


def test_a_field_added_to_the_spec_shows_everywhere(
    pronouns, organiser_client, make_gathering, make_registration
):
    gathering = make_gathering()
    person = make_registration(gathering, name="Amara Singh", territory="she/her")
    assert fields.form_data(person)["territory"] == "she/her"

    # The list: loaded with the page (no query per row) and shown in its own column.
    db.session.expire_all()
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = organiser_client.get(f"/organiser/g/{gathering.slug}/registrants")
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    html = page.get_data(as_text=True)
    assert '<th scope="col">Pronouns</th>' in html
    assert "<td>she/her</td>" in html
    loads = [s for s in statements if re.search(r"FROM registrations\s+WHERE registrations.id", s)]
    assert loads and all("registrations.territory" in s for s in loads)

    # The export.
    response = organiser_client.get(f"/organiser/g/{gathering.slug}/registrants.csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    column = rows[0].index("Pronouns")
    assert rows[1][column] == "she/her"

    # The organiser's edit form starts from it, and the history names its change.
    url = f"/organiser/g/{gathering.slug}/registrants/{person.id}/edit"
    assert 'value="she/her"' in organiser_client.get(url).get_data(as_text=True)
    form = {
        "name": person.name,
        "email": person.email,
        "role": person.role,
        "organisation_name": person.organisation_name,
        "organisation_type": person.organisation_type,
        "health_region": person.health_region,
        "first_choice": str(person.first_choice_id or ""),
        "second_choice": str(person.second_choice_id or ""),
        "territory": "they/them",
        "announce": "quiet",  # the organiser chose to save without emailing them
    }
    assert organiser_client.post(url, data=form).status_code == 303
    assert db.session.get(Registration, person.id).territory == "they/them"
    detail = db.session.scalar(
        select(RegistrantEvent.detail).where(
            RegistrantEvent.registration_id == person.id, RegistrantEvent.kind == "edited"
        )
    )
    assert detail == "Changed: pronouns"
