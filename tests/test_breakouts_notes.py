"""Structured breakout notes: saving, versions, conflicts, autosave, safe Markdown, report."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import Markup
from sqlalchemy import select, update

from app.breakouts import note_taking, staffing
from app.breakouts.note_taking import NoteConflict, NoteContent
from app.extensions import db
from app.markdown import render_markdown as render_summary
from app.models import BreakoutNote, BreakoutNoteVersion
from tests.conftest import login

pytest_plugins = ["tests.fixtures_breakouts"]

NOW = datetime(2026, 11, 20, 18, 42, tzinfo=UTC)


def content(**overrides) -> NoteContent:
    values = {
        "questions": ["What helps families most?"],
        "summary": "We talked about **continuity**.",
        "themes": ["Virtual care", "Rural doulas"],
        "actions": [{"text": "Fund travel", "owner": "Ministry", "for_steering": True}],
        "quotes": [{"text": "I drove four hours.", "consent": True}],
        "head_count": 12,
    }
    values.update(overrides)
    return NoteContent(**values)


def history(note: BreakoutNote) -> list[tuple[int, str, bool]]:
    return [(v.version, v.status, v.autosave) for v in note_taking.note_versions(note)]


# --- services ---------------------------------------------------------------------------


def test_each_save_raises_the_version_and_keeps_history(staffed, facilitator):
    _, room = staffed
    note = note_taking.save_note(room, content(), based_on=0, user=facilitator, now=NOW)
    db.session.commit()
    assert note.version == 1
    note = note_taking.save_note(
        room, content(summary="Second"), based_on=1, user=facilitator, now=NOW, submit=True
    )
    db.session.commit()
    assert (note.version, note.status, note.submitted_at) == (2, "submitted", NOW)
    assert history(note) == [(2, "submitted", False), (1, "draft", False)]
    first = note_taking.note_version(note, 1)
    assert first.content["summary"] == "We talked about **continuity**."
    assert first.saved_by == facilitator


def test_a_save_based_on_an_old_version_is_refused(staffed, facilitator, note_taker):
    _, room = staffed
    note_taking.save_note(room, content(), based_on=0, user=facilitator, now=NOW)
    note_taking.save_note(room, content(summary="Theirs"), based_on=1, user=note_taker, now=NOW)
    db.session.commit()
    with pytest.raises(NoteConflict) as caught:
        note_taking.save_note(room, content(summary="Mine"), based_on=1, user=facilitator, now=NOW)
    assert caught.value.current_version == 2
    db.session.rollback()
    assert note_taking.note_for(room).summary == "Theirs"
    with pytest.raises(NoteConflict):
        note_taking.save_note(room, content(), based_on=0, user=facilitator, now=NOW)


def test_the_update_itself_refuses_a_save_that_raced_past_the_check(staffed, facilitator):
    """The note was read at version 1; another connection saves version 2 before this
    session writes. The WHERE version = 1 in the UPDATE must stop the overwrite."""
    _, room = staffed
    note_taking.save_note(room, content(), based_on=0, user=facilitator, now=NOW)
    db.session.commit()
    read = note_taking.note_for(room)
    assert read.version == 1
    with db.engine.begin() as other:
        other.execute(
            update(BreakoutNote)
            .where(BreakoutNote.id == read.id)
            .values(version=2, summary="Saved by someone else")
        )
    with pytest.raises(NoteConflict):
        note_taking.save_note(room, content(summary="Mine"), based_on=1, user=facilitator, now=NOW)
    db.session.rollback()
    assert note_taking.note_for(room).summary == "Saved by someone else"


def test_autosaves_by_one_person_share_a_version_row(staffed, facilitator, note_taker):
    _, room = staffed
    save = note_taking.save_note
    note = save(room, content(), based_on=0, user=facilitator, now=NOW, autosave=True)
    note = save(
        room,
        content(summary="a"),
        based_on=1,
        user=facilitator,
        now=NOW + timedelta(minutes=1),
        autosave=True,
    )
    note = save(
        room,
        content(summary="ab"),
        based_on=2,
        user=facilitator,
        now=NOW + timedelta(minutes=2),
        autosave=True,
    )
    assert note.version == 3
    assert history(note) == [(3, "draft", True)]
    assert note_taking.note_version(note, 3).content["summary"] == "ab"

    # Another person, an explicit save, or a long pause each start a new row.
    note = save(
        room,
        content(summary="abc"),
        based_on=3,
        user=note_taker,
        now=NOW + timedelta(minutes=3),
        autosave=True,
    )
    note = save(
        room, content(summary="abcd"), based_on=4, user=note_taker, now=NOW + timedelta(minutes=4)
    )
    note = save(
        room,
        content(summary="abcde"),
        based_on=5,
        user=note_taker,
        now=NOW + timedelta(minutes=5),
        autosave=True,
    )
    note = save(
        room,
        content(summary="later"),
        based_on=6,
        user=note_taker,
        now=NOW + timedelta(minutes=30),
        autosave=True,
    )
    db.session.commit()
    assert [v for v, _, _ in history(note)] == [7, 6, 5, 4, 3]


def test_a_draft_keeps_quotes_without_consent_but_the_report_never_has_them(staffed, facilitator):
    gathering, room = staffed
    quotes = [{"text": "Yes", "consent": True}, {"text": "No consent", "consent": False}]
    note = note_taking.save_note(
        room, content(quotes=quotes), based_on=0, user=facilitator, now=NOW
    )
    db.session.commit()
    assert note.quotes == quotes
    assert note_taking.note_version(note, 1).content["quotes"] == quotes
    with pytest.raises(ValueError, match="speaker agreed"):
        note_taking.save_note(
            room, content(quotes=quotes), based_on=1, user=facilitator, now=NOW, submit=True
        )
    db.session.rollback()
    note_taking.save_note(
        room, content(quotes=quotes[:1]), based_on=1, user=facilitator, now=NOW, submit=True
    )
    note_taking.save_note(room, content(quotes=quotes), based_on=2, user=facilitator, now=NOW)
    db.session.commit()
    [row] = note_taking.notes_for_report(gathering.id, [room.id])
    assert row["quotes"] == ["Yes"]


def test_overview_and_report_use_what_was_submitted(staffed, facilitator, make_gathering):
    gathering, room = staffed
    other_room = gathering.breakouts[1]
    states = {e.room.id: e.state for e in note_taking.notes_overview(gathering)}
    assert set(states.values()) == {"not_started"}

    note_taking.save_note(room, content(), based_on=0, user=facilitator, now=NOW, submit=True)
    note_taking.save_note(other_room, content(), based_on=0, user=facilitator, now=NOW)
    db.session.commit()
    states = {e.room.id: e.state for e in note_taking.notes_overview(gathering)}
    assert states[room.id] == "submitted" and states[other_room.id] == "draft"

    rows = note_taking.notes_for_report(gathering.id, [r.id for r in gathering.breakouts])
    assert [r["agenda_item_id"] for r in rows] == [room.id]  # drafts stay out
    row = rows[0]
    assert isinstance(row["summary_html"], Markup)
    assert "<strong>continuity</strong>" in row["summary_html"]
    assert row["themes"] == ["Virtual care", "Rural doulas"]
    assert row["actions"] == [
        {"text": "Fund travel", "owner": "Ministry", "steering": True, "for_steering": True}
    ]
    assert row["quotes"] == ["I drove four hours."]
    assert row["head_count"] == 12

    # Edited after submission: a draft again, but the report keeps the submitted text.
    note_taking.save_note(
        room, content(summary="Half-edited"), based_on=1, user=facilitator, now=NOW
    )
    db.session.commit()
    states = {e.room.id: e.state for e in note_taking.notes_overview(gathering)}
    assert states[room.id] == "changed"
    rows = note_taking.notes_for_report(gathering.id, [room.id])
    assert "continuity" in rows[0]["summary_html"] and "Half-edited" not in rows[0]["summary_html"]
    assert note_taking.notes_for_report(make_gathering().id, [room.id]) == []


@pytest.mark.parametrize(
    ("markdown", "present", "absent"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;", "<script"),
        ('<img src=x onerror="alert(1)">', "&lt;img", "<img"),
        ("[click](javascript:alert(1))", "[click]", "href"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "[x]", "href"),
        ("[rel](/organiser/)", ">rel</a>", "href"),
        ("![pic](https://tracker.example/p.png)", "pic", "<img"),
        ("[ok](https://example.org/a?b=1)", 'href="https://example.org/a?b=1"', "javascript"),
        ("[mail](mailto:cop@example.org)", 'href="mailto:cop@example.org"', "<script"),
        ("# Big heading", "# Big heading", "<h1"),
        ('<a href="https://e.org" onclick="x()">a</a>', "&lt;a", "<a href"),
        ("*em* and **strong**\n\n- one\n- two", "<li>one</li>", "<script"),
    ],
)
def test_summary_markdown_is_rendered_safely(markdown, present, absent):
    html = render_summary(markdown)
    assert isinstance(html, Markup)
    assert present in html
    assert absent not in html


def test_links_open_safely():
    html = render_summary("See [the plan](https://example.org/plan).")
    assert 'rel="noopener noreferrer"' in html


# --- pages ------------------------------------------------------------------------------


@pytest.fixture
def fac_client(client, facilitator, staffed):
    login(client, facilitator)
    return client


def notes_url(room) -> str:
    return f"/breakouts/{room.id}/notes"


def test_notes_page_saves_and_submits_without_javascript(fac_client, staffed, notes_post):
    _, room = staffed
    page = fac_client.get(notes_url(room))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="version" type="hidden" value="0"' in html or 'value="0"' in html
    assert "Attachment of unattached perinatal patients" in html  # the area's themes
    assert "js/notes.js" in html

    data = notes_post(
        0,
        themes=["Nurse practitioners in perinatal care", "Team-based care"],
        other_themes="Rural doulas, team-based care,  Rural   doulas",
    )
    response = fac_client.post(notes_url(room), data=data)
    assert response.status_code == 303
    note = note_taking.note_for(room)
    assert note.version == 1 and note.status == "draft"
    assert note.questions == ["What gets in the way?", "What would help?"]
    assert note.themes == [
        "Nurse practitioners in perinatal care",
        "Team-based care",
        "Rural doulas",
    ]
    assert note.actions == [
        {"text": "Map attachment lists by region", "owner": "Working group", "for_steering": True}
    ]
    assert note.quotes == [{"text": "We need one number to call.", "consent": True}]
    assert note.head_count == 14
    assert "Draft saved at" in fac_client.get(notes_url(room)).get_data(as_text=True)

    response = fac_client.post(notes_url(room), data=notes_post(1, action="submit"))
    assert response.status_code == 303
    db.session.refresh(note)
    assert (note.version, note.status) == (2, "submitted")
    page = fac_client.get(notes_url(room)).get_data(as_text=True)
    assert "Notes submitted" in page and "Submitted" in page
    assert "<strong>attachment</strong>" in page  # the preview of the saved summary


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"action": "submit", "quotes-0-consent": None},
            "Quote 1: “We need one number to call.”: tick that the speaker agreed",
        ),
        ({"action": "submit", "summary": "  "}, "Write a summary before submitting"),
        ({"head_count": "lots"}, "Not a valid integer value"),
        ({"head_count": "-3"}, "Enter a number from 0 to 2000"),
        ({"actions-0-text": "", "actions-0-owner": "Ministry"}, "Describe the action"),
        ({"other_themes": "x" * 90}, "Keep each theme under 80 characters"),
        ({"summary": "y" * 20001}, "20000"),
        ({"themes": "A theme from another room"}, "not a valid choice"),
    ],
)
def test_bad_input_is_refused_and_kept(fac_client, staffed, notes_post, fields, message):
    _, room = staffed
    response = fac_client.post(notes_url(room), data=notes_post(0, **fields))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "error-summary" in html
    assert "We need one number to call." in html  # what was typed is still there
    assert "What would help?" in html
    assert note_taking.note_for(room) is None


def test_stale_save_shows_both_versions_and_loses_nothing(
    fac_client, staffed, notes_post, note_taker
):
    _, room = staffed
    note_taking.save_note(
        room, content(summary="Their careful summary"), based_on=0, user=note_taker, now=NOW
    )
    db.session.commit()
    response = fac_client.post(notes_url(room), data=notes_post(0, summary="My own typed summary"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else saved these notes" in html
    assert "My own typed summary" in html  # the form keeps the typing
    assert "Their careful summary" in html  # their version beside it
    assert "Nico Notetaker" in html
    assert re.search(r'name="version" type="hidden" value="1"|value="1"[^>]*name="version"', html)
    assert note_taking.note_for(room).summary == "Their careful summary"

    # Saving again from that page is a deliberate choice and now succeeds.
    response = fac_client.post(notes_url(room), data=notes_post(1, summary="My own typed summary"))
    assert response.status_code == 303
    note = note_taking.note_for(room)
    assert note.summary == "My own typed summary"
    assert note_taking.note_version(note, 1).content["summary"] == "Their careful summary"


def test_autosave_answers_in_json(fac_client, staffed, notes_post, note_taker):
    _, room = staffed
    response = fac_client.post(
        notes_url(room), data=notes_post(0, action="autosave", **{"quotes-0-consent": None})
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["saved"] is True and body["version"] == 1 and body["status"] == "draft"
    assert re.fullmatch(r"\d{1,2}:\d{2} [ap]\.m\. P[SD]?T", body["saved_at"])
    assert body["unconsented"] == 1  # saved with the draft, refused only on submit
    assert note_taking.note_for(room).quotes == [
        {"text": "We need one number to call.", "consent": False}
    ]

    note_taking.save_note(
        room, content(summary="Note-taker's text"), based_on=1, user=note_taker, now=NOW
    )
    db.session.commit()
    response = fac_client.post(notes_url(room), data=notes_post(1, action="autosave"))
    assert response.status_code == 409
    body = response.get_json()
    assert body["conflict"] is True and body["version"] == 2
    assert body["saved_by"] == "Nico Notetaker"
    assert body["theirs"]["summary"] == "Note-taker's text"
    assert note_taking.note_for(room).summary == "Note-taker's text"

    response = fac_client.post(
        notes_url(room), data=notes_post(2, action="autosave", head_count="many")
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == ["Not a valid integer value."]


def test_earlier_versions_are_listed_and_viewable(fac_client, staffed, notes_post, note_taker):
    _, room = staffed
    fac_client.post(notes_url(room), data=notes_post(0, summary="First <b>words</b>"))
    fac_client.post(notes_url(room), data=notes_post(1, summary="Second words"))
    listing = fac_client.get(f"/breakouts/{room.id}/notes/versions")
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert "Version 2" in text and "Version 1" in text and "Fran Facilitator" in text
    old = fac_client.get(f"/breakouts/{room.id}/notes/versions/1").get_data(as_text=True)
    assert "First &lt;b&gt;words&lt;/b&gt;" in old and "earlier version" in old
    assert fac_client.get(f"/breakouts/{room.id}/notes/versions/9").status_code == 404


def test_extra_rows_posted_by_the_script_are_saved(fac_client, staffed, notes_post):
    _, room = staffed
    data = notes_post(
        0,
        **{
            "actions-5-text": "Row added in the browser",
            "quotes-3-text": "Another voice",
            "quotes-3-consent": "y",
        },
    )
    assert fac_client.post(notes_url(room), data=data).status_code == 303
    note = note_taking.note_for(room)
    assert [a["text"] for a in note.actions] == [
        "Map attachment lists by region",
        "Row added in the browser",
    ]
    assert [q["text"] for q in note.quotes] == ["We need one number to call.", "Another voice"]


def test_autosave_with_the_csrf_header(csrf_app, facilitator, make_gathering, notes_post):
    gathering = make_gathering()
    room = gathering.breakouts[0]
    staffing.add_staff(room, facilitator, "facilitator")
    db.session.commit()
    client = csrf_app.test_client()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        client.get("/sign-in").get_data(as_text=True),
    ).group(1)
    response = client.post(
        "/sign-in",
        data={"email": facilitator.email, "password": "correct horse battery", "csrf_token": token},
    )
    assert response.status_code == 303
    page = client.get(notes_url(room)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    refused = client.post(notes_url(room), data=notes_post(0, action="autosave"))
    assert refused.status_code == 400
    saved = client.post(
        notes_url(room),
        data=notes_post(0, action="autosave"),
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert saved.status_code == 200 and saved.get_json()["version"] == 1


def test_notes_history_rows_match_versions(staffed, facilitator):
    _, room = staffed
    for version in range(3):
        note_taking.save_note(
            room, content(summary=str(version)), based_on=version, user=facilitator, now=NOW
        )
    db.session.commit()
    rows = db.session.scalars(select(BreakoutNoteVersion.version)).all()
    assert sorted(rows) == [1, 2, 3]


def test_what_people_type_is_escaped_on_every_page(fac_client, staffed, notes_post, note_taker):
    _, room = staffed
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    data = notes_post(
        0,
        questions=evil,
        summary=evil,
        other_themes=evil,
        **{"actions-0-text": evil, "actions-0-owner": evil, "quotes-0-text": evil},
    )
    assert fac_client.post(notes_url(room), data=data).status_code == 303
    note_taking.save_note(
        room,
        note_taking.NoteContent.from_note(note_taking.note_for(room)),
        based_on=1,
        user=note_taker,
        now=NOW,
    )
    db.session.commit()
    pages = [
        fac_client.get(notes_url(room)),
        fac_client.get(f"/breakouts/{room.id}/notes/versions/1"),
        fac_client.post(notes_url(room), data=notes_post(1, summary=evil)),  # conflict page
    ]
    assert pages[2].status_code == 409
    for response in pages:
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_save_draft_keeps_an_unconsented_quote_and_submit_names_it(fac_client, staffed, notes_post):
    _, room = staffed
    response = fac_client.post(notes_url(room), data=notes_post(0, **{"quotes-0-consent": None}))
    assert response.status_code == 303
    note = note_taking.note_for(room)
    assert note.quotes == [{"text": "We need one number to call.", "consent": False}]
    response = fac_client.post(
        notes_url(room), data=notes_post(1, action="submit", **{"quotes-0-consent": None})
    )
    assert response.status_code == 422
    assert "Quote 1: “We need one number to call.”" in response.get_data(as_text=True)
    db.session.refresh(note)
    assert (note.version, note.status) == (1, "draft")
