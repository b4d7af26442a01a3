"""Calendar routes, notification emails and send-mail, end to end with a real SMTP server."""

import io
import zipfile
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import vobject
from sqlalchemy import select

from app.choices import RegistrationStatus
from app.extensions import db
from app.jobs import run_pending
from app.models import MailStatus, OutboundEmail, Registration
from app.organiser.services import AgendaItemData, remove_item, update_item
from app.outbound import notifications
from app.outbound.mail import deliver_due
from app.registration.services import RegistrationData, cancel, register
from tests.conftest import login

pytest_plugins = ["tests.fixtures_mail"]


@pytest.fixture
def app(tmp_path, smtp_server, mail_app_for):
    yield from mail_app_for(tmp_path, smtp_server)


def parse(data: bytes):
    """Both parsers must accept it; return icalendar's view and vobject's."""
    assert b"\n" not in data.replace(b"\r\n", b"")
    return icalendar.Calendar.from_ical(data), vobject.readOne(data.decode("utf-8"))


def registration_data(**overrides) -> RegistrationData:
    values = {
        "name": "Amara Singh",
        "email": "Amara.Singh@example.org",
        "role": "midwife",
        "organisation_name": "Fraser Health",
        "organisation_type": "health_authority",
        "health_region": "fraser",
        "consent_collection": "y",
    }
    values.update(overrides)
    return RegistrationData(**values)


def after_the_hold() -> datetime:
    """Updates wait a few minutes for a newer change to replace them."""
    return datetime.now(UTC) + timedelta(minutes=6)


def calendar_parts(message) -> list:
    return [part for part in message.walk() if part.get_content_type() == "text/calendar"]


def invite_in(message):
    (part,) = calendar_parts(message)
    return part.get_param("method"), parse(part.get_payload(decode=True))


def item_data(item, **changes) -> AgendaItemData:
    values = {
        "kind": item.kind,
        "title": item.title,
        "description": item.description,
        "presenter": item.presenter,
        "priority_area": item.priority_area,
        "starts_at": item.starts_at,
        "ends_at": item.ends_at,
        "room_url": item.room_url,
        "capacity": item.capacity,
    }
    values.update(changes)
    return AgendaItemData(**values)


def test_registration_email_carries_a_request_invite(app, make_gathering, smtp_server):
    gathering = make_gathering(title="Provincial gathering; café, 2026")
    first = gathering.breakouts[2]
    outcome = register(
        gathering, registration_data(first_choice_id=first.id), now=datetime.now(UTC)
    )
    db.session.commit()
    assert deliver_due(now=datetime.now(UTC)).sent == 1

    (message,) = smtp_server.inbox.messages
    assert message["To"] == "amara.singh@example.org"
    assert message["Subject"] == "You are registered: Provincial gathering; café, 2026"
    assert message["Reply-To"] == "coordinator@example.org"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    manage_url = f"http://gathering.test/r/{outcome.token}"
    assert manage_url in text and manage_url in html
    assert "Your breakout: Breakout 3" in text
    assert first.room_url in text

    method, (ical, vcal) = invite_in(message)
    assert method == "REQUEST"
    assert str(ical["METHOD"]) == "REQUEST"
    (event,) = ical.walk("VEVENT")
    registration = outcome.registration
    assert str(event["UID"]) == registration.calendar_uid
    assert int(event["SEQUENCE"]) == gathering.calendar_sequence + registration.calendar_sequence
    assert event.decoded("DTSTART") == gathering.starts_at
    assert event.decoded("DTEND") == gathering.ends_at
    assert str(event["ATTENDEE"]) == "mailto:amara.singh@example.org"
    assert str(event["ORGANIZER"]) == "mailto:coordinator@example.org"
    assert str(event["SUMMARY"]) == "Provincial gathering; café, 2026"
    assert manage_url in str(event["DESCRIPTION"])
    assert vcal.vevent.dtstart.value == gathering.starts_at
    assert vcal.vevent.summary.value == "Provincial gathering; café, 2026"


