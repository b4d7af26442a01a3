"""Erasure holds: once an organiser erases a registrant, nothing the app does later (a
schedule change, a removed item, reminders, survey invitations, the invites ZIP, the
waitlist, room assignment, check-in, attendance marks) writes to them, gives them a new
private link, counts them in a room or marks them attended, and no link of theirs works.
Mail goes through a real SMTP server on loopback."""

import io
import logging
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.breakouts.assignment import assign_automatically
from app.choices import RegistrationStatus
from app.evaluation import links, mailing
from app.extensions import db
from app.jobs import run_pending
from app.messages import services as messages
from app.models import AttendanceRecord, ManageToken, OutboundEmail
from app.models.evaluation import SurveyInvitation
from app.organiser.services import remove_item, update_item
from app.outbound import notifications
from app.outbound.mail import deliver_due
from app.privacy_log import RedactPrivateLinks
from app.registration import services as registration_services
from tests.test_invites import item_data

pytest_plugins = ["tests.fixtures_mail", "tests.fixtures_evaluation"]

ERASED_EMAIL = "zed.erasable@example.org"
ERASED_NAME = "Zed Erasable"


@pytest.fixture
def app(tmp_path, smtp_server, mail_app_for):
    yield from mail_app_for(tmp_path, smtp_server)


def erase(organiser_client, gathering, registration):
    url = f"/organiser/g/{gathering.slug}/registrants/{registration.id}/act"
    response = organiser_client.post(url, data={"action": "erase", "confirmed": "yes"})
    assert response.status_code == 303
    db.session.refresh(registration)
    assert registration.erased_at is not None


def deliver_everything() -> None:
    run_pending()
    deliver_due(now=datetime.now(UTC) + timedelta(minutes=6))  # updates wait a few minutes


def delivered_to(smtp_server) -> list[str]:
    return [address for env in smtp_server.inbox.envelopes for address in env.rcpt_tos]


def mentions_erased_person(smtp_server, registration) -> list[str]:
    found = []
    for envelope in smtp_server.inbox.envelopes:
        content = envelope.content.decode("utf-8", "replace")
        if (
            ERASED_NAME in content
            or "erased" in " ".join(envelope.rcpt_tos)
            or registration.calendar_uid in content
        ):
            found.append(" ".join(envelope.rcpt_tos))
    return found


