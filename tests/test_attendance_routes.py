"""Attendance pages over HTTP: upload, review, threshold, live check-in, CLI."""

import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.facts import gathering_facts
from app.models import AccessLogEntry, AttendanceRecord, ImportBatch, ImportStatus
from tests.conftest import PASSWORD, login

pytest_plugins = ["tests.fixtures_attendance"]


def record_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AttendanceRecord))


def upload(client, gathering, data: bytes, *, item="all", filename="report.csv"):
    return client.post(
        f"/organiser/g/{gathering.slug}/attendance/import",
        data={"item": item, "report": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_upload_review_confirm(organiser_client, gathering_2022, sample_people, sample_bytes):
    page = organiser_client.get(f"/organiser/g/{gathering_2022.slug}/attendance/import")
    assert page.status_code == 200
    assert "Import a Zoom or Teams attendance report" in page.get_data(as_text=True)

    plenary = gathering_2022.active_agenda[0]
    response = upload(
        organiser_client, gathering_2022, sample_bytes("zoom_participants.csv"), item=plenary.id
    )
    assert response.status_code == 303
    review_url = response.headers["Location"]
    assert record_count() == 0

    review = organiser_client.get(review_url)
    html = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "Nothing is saved until" in html
    assert "iPhone (2)" in html and "Jordan O&#39;Neill" in html
    assert "Émilie Côté" in html
    logged = db.session.execute(select(AccessLogEntry.what, AccessLogEntry.people)).all()
    assert [(what, people > 0) for what, people in logged] == [("attendance_review", True)]
    index = re.search(r'name="d(\d+)"', html).group(1)

    confirmed = organiser_client.post(review_url, data={f"d{index}": "walk_in"})
    assert confirmed.status_code == 303
    assert record_count() == 7
    batch = db.session.scalar(select(ImportBatch))
    assert batch.status == ImportStatus.CONFIRMED and batch.walk_ins == 1

    again = organiser_client.post(review_url, data={})
    assert again.status_code == 200
    assert record_count() == 7
    overview = organiser_client.get(f"/organiser/g/{gathering_2022.slug}/attendance/import")
    assert "zoom_participants.csv" not in overview.get_data(as_text=True)
    assert "report.csv" in overview.get_data(as_text=True)


def test_reupload_of_the_same_file_warns_and_does_not_double_count(
    organiser_client, gathering_2022, sample_people, sample_bytes
):
    data = sample_bytes("teams_attendance.csv", variant=False)
    for attempt in range(2):
        response = upload(organiser_client, gathering_2022, data)
        review = organiser_client.get(response.headers["Location"])
        warned = "This same file was already imported" in review.get_data(as_text=True)
        assert warned == (attempt == 1)
        organiser_client.post(response.headers["Location"], data={})
    assert record_count() == 4


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "The file is empty."),
        (b"%PDF-1.7 stuff", "PDF"),
        (b"Name,Email\nAna,a@x.example\n", "not a Zoom or Teams attendance report"),
        (
            b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
            b"Ana,a@x.example,10/20/2022 9:00,10/20/2022 9:30,abc\n",
            "Line 2",
        ),
    ],
)
def test_bad_files_get_a_clear_message_and_nothing_saved(
    organiser_client, gathering_2022, data, words
):
    response = upload(organiser_client, gathering_2022, data, filename="bad.csv")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert words in html
    assert "bad.csv" in html
    assert 'selected value="all"' in html or 'value="all" selected' in html
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_upload_without_file_or_item(organiser_client, gathering_2022):
    response = organiser_client.post(
        f"/organiser/g/{gathering_2022.slug}/attendance/import",
        data={"item": "999999"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Choose the report file to upload." in html


def test_discard(organiser_client, gathering_2022, sample_people, sample_bytes):
    response = upload(organiser_client, gathering_2022, sample_bytes("zoom_participants.csv"))
    batch_url = response.headers["Location"]
    discarded = organiser_client.post(batch_url + "/discard")
    assert discarded.status_code == 303
    assert db.session.scalar(select(ImportBatch)).status == ImportStatus.DISCARDED
    assert organiser_client.post(batch_url, data={}).status_code == 200
    assert record_count() == 0


def test_threshold_form(organiser_client, gathering_2022):
    url = f"/organiser/g/{gathering_2022.slug}/attendance/threshold"
    assert organiser_client.post(url, data={"minutes": "25"}).status_code == 303
    db.session.refresh(gathering_2022)
    assert gathering_2022.attendance_threshold_minutes == 25
    bad = organiser_client.post(url, data={"minutes": "-3"})
    assert bad.status_code == 400
    assert "Enter between 0 and 600 minutes." in bad.get_data(as_text=True)
    assert organiser_client.post(url, data={"minutes": "lots"}).status_code == 400
    db.session.refresh(gathering_2022)
    assert gathering_2022.attendance_threshold_minutes == 25


def test_review_of_another_gathering_is_not_found(
    organiser_client, gathering_2022, make_gathering, sample_bytes
):
    response = upload(organiser_client, gathering_2022, sample_bytes("zoom_participants.csv"))
    batch_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    other = make_gathering()
    assert (
        organiser_client.get(f"/organiser/g/{other.slug}/attendance/import/{batch_id}").status_code
        == 404
    )


@pytest.mark.parametrize("role", ["facilitator", "steering"])
def test_only_organisers_import(client, make_user, gathering_2022, role, sample_bytes):
    login(client, make_user(role))
    assert client.get(f"/organiser/g/{gathering_2022.slug}/attendance/import").status_code == 403
    response = upload(client, gathering_2022, sample_bytes("zoom_participants.csv"))
    assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in(client, gathering_2022):
    response = client.get(f"/organiser/g/{gathering_2022.slug}/attendance/import")
    assert response.status_code in (302, 303)
    item = gathering_2022.active_agenda[0]
    response = client.get(f"/g/{gathering_2022.slug}/checkin/{item.id}")
    assert response.status_code in (302, 303)


# --- check-in ---------------------------------------------------------------------------


def checkin_url(gathering, item, suffix=""):
    return f"/g/{gathering.slug}/checkin/{item.id}{suffix}"


def test_checkin_without_javascript(organiser_client, gathering_2022, sample_people):
    item = gathering_2022.active_agenda[0]
    page = organiser_client.get(checkin_url(gathering_2022, item))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Amara Singh" in html and "Mark present" in html
    assert 'data-search="emilie cote emilie.cote@divisionsbc.example"' in html

    found = organiser_client.get(checkin_url(gathering_2022, item) + "?q=emilie")
    assert "Émilie Côté" in found.get_data(as_text=True)
    assert "Amara Singh" not in found.get_data(as_text=True)

    emilie = sample_people["Émilie"]
    response = organiser_client.post(
        checkin_url(gathering_2022, item, "/present"),
        data={"present": emilie.id, "q": "emilie"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("?q=emilie")
    assert gathering_facts(gathering_2022).present_ids == {emilie.id}
    page = organiser_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Émilie Côté is marked present." in page and "Undo" in page

    organiser_client.post(
        checkin_url(gathering_2022, item, "/present"),
        data={"undo": emilie.id},
    )
    assert gathering_facts(gathering_2022).present_ids == set()


def test_checkin_with_javascript_gets_json(organiser_client, gathering_2022, sample_people):
    item = gathering_2022.active_agenda[0]
    sam = sample_people["Sam"]
    response = organiser_client.post(
        checkin_url(gathering_2022, item, "/present"),
        data={"present": sam.id},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json == {"present": True, "message": "Sam Wu is marked present.", "count": 1}
    bad = organiser_client.post(
        checkin_url(gathering_2022, item, "/present"),
        data={"present": "999999"},
        headers={"Accept": "application/json"},
    )
    assert bad.status_code == 400 and "not registered" in bad.json["error"]


def test_the_list_is_one_form_whose_buttons_say_who(
    organiser_client, gathering_2022, sample_people
):
    """No form per row: the list's one form carries the CSRF token once, and each button
    sends its registration as present=<id> or undo=<id>, named for the person."""
    item = gathering_2022.active_agenda[0]
    emilie, sam = sample_people["Émilie"], sample_people["Sam"]
    organiser_client.post(checkin_url(gathering_2022, item, "/present"), data={"present": sam.id})
    html = organiser_client.get(checkin_url(gathering_2022, item)).get_data(as_text=True)
    listed = html[html.index('id="checkin-list"') : html.index("</ul>", html.index("checkin-list"))]
    assert "<form" not in listed and 'type="hidden"' not in listed
    assert html.count(f'action="{checkin_url(gathering_2022, item, "/present")}"') == 1
    assert (
        f'<button name="present" value="{emilie.id}" class="button">Mark present'
        '<span class="visually-hidden"> Émilie Côté</span></button>'
    ) in listed
    assert (
        f'<button name="undo" value="{sam.id}" class="button button-secondary">Undo'
        '<span class="visually-hidden"> Sam Wu</span></button>'
    ) in listed
    assert listed.count('class="present-badge"') == 1


@pytest.mark.parametrize(
    "sent",
    [
        {},
        {"present": ""},
        {"present": "x"},
        {"present": "²"},
        {"present": str(2**70)},
        {"present": "999999"},
        {"undo": "999999"},
        {"present": "{own}", "undo": "{own}"},
        {"present": "{foreign}"},
        {"undo": "{foreign}"},
    ],
)
def test_a_button_value_that_is_not_someone_here_is_refused_plainly(
    organiser_client, gathering_2022, sample_people, make_gathering, make_registration, sent
):
    item = gathering_2022.active_agenda[0]
    own = sample_people["Sam"]
    foreign = make_registration(make_gathering(), name="Elsewhere Person")
    data = {key: value.format(own=own.id, foreign=foreign.id) for key, value in sent.items()}
    url = checkin_url(gathering_2022, item, "/present")
    as_json = organiser_client.post(url, data=data, headers={"Accept": "application/json"})
    assert as_json.status_code == 400
    assert as_json.json == {"error": "That person is not registered for this gathering."}
    plain = organiser_client.post(url, data={**data, "q": "sam"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("?q=sam")
    page = organiser_client.get(plain.headers["Location"]).get_data(as_text=True)
    assert "That person is not registered for this gathering." in page
    assert record_count() == 0


def test_walk_in_through_the_page(organiser_client, gathering_2022):
    item = gathering_2022.active_agenda[0]
    response = organiser_client.post(
        checkin_url(gathering_2022, item, "/walk-in"),
        data={"name": "<b>Aroha</b> Te Whare", "email": ""},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "&lt;b&gt;Aroha&lt;/b&gt; Te Whare" in html
    assert "<b>Aroha</b>" not in html
    assert gathering_facts(gathering_2022).walk_ins == 1
    bad = organiser_client.post(
        checkin_url(gathering_2022, item, "/walk-in"),
        data={"name": "Lee", "email": "not an email"},
        follow_redirects=True,
    )
    assert "Enter an email address" in bad.get_data(as_text=True)
    assert gathering_facts(gathering_2022).walk_ins == 1
    record = db.session.scalar(select(AttendanceRecord))
    page = organiser_client.get(checkin_url(gathering_2022, item)).get_data(as_text=True)
    assert f'name="record" value="{record.id}"' in page
    remove = checkin_url(gathering_2022, item, "/walk-in/remove")
    for tampered in ("", "x", str(2**70), str(record.id + 1000)):
        refused = organiser_client.post(remove, data={"record": tampered}, follow_redirects=True)
        assert "That walk-in is not recorded here." in refused.get_data(as_text=True)
    assert gathering_facts(gathering_2022).walk_ins == 1
    organiser_client.post(remove, data={"record": record.id})
    assert gathering_facts(gathering_2022).walk_ins == 0


def test_checkin_for_an_item_of_another_gathering_is_not_found(
    organiser_client, gathering_2022, make_gathering
):
    other_item = make_gathering().active_agenda[0]
    url = f"/g/{gathering_2022.slug}/checkin/{other_item.id}"
    assert organiser_client.get(url).status_code == 404


def test_facilitator_without_a_room_cannot_check_in(client, make_user, gathering_2022):
    login(client, make_user("facilitator"))
    breakout = gathering_2022.breakouts[0]
    assert client.get(checkin_url(gathering_2022, breakout)).status_code == 403
    plenary = gathering_2022.active_agenda[0]
    assert client.get(checkin_url(gathering_2022, plenary)).status_code == 403


def test_cli_import(runner, gathering_2022, sample_people, sample_bytes, tmp_path):
    path = tmp_path / "zoom.csv"
    path.write_bytes(sample_bytes("zoom_participants_with_meeting.csv"))
    dry = runner.invoke(args=["import-attendance", gathering_2022.slug, str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.strip() == (
        "Dry run, nothing saved: matched 3, ambiguous 0, unmatched 1, walk-ins 1"
    )
    assert record_count() == 0
    item = gathering_2022.active_agenda[0]
    real = runner.invoke(
        args=["import-attendance", gathering_2022.slug, str(path), "--item", str(item.id)]
    )
    assert real.exit_code == 0, real.output
    assert real.output.strip() == "matched 3, ambiguous 0, unmatched 1, walk-ins 1"
    assert record_count() == 4


def test_cli_errors(runner, gathering_2022, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"Name,Email\nA,b\n")
    result = runner.invoke(args=["import-attendance", gathering_2022.slug, str(bad)])
    assert result.exit_code != 0 and "not a Zoom or Teams attendance report" in result.output
    result = runner.invoke(args=["import-attendance", "no-such-gathering", str(bad)])
    assert result.exit_code != 0 and "no gathering" in result.output
    result = runner.invoke(
        args=["import-attendance", gathering_2022.slug, str(bad), "--item", "99999"]
    )
    assert result.exit_code != 0 and "not part of" in result.output


def test_facilitator_finds_everyone_registered_by_name_only(
    client, make_user, gathering_2022, sample_people, make_registration
):
    from app.models import BreakoutStaff

    facilitator = make_user("facilitator")
    room, other_room = gathering_2022.breakouts[0], gathering_2022.breakouts[1]
    db.session.add(BreakoutStaff(agenda_item_id=room.id, user_id=facilitator.id))
    amara, sam = sample_people["Amara"], sample_people["Sam"]
    amara.assigned_breakout_id = room.id
    sam.assigned_breakout_id = other_room.id
    db.session.commit()
    login(client, facilitator)

    page = client.get(checkin_url(gathering_2022, room))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Amara Singh" in html and "Sam Wu" not in html
    assert "amara.singh@fraserhealth.example" not in html
    assert "Fraser Health" not in html
    assert 'data-search="amara singh"' in html
    # Sam was placed in another room but joined this one: found by name, marked as
    # placed elsewhere, never with an address or organisation.
    searched = client.get(checkin_url(gathering_2022, room) + "?q=sam").get_data(as_text=True)
    assert "Sam Wu" in searched and "placed in another room" in searched
    assert "sam.wu@" not in searched
    assert "Sam Wu" not in client.get(checkin_url(gathering_2022, room) + "?q=gov.bc").get_data(
        as_text=True
    )

    ok = client.post(
        checkin_url(gathering_2022, room, "/present"),
        data={"present": amara.id},
        headers={"Accept": "application/json"},
    )
    assert ok.status_code == 200 and ok.json["present"] is True
    elsewhere = client.post(
        checkin_url(gathering_2022, room, "/present"),
        data={"present": sam.id},
        headers={"Accept": "application/json"},
    )
    assert elsewhere.status_code == 200 and "placed in" in elsewhere.json["message"]
    assert gathering_facts(gathering_2022).present_ids == {amara.id, sam.id}

    assert client.get(checkin_url(gathering_2022, other_room)).status_code == 403
    assert (
        client.post(
            checkin_url(gathering_2022, other_room, "/present"), data={"present": sam.id}
        ).status_code
        == 403
    )
    assert (
        client.post(
            checkin_url(gathering_2022, other_room, "/walk-in"), data={"name": "X"}
        ).status_code
        == 403
    )
    walk_in = client.post(
        checkin_url(gathering_2022, room, "/walk-in"),
        data={"name": "Mere Ngata", "email": "mere@x.example"},
        follow_redirects=True,
    )
    assert "Mere Ngata" in walk_in.get_data(as_text=True)
    assert "mere@x.example" not in walk_in.get_data(as_text=True)


def test_long_lists_are_capped_and_searchable(
    organiser_client, gathering_2022, sample_people, monkeypatch
):
    from app.attendance import routes

    monkeypatch.setattr(routes, "CHECKIN_LISTED", 3)
    item = gathering_2022.active_agenda[0]
    html = organiser_client.get(checkin_url(gathering_2022, item)).get_data(as_text=True)
    assert html.count('class="checkin-person') == 3
    assert "Showing the first 3 of 9 people" in html
    found = organiser_client.get(checkin_url(gathering_2022, item) + "?q=wu")
    assert "Sam Wu" in found.get_data(as_text=True)
    assert "Showing the first" not in found.get_data(as_text=True)


def test_search_as_you_type_lists_the_matches_for_a_long_list(
    app, organiser_client, make_user, gathering_2022, sample_people, make_registration
):
    """A list too long to show whole points the script at the search, which gives the
    list's items for what was typed: anyone for an organiser (a waitlisted person too),
    only the room's people by name for a facilitator."""
    from app.attendance import checkin, routes
    from app.models import BreakoutStaff

    item = gathering_2022.active_agenda[0]
    waiting = make_registration(gathering_2022, name="Wanda O’Brien", status="waitlisted")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(routes, "CHECKIN_LISTED", 3)
        page = organiser_client.get(checkin_url(gathering_2022, item)).get_data(as_text=True)
        assert f'data-search-url="{checkin_url(gathering_2022, item, "/search")}"' in page
        assert ' data-search="' not in page  # not filtered in the page: typing asks
    assert 'data-search-url="' not in organiser_client.get(
        checkin_url(gathering_2022, item)
    ).get_data(as_text=True)

    found = organiser_client.get(checkin_url(gathering_2022, item, "/search?q=obrien"))
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and "<html" not in html
    assert html.count('class="checkin-person') == 1 and "Wanda O’Brien" in html
    assert f'name="present" value="{waiting.id}"' in html
    assert "data-search=" not in html  # filtered by the server, not in the page
    by_address = organiser_client.get(checkin_url(gathering_2022, item, "/search?q=fraserhealth"))
    assert "Amara Singh" in by_address.get_data(as_text=True)
    nobody = organiser_client.get(checkin_url(gathering_2022, item, "/search?q=<b>x%25"))
    assert "Nobody matches “&lt;b&gt;x%”" in nobody.get_data(as_text=True)

    checkin.check_in(gathering_2022, item, waiting, user=None, now=gathering_2022.starts_at)
    db.session.commit()
    present = organiser_client.get(checkin_url(gathering_2022, item, "/search?q=wanda"))
    assert "Undo" in present.get_data(as_text=True)
    page = organiser_client.get(checkin_url(gathering_2022, item)).get_data(as_text=True)
    assert "Wanda O’Brien" in page  # checked in without being expected: listed after them

    facilitator = make_user("facilitator")
    room = gathering_2022.breakouts[0]
    db.session.add(BreakoutStaff(agenda_item_id=room.id, user_id=facilitator.id))
    sample_people["Amara"].assigned_breakout_id = room.id
    db.session.commit()
    client = app.test_client()
    login(client, facilitator)
    mine = client.get(checkin_url(gathering_2022, room, "/search?q=amara")).get_data(as_text=True)
    assert "Amara Singh" in mine and "fraserhealth" not in mine
    assert "Amara" not in client.get(
        checkin_url(gathering_2022, room, "/search?q=fraserhealth")
    ).get_data(as_text=True)
    elsewhere = client.get(checkin_url(gathering_2022, room, "/search?q=sam")).get_data(
        as_text=True
    )
    assert "Sam Wu" in elsewhere and "sam.wu@" not in elsewhere
    other = gathering_2022.breakouts[1]
    assert client.get(checkin_url(gathering_2022, other, "/search?q=sam")).status_code == 403


def test_forms_work_with_csrf_protection(csrf_app, gathering_2022, sample_people, organiser):
    client = csrf_app.test_client()

    def token(url):
        html = client.get(url).get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    signed_in = client.post(
        "/sign-in",
        data={"email": organiser.email, "password": PASSWORD, "csrf_token": token("/sign-in")},
    )
    assert signed_in.status_code == 303
    item = gathering_2022.active_agenda[0]
    url = checkin_url(gathering_2022, item)
    amara = sample_people["Amara"]
    refused = client.post(url + "/present", data={"present": amara.id})
    assert refused.status_code == 400
    assert gathering_facts(gathering_2022).present_ids == set()
    accepted = client.post(
        url + "/present",
        data={"present": amara.id, "csrf_token": token(url)},
        headers={"Accept": "application/json"},
    )
    assert accepted.status_code == 200 and accepted.json["present"]

    import_url = f"/organiser/g/{gathering_2022.slug}/attendance/import"
    no_token = client.post(
        import_url,
        data={"item": "all", "report": (io.BytesIO(b"x"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert no_token.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_ambiguous_dates_warned_and_order_can_be_chosen(organiser_client, gathering_2022):
    text = (
        b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
        b"Ana Silva,ana@x.example,03/04/2022 09:00:00,03/04/2022 10:00:00,60\n"
    )
    guessed = upload(organiser_client, gathering_2022, text)
    page = organiser_client.get(guessed.headers["Location"]).get_data(as_text=True)
    assert "could be read month-first or day-first" in page
    chosen = organiser_client.post(
        f"/organiser/g/{gathering_2022.slug}/attendance/import",
        data={"item": "all", "date_order": "dmy", "report": (io.BytesIO(text), "r.csv")},
        content_type="multipart/form-data",
    )
    page = organiser_client.get(chosen.headers["Location"]).get_data(as_text=True)
    assert "could be read month-first or day-first" not in page