def test_html_email_escapes_what_people_typed(app, make_gathering, smtp_server):
    gathering = make_gathering()
    register(
        gathering,
        registration_data(name="<script>alert(1)</script> Amara"),
        now=datetime.now(UTC),
    )
    db.session.commit()
    deliver_due(now=datetime.now(UTC))
    (message,) = smtp_server.inbox.messages
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Amara" in html


def test_smtp_outage_loses_nothing_and_send_mail_delivers_exactly_once(
    app, make_gathering, smtp_server, runner
):
    gathering = make_gathering()
    smtp_server.stop()
    outcome = register(gathering, registration_data(), now=datetime.now(UTC))
    db.session.commit()
    assert outcome.registration.status == RegistrationStatus.CONFIRMED

    report = deliver_due(now=datetime.now(UTC))
    assert report.failed == 1
    (email,) = db.session.scalars(select(OutboundEmail)).all()
    assert email.status == MailStatus.FAILED

    smtp_server.start()
    result = runner.invoke(args=["send-mail"])
    assert "Sent 0" in result.output  # still backing off
    result = runner.invoke(args=["send-mail", "--retry-now"])
    assert result.exit_code == 0, result.output
    assert "Sent 1, failed 0" in result.output
    result = runner.invoke(args=["send-mail", "--retry-now"])
    assert "Sent 0, failed 0" in result.output

    assert len(smtp_server.inbox.envelopes) == 1
    assert smtp_server.inbox.envelopes[0].rcpt_tos == ["amara.singh@example.org"]
    method, _ = invite_in(smtp_server.inbox.messages[0])
    assert method == "REQUEST"


def test_send_mail_reports_failures_with_a_nonzero_exit(app, make_gathering, smtp_server, runner):
    gathering = make_gathering()
    smtp_server.stop()
    register(gathering, registration_data(), now=datetime.now(UTC))
    db.session.commit()
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 1
    assert "Sent 0, failed 1" in result.output


def test_public_feed_is_stable_personal_data_free_and_right_in_time(
    app, client, make_gathering, make_registration
):
    gathering = make_gathering()
    make_registration(gathering, name="Zed Secret", email="zed.secret@example.org")
    first = client.get(f"/g/{gathering.slug}/calendar.ics")
    second = client.get(f"/g/{gathering.slug}/calendar.ics")
    assert first.status_code == 200
    assert first.mimetype == "text/calendar"
    body = first.get_data()
    assert b"Zed" not in body and b"zed.secret" not in body
    assert b"zoom.example" not in body

    ical, vcal = parse(body)
    again, _ = parse(second.get_data())
    items = gathering.agenda_items
    uids = [str(event["UID"]) for event in ical.walk("VEVENT")]
    assert uids == [item.calendar_uid for item in items]
    assert uids == [str(event["UID"]) for event in again.walk("VEVENT")]
    for event, item in zip(ical.walk("VEVENT"), items, strict=True):
        assert event.decoded("DTSTART") == item.starts_at
        assert event.decoded("DTEND") == item.ends_at
    for event, item in zip(vcal.vevent_list, items, strict=True):
        assert event.dtstart.value == item.starts_at
    assert client.get("/g/no-such-gathering/calendar.ics").status_code == 404


def test_public_page_offers_download_and_webcal_subscription(app, client, make_gathering):
    gathering = make_gathering()
    page = client.get(f"/g/{gathering.slug}/").get_data(as_text=True)
    assert f'href="http://gathering.test/g/{gathering.slug}/calendar.ics"' in page
    assert f'href="webcal://gathering.test/g/{gathering.slug}/calendar.ics"' in page


