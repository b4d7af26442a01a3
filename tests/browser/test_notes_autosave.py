"""notes.js in a real Chromium against a live gunicorn server: autosave, added rows, the
conflict panel instead of an overwrite, and a deliberate "keep mine"."""

import pytest

from app.auth.services import find_user
from app.breakouts import note_taking, staffing
from app.breakouts.note_taking import NoteContent
from app.extensions import db
from app.models import AgendaItem, utcnow

PASSWORD = "correct horse battery"

pytest_plugins = ["tests.fixtures_server"]
pytestmark = pytest.mark.browser


@pytest.fixture
def notes_page(live_server, chromium):
    seeded = live_server.seed()
    with live_server.app_context():
        room_id = live_server.breakout_ids(seeded.gathering_id)[0]
        room = db.session.get(AgendaItem, room_id)
        staffing.add_staff(room, find_user(seeded.users["facilitator"]), "facilitator")
        db.session.commit()
    context = chromium.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.goto(f"{live_server.url}/sign-in")
    page.fill("#email", seeded.users["facilitator"])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Sign in")
    page.wait_for_url("**/breakouts/")
    page.goto(f"{live_server.url}/breakouts/{room_id}/notes")
    yield page, room_id, problems
    context.close()


def stored_note(live_server, room_id):
    with live_server.app_context():
        note = note_taking.note_for(db.session.get(AgendaItem, room_id))
        if note is None:
            return None
        return {
            "version": note.version,
            "summary": note.summary,
            "status": note.status,
            "actions": [a["text"] for a in note.actions],
            "history": [v.content["summary"] for v in note_taking.note_versions(note)],
        }


def test_autosave_rows_and_conflict(live_server, notes_page):
    page, room_id, problems = notes_page
    expect = pytest.importorskip("playwright.sync_api").expect
    status = page.locator("[data-autosave-status]")
    version = page.locator("[data-note-version]")

    page.fill("#summary", "Typed in the browser.")
    expect(status).to_contain_text("Draft saved at")
    assert stored_note(live_server, room_id)["summary"] == "Typed in the browser."
    assert version.input_value() == "1"

    page.click("button[data-add-row=actions]")
    new_row = page.locator("#actions-2-text")
    assert new_row.is_visible()
    assert new_row.evaluate("el => el === document.activeElement")
    new_row.fill("An action added in the browser")
    expect(version).to_have_value("2")
    assert stored_note(live_server, room_id)["actions"] == ["An action added in the browser"]

    # Someone else saves version 3 while this page still holds version 2.
    with live_server.app_context():
        room = db.session.get(AgendaItem, room_id)
        note_taking.save_note(
            room,
            NoteContent(summary="The note-taker's own summary."),
            based_on=2,
            user=None,
            now=utcnow(),
        )
        db.session.commit()

    page.fill("#summary", "My longer summary, typed after theirs.")
    conflict = page.locator("[data-conflict]")
    conflict.wait_for(state="visible")
    assert "The note-taker's own summary." in conflict.inner_text()
    assert "Not saved" in status.inner_text()
    assert page.input_value("#summary") == "My longer summary, typed after theirs."
    assert stored_note(live_server, room_id)["summary"] == "The note-taker's own summary."

    # Further typing does not overwrite silently while the conflict is open.
    page.type("#summary", " More.")
    page.wait_for_timeout(2600)
    assert stored_note(live_server, room_id)["version"] == 3

    page.click("[data-keep-mine]")
    expect(version).to_have_value("4")
    note = stored_note(live_server, room_id)
    assert note["summary"] == "My longer summary, typed after theirs. More."
    assert "The note-taker's own summary." in note["history"]

    page.click("button[value=submit]")
    page.wait_for_load_state()
    assert "Notes submitted" in page.content()
    assert stored_note(live_server, room_id)["status"] == "submitted"
    assert problems == []