def test_erased_person_receives_nothing_and_no_link_of_theirs_works(
    app, client, organiser_client, make_gathering, make_registration, smtp_server
):
    gathering = make_gathering()
    room = gathering.breakouts[0]
    keeper = make_registration(gathering, first_choice_id=room.id)
    gone = make_registration(
        gathering, name=ERASED_NAME, email=ERASED_EMAIL, first_choice_id=room.id
    )
    gone_token = gone.token
    # An organiser's message that names them in its subject, sent before the erasure.
    messages.send(
        gathering,
        messages.Audience("selected", selected=(gone.id,)),
        messages.Draft(subject="A note for {name}", body="Hello {name}."),
        expected=1,
        sent_by_id=None,
        now=datetime.now(UTC),
    )
    db.session.commit()
    deliver_everything()
    assert delivered_to(smtp_server) == [ERASED_EMAIL]
    smtp_server.inbox.envelopes.clear()

    erase(organiser_client, gathering, gone)
    subjects = db.session.scalars(
        select(OutboundEmail.subject).where(OutboundEmail.registration_id == gone.id)
    ).all()
    assert subjects and not any(ERASED_NAME in subject for subject in subjects)

    # A schedule change, a removed breakout, a reminder run, the invites ZIP.
    welcome = gathering.agenda_items[0]
    later = welcome.starts_at + timedelta(minutes=10)
    # As the organiser's pages do once they confirm emailing everyone; each update is
    # delivered before the next (one not yet sent would be replaced by the next).
    app.config["MAIL_UPDATE_HOLD_SECONDS"] = 0
    update_item(welcome, item_data(welcome, starts_at=later, ends_at=later + timedelta(hours=1)))
    notifications.schedule_changed(gathering)
    db.session.commit()
    deliver_everything()
    headed_there = remove_item(room, now=datetime.now(UTC))
    notifications.item_removed(gathering, room, headed_there=headed_there)
    db.session.commit()
    deliver_everything()
    messages.set_reminders(gathering, [45])
    db.session.commit()
    assert messages.queue_due_reminders(now=datetime.now(UTC)) == 1
    archive = organiser_client.get(f"/organiser/g/{gathering.slug}/invites.zip")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.get_data())) as files:
        contents = b"".join(files.read(name) for name in files.namelist())
    assert keeper.calendar_uid.encode() in contents
    assert gone.calendar_uid.encode() not in contents
    deliver_everything()

    received = delivered_to(smtp_server)
    assert received.count(keeper.email) == 3  # the update, the removal, the reminder
    assert mentions_erased_person(smtp_server, gone) == []
    assert ERASED_EMAIL not in received
    # No new private link was made for them, and no old one works.
    assert (
        db.session.scalar(
            select(func.count(ManageToken.id)).where(ManageToken.registration_id == gone.id)
        )
        == 0
    )
    for path in (f"/r/{gone_token}", f"/r/{gone_token}/invite.ics", f"/r/{gone_token}/survey"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/r/{gone_token}/cancel").status_code == 404


def test_erased_person_is_never_marked_attended_checked_in_or_placed(
    app, organiser_client, make_gathering, make_registration
):
    gathering = make_gathering()
    gone = make_registration(gathering, name=ERASED_NAME, email=ERASED_EMAIL)
    erase(organiser_client, gathering, gone)
    act = f"/organiser/g/{gathering.slug}/registrants/{gone.id}/act"
    organiser_client.post(act, data={"action": "attended"})
    plenary = gathering.agenda_items[0]
    present = organiser_client.post(
        f"/g/{gathering.slug}/checkin/{plenary.id}/present",
        data={"present": str(gone.id)},
    )
    assert present.status_code in (303, 400)
    assert (
        db.session.scalar(
            select(func.count(AttendanceRecord.id)).where(
                AttendanceRecord.registration_id == gone.id
            )
        )
        == 0
    )
    checkin_page = organiser_client.get(f"/g/{gathering.slug}/checkin/{plenary.id}")
    assert "Erased registrant" not in checkin_page.get_data(as_text=True)

    result = assign_automatically(gathering, now=datetime.now(UTC))
    db.session.commit()
    db.session.refresh(gone)
    assert gone.assigned_breakout_id is None
    assert result.changed == 0
    assert not db.session.scalars(
        select(OutboundEmail).where(
            OutboundEmail.registration_id == gone.id, OutboundEmail.kind == "room_assigned"
        )
    ).all()


def test_erased_waitlisted_person_is_not_revived_when_a_place_opens(
    app, make_gathering, make_registration, organiser_client
):
    gathering = make_gathering(capacity=1)
    holder = make_registration(gathering)
    gone = make_registration(
        gathering, name=ERASED_NAME, email=ERASED_EMAIL, status=RegistrationStatus.WAITLISTED
    )
    after = make_registration(gathering, status=RegistrationStatus.WAITLISTED)
    erase(organiser_client, gathering, gone)
    promoted = registration_services.cancel(holder, now=datetime.now(UTC))
    db.session.commit()
    assert [p.id for p in promoted] == [after.id]
    db.session.refresh(gone)
    assert gone.status == RegistrationStatus.WAITLISTED
    kinds = db.session.scalars(
        select(OutboundEmail.kind).where(OutboundEmail.registration_id == gone.id)
    ).all()
    assert "promoted" not in kinds


def test_erased_attendee_gets_no_survey_and_their_survey_link_stops(
    app, client, organiser_client, past_gathering, make_registration, open_survey, attend, now
):
    consent = {"consent_followup_at": now}
    keeper = make_registration(past_gathering, **consent)
    gone = make_registration(past_gathering, name=ERASED_NAME, email=ERASED_EMAIL, **consent)
    for person in (keeper, gone):
        attend(past_gathering, person, minutes=120)
    # One of them had a link already (as from the manage page) before being erased.
    invitation = links.ensure_invitation(open_survey, gone)
    db.session.commit()
    token = links.invitation_token(invitation)
    assert client.get(f"/s/{token}").status_code == 200

    erase(organiser_client, past_gathering, gone)
    outcome = mailing.send_invitations(
        open_survey, audience=mailing.Audience.BOTH, consented_only=False, now=now
    )
    db.session.commit()
    assert outcome.sent == 1
    invited = db.session.scalars(
        select(SurveyInvitation.registration_id).where(SurveyInvitation.invited_at.is_not(None))
    ).all()
    assert invited == [keeper.id]
    assert client.get(f"/s/{token}").status_code == 404
    reminded = mailing.send_reminders(open_survey, now=now)
    db.session.commit()
    assert (
        gone.id
        not in db.session.scalars(
            select(OutboundEmail.registration_id).where(OutboundEmail.kind.like("survey_%"))
        ).all()
    )
    assert reminded.sent <= 1


def test_certificate_codes_are_redacted_from_access_logs():
    code = "Ab3_dEf-9hIjKlMnOpQrStUv"
    # As werkzeug logs a request: the request line is one of the arguments.
    args = ("127.0.0.1", f"GET /certificates/{code} HTTP/1.1", "200", "-")
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s "%s" %s %s', args, None)
    RedactPrivateLinks().filter(record)
    assert code not in record.getMessage()
    assert "/certificates/[redacted]" in record.getMessage()
    # The organisers' pages about certificates are not private links.
    plain = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, "GET /community/g/x/certificates.zip", (), None
    )
    RedactPrivateLinks().filter(plain)
    assert plain.getMessage() == "GET /community/g/x/certificates.zip"