def test_time_change_raises_sequence_and_emails_an_update(app, client, make_gathering, smtp_server):
    gathering = make_gathering()
    outcome = register(gathering, registration_data(), now=datetime.now(UTC))
    db.session.commit()
    token = outcome.token
    before_feed, _ = parse(client.get(f"/g/{gathering.slug}/calendar.ics").get_data())
    before_invite, _ = parse(client.get(f"/r/{token}/invite.ics").get_data())
    assert client.get(f"/r/{token}/invite.ics").get_data() != b""

    welcome = gathering.agenda_items[0]
    moved = welcome.starts_at + timedelta(minutes=15)
    update_item(welcome, item_data(welcome, starts_at=moved, ends_at=moved + timedelta(hours=1)))
    notifications.schedule_changed(gathering)  # what the page does once the organiser chose
    db.session.commit()
    run_pending()  # the confirmation goes; the job writes the update, which waits
    assert len(smtp_server.inbox.envelopes) == 1
    assert deliver_due(now=after_the_hold()).sent == 1
    assert len(smtp_server.inbox.envelopes) == 2

    after_feed, _ = parse(client.get(f"/g/{gathering.slug}/calendar.ics").get_data())
    old = {str(e["UID"]): e for e in before_feed.walk("VEVENT")}
    new = {str(e["UID"]): e for e in after_feed.walk("VEVENT")}
    assert set(old) == set(new)
    assert int(new[welcome.calendar_uid]["SEQUENCE"]) > int(old[welcome.calendar_uid]["SEQUENCE"])
    assert new[welcome.calendar_uid].decoded("DTSTART") == moved

    after_invite, _ = parse(client.get(f"/r/{token}/invite.ics").get_data())
    (old_event,) = before_invite.walk("VEVENT")
    (new_event,) = after_invite.walk("VEVENT")
    assert str(new_event["UID"]) == str(old_event["UID"])
    assert int(new_event["SEQUENCE"]) > int(old_event["SEQUENCE"])

    confirmation, update = smtp_server.inbox.messages
    assert update["Subject"].startswith("Updated schedule")
    method, (ical, _) = invite_in(update)
    assert method == "REQUEST"
    (emailed,) = ical.walk("VEVENT")
    assert str(emailed["UID"]) == str(old_event["UID"])
    assert int(emailed["SEQUENCE"]) == int(new_event["SEQUENCE"])
    _, (first_ical, _) = invite_in(confirmation)
    assert int(emailed["SEQUENCE"]) > int(first_ical.walk("VEVENT")[0]["SEQUENCE"])


def test_cancellation_sends_cancel_for_the_same_uid(app, client, make_gathering, smtp_server):
    gathering = make_gathering()
    outcome = register(gathering, registration_data(), now=datetime.now(UTC))
    db.session.commit()
    cancel(outcome.registration, now=datetime.now(UTC))
    notifications.cancelled(outcome.registration, had_invite=True)
    db.session.commit()
    assert deliver_due(now=datetime.now(UTC)).sent == 2

    confirmation, cancellation = smtp_server.inbox.messages
    _, (requested, _) = invite_in(confirmation)
    method, (cancelled, vcal) = invite_in(cancellation)
    assert method == "CANCEL"
    assert str(cancelled["METHOD"]) == "CANCEL"
    (event,) = cancelled.walk("VEVENT")
    (original,) = requested.walk("VEVENT")
    assert str(event["UID"]) == str(original["UID"])
    assert int(event["SEQUENCE"]) > int(original["SEQUENCE"])
    assert str(event["STATUS"]) == "CANCELLED"
    assert vcal.vevent.status.value == "CANCELLED"

    download = client.get(f"/r/{outcome.token}/invite.ics")
    ical, _ = parse(download.get_data())
    assert str(ical["METHOD"]) == "CANCEL"


def test_waitlist_gets_no_invite_until_promoted(app, client, make_gathering, smtp_server):
    gathering = make_gathering(capacity=1)
    first = register(gathering, registration_data(email="first@example.org"), now=datetime.now(UTC))
    db.session.commit()
    waiting = register(
        gathering, registration_data(email="second@example.org"), now=datetime.now(UTC)
    )
    db.session.commit()
    assert waiting.registration.status == RegistrationStatus.WAITLISTED
    assert client.get(f"/r/{waiting.token}/invite.ics").status_code == 404

    for person in cancel(first.registration, now=datetime.now(UTC)):
        notifications.promoted(person)
    db.session.commit()
    deliver_due(now=datetime.now(UTC))
    by_kind = {(m["To"], m["Subject"].split(":")[0]): m for m in smtp_server.inbox.messages}
    assert not calendar_parts(by_kind["second@example.org", "You are on the waitlist"])
    promoted = by_kind["second@example.org", "A place opened"]
    method, (ical, _) = invite_in(promoted)
    assert method == "REQUEST"
    assert str(ical.walk("VEVENT")[0]["UID"]) == waiting.registration.calendar_uid
    assert client.get(f"/r/{waiting.token}/invite.ics").status_code == 200


def test_manage_token_only_opens_its_own_invite(app, client, make_gathering, make_registration):
    gathering = make_gathering()
    amara = make_registration(gathering, name="Amara Singh")
    other = make_registration(gathering, name="Bo Other")
    response = client.get(f"/r/{amara.token}/invite.ics")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data()
    assert b"Bo Other" not in body and other.email.encode() not in body
    ical, _ = parse(body)
    (event,) = ical.walk("VEVENT")
    assert str(event["UID"]) == amara.calendar_uid
    assert "ATTENDEE" not in event
    assert f"/r/{amara.token}" in str(event["DESCRIPTION"])
    assert client.get("/r/" + "x" * 43 + "/invite.ics").status_code == 404
    assert client.get("/r/short/invite.ics").status_code == 404


def test_removed_item_is_cancelled_in_feed_and_download(
    app, client, organiser_client, make_gathering, make_registration, smtp_server
):
    gathering = make_gathering()
    breakout = gathering.breakouts[0]
    chooser = make_registration(gathering, first_choice_id=breakout.id)
    make_registration(gathering, first_choice_id=gathering.breakouts[1].id)
    before = breakout.sequence
    headed_there = remove_item(breakout, now=datetime.now(UTC))
    notifications.item_removed(gathering, breakout, headed_there=headed_there)
    db.session.commit()
    run_pending()

    ical, vcal = parse(client.get(f"/g/{gathering.slug}/calendar.ics").get_data())
    (event,) = [e for e in ical.walk("VEVENT") if str(e["UID"]) == breakout.calendar_uid]
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) > before

    download = organiser_client.get(f"/organiser/g/{gathering.slug}/agenda/{breakout.id}.ics")
    assert download.status_code == 200
    ical, _ = parse(download.get_data())
    assert str(ical["METHOD"]) == "CANCEL"
    assert str(ical.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"

    deliver_due(now=after_the_hold())
    (message,) = smtp_server.inbox.messages
    assert message["To"] == chooser.email
    method, (invite, _) = invite_in(message)
    assert method == "REQUEST"
    description = str(invite.walk("VEVENT")[0]["DESCRIPTION"])
    assert breakout.title not in description
    assert "will be confirmed" in description


def test_organiser_downloads_need_the_right_role(
    app, client, make_user, make_gathering, make_registration
):
    gathering = make_gathering()
    item = gathering.breakouts[0]
    urls = {
        "agenda": f"/organiser/g/{gathering.slug}/calendar.ics",
        "item": f"/organiser/g/{gathering.slug}/agenda/{item.id}.ics",
        "zip": f"/organiser/g/{gathering.slug}/invites.zip",
        "page": f"/organiser/g/{gathering.slug}/calendar",
        "outbox": "/organiser/outbox",
    }
    for url in urls.values():
        assert client.get(url).status_code in (302, 303, 401)
    login(client, make_user("steering"))
    for url in urls.values():
        assert client.get(url).status_code == 403
    client.post("/sign-out")
    # A facilitator with no room in this gathering gets none of its calendars
    # (tests/test_calendar_access.py: what one with a room gets).
    login(client, make_user("facilitator"))
    assert client.get(urls["agenda"]).status_code == 403
    assert client.get(urls["item"]).status_code == 403
    assert client.get(urls["zip"]).status_code == 403


def test_organiser_agenda_has_links_and_zip_has_every_confirmed_invite(
    app, organiser_client, make_gathering, make_registration
):
    gathering = make_gathering()
    people = [
        make_registration(gathering, name="Amara Singh"),
        make_registration(gathering, name="Amara Singh"),
        make_registration(gathering, name="Zoë Ł'Étoile/../x"),
    ]
    make_registration(gathering, name="Wait Listed", status=RegistrationStatus.WAITLISTED)
    make_registration(gathering, name="Gone Away", status=RegistrationStatus.CANCELLED)

    agenda = organiser_client.get(f"/organiser/g/{gathering.slug}/calendar.ics")
    ical, _ = parse(agenda.get_data())
    rooms = [str(e["URL"]) for e in ical.walk("VEVENT")]
    assert "https://zoom.example/j/room1" in rooms
    assert "https://zoom.example/j/1234567890" in rooms

    response = organiser_client.get(f"/organiser/g/{gathering.slug}/invites.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        names = archive.namelist()
        assert names == [
            f"{people[0].id:04d}-amara-singh.ics",
            f"{people[1].id:04d}-amara-singh.ics",
            f"{people[2].id:04d}-zoe-etoile-x.ics",
        ]
        for name, person in zip(names, people, strict=True):
            ical, vcal = parse(archive.read(name))
            assert str(ical.walk("VEVENT")[0]["UID"]) == person.calendar_uid
            assert vcal.vevent.dtstart.value == gathering.starts_at


def test_outbox_page_lists_failures_and_retry_makes_them_due(
    app, organiser_client, make_gathering, smtp_server
):
    gathering = make_gathering()
    smtp_server.stop()
    register(gathering, registration_data(name="Amara <b>Singh</b>"), now=datetime.now(UTC))
    db.session.commit()
    deliver_due(now=datetime.now(UTC))

    page = organiser_client.get("/organiser/outbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "amara.singh@example.org" in html
    assert "<b>Singh</b>" not in html
    (email,) = db.session.scalars(select(OutboundEmail)).all()
    assert email.next_attempt_at > datetime.now(UTC)

    overview = organiser_client.get(f"/organiser/g/{gathering.slug}/calendar")
    assert overview.status_code == 200
    assert "Calendar and email" in overview.get_data(as_text=True)

    response = organiser_client.post(f"/organiser/outbox/{email.id}/retry")
    assert response.status_code == 303
    db.session.expire_all()
    assert email.status == MailStatus.QUEUED
    assert email.next_attempt_at <= datetime.now(UTC)
    smtp_server.start()
    assert deliver_due(now=datetime.now(UTC)).sent == 1
    assert organiser_client.post("/organiser/outbox/999999/retry").status_code == 404


def test_manage_link_email_has_a_new_working_link(app, client, make_gathering, smtp_server):
    gathering = make_gathering()
    register(gathering, registration_data(), now=datetime.now(UTC))
    db.session.commit()
    client.post(f"/g/{gathering.slug}/resend-link", data={"email": "amara.singh@example.org"})
    deliver_due(now=datetime.now(UTC))
    resent = smtp_server.inbox.messages[-1]
    assert resent["Subject"].startswith("Your private link")
    assert not calendar_parts(resent)
    text = resent.get_body(("plain",)).get_content()
    link = next(word for word in text.split() if "/r/" in word)
    path = link.split("gathering.test", 1)[1]
    assert client.get(path).status_code == 200
    registration = db.session.scalars(select(Registration)).one()
    assert len(registration.manage_tokens) == 2


@pytest.mark.parametrize(
    ("day", "offset_hours"),
    [((2023, 11, 5), -8), ((2023, 3, 12), -7)],
)
def test_gathering_on_a_daylight_saving_day_keeps_its_wall_clock_time(
    app, client, make_gathering, make_registration, day, offset_hours
):
    from tests.conftest import pacific

    starts = pacific(*day, hour=9)
    gathering = make_gathering(
        starts_at=starts,
        ends_at=starts + timedelta(hours=3, minutes=30),
        registration_opens_at=starts - timedelta(days=60),
        registration_closes_at=starts - timedelta(hours=1),
    )
    person = make_registration(gathering)
    local = f"{day[0]}{day[1]:02d}{day[2]:02d}T090000"
    for url in (f"/g/{gathering.slug}/calendar.ics", f"/r/{person.token}/invite.ics"):
        body = client.get(url).get_data()
        assert f"DTSTART;TZID=America/Vancouver:{local}".encode() in body
        ical, vcal = parse(body)
        first = ical.walk("VEVENT")[0].decoded("DTSTART")
        assert first == starts
        assert first.utcoffset() == timedelta(hours=offset_hours)
        assert vcal.vevent_list[0].dtstart.value == starts


def test_changing_breakout_sends_a_higher_sequence(app, make_gathering, smtp_server):
    from app.registration.services import update_registration

    gathering = make_gathering()
    rooms = gathering.breakouts
    outcome = register(
        gathering, registration_data(first_choice_id=rooms[0].id), now=datetime.now(UTC)
    )
    db.session.commit()
    update_registration(
        outcome.registration,
        registration_data(first_choice_id=rooms[4].id),
        now=datetime.now(UTC),
    )
    notifications.registration_changed(outcome.registration)
    db.session.commit()
    deliver_due(now=after_the_hold())
    confirmation, changed = smtp_server.inbox.messages
    assert changed["Subject"].startswith("Your registration was updated")
    _, (before, _) = invite_in(confirmation)
    _, (after, _) = invite_in(changed)
    old, new = before.walk("VEVENT")[0], after.walk("VEVENT")[0]
    assert str(old["UID"]) == str(new["UID"])
    assert int(new["SEQUENCE"]) > int(old["SEQUENCE"])
    assert rooms[4].room_url in str(new["DESCRIPTION"])
    assert rooms[0].room_url not in str(new["DESCRIPTION"])


def test_cancelling_from_the_waitlist_sends_no_calendar_cancel(app, make_gathering, smtp_server):
    gathering = make_gathering(capacity=1)
    register(gathering, registration_data(email="first@example.org"), now=datetime.now(UTC))
    db.session.commit()
    waiting = register(
        gathering, registration_data(email="second@example.org"), now=datetime.now(UTC)
    )
    db.session.commit()
    cancel(waiting.registration, now=datetime.now(UTC))
    notifications.cancelled(waiting.registration, had_invite=False)
    db.session.commit()
    deliver_due(now=datetime.now(UTC))
    cancellation = smtp_server.inbox.messages[-1]
    assert cancellation["To"] == "second@example.org"
    assert cancellation["Subject"].startswith("Your registration is cancelled")
    assert not calendar_parts(cancellation)


def test_an_agenda_edit_shows_in_the_next_invite_written_at_the_same_moment(
    app, make_gathering, make_registration
):
    """What every invite shares is built once and kept between invites, keyed by the
    values themselves: an edit between two invites is in the second even when both are
    written at the same moment (as within one fan-out or ZIP)."""
    from app.calendar import Method
    from app.outbound.invites import invite_file, invites_archive

    gathering = make_gathering()
    first, second = make_registration(gathering), make_registration(gathering)
    room = gathering.breakouts[0]
    now = datetime.now(UTC)
    (before,) = parse(invite_file(first, method=Method.REQUEST, now=now))[0].walk("VEVENT")
    assert "Welcome" in str(before["DESCRIPTION"])
    assert room.room_url in str(before["DESCRIPTION"])

    welcome = gathering.agenda_items[0]
    update_item(welcome, item_data(welcome, title="Elders' welcome"))
    update_item(room, item_data(room, room_url="https://zoom.example/j/moved-room"))
    db.session.commit()

    (after,) = parse(invite_file(second, method=Method.REQUEST, now=now))[0].walk("VEVENT")
    assert "Elders' welcome" in str(after["DESCRIPTION"])
    assert "https://zoom.example/j/moved-room" in str(after["DESCRIPTION"])
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    with zipfile.ZipFile(io.BytesIO(invites_archive(gathering, now=now))) as archive:
        for name in archive.namelist():
            (event,) = parse(archive.read(name))[0].walk("VEVENT")
            assert "Elders' welcome" in str(event["DESCRIPTION"])
            assert "moved-room" in str(event["DESCRIPTION"])
