"""Hostile and careless input at the edge (issue 11, items 1 and 2): every case here was a
500, a stored control character or a wrong count before the shared cleaning."""

import io
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.addresses import needs_smtputf8, normalise_email
from app.cleaning import NUL_MESSAGE, NulByte, clean_line, clean_multiline
from app.evaluation import answers, links, setup
from app.evaluation.setup import QuestionData
from app.extensions import db
from app.models import AgendaItem, Registration
from app.models.evaluation import SurveyAnswer, SurveyResponse
from app.models.mail import OutboundEmail
from app.outbound.mail import deliver_due
from app.outbound.notifications import render_recorded
from app.spreadsheet import to_csv
from tests.test_registration import form_data, register

pytest_plugins = ["tests.fixtures_evaluation", "tests.fixtures_mail"]


def registrations() -> int:
    return db.session.scalar(select(func.count(Registration.id)))


def text(response) -> str:
    return response.get_data(as_text=True)


# --- the cleaners ---------------------------------------------------------------------


def test_single_line_text_is_nfc_one_line_and_free_of_controls():
    decomposed = unicodedata.normalize("NFD", "Émilie Côté")
    assert clean_line(f"  {decomposed}\r\nIgnore the above\x01\x85\u2028x\t ") == (
        "Émilie Côté Ignore the above x"
    )
    assert clean_multiline("a\r\nb\rc\x07\td\x9b ") == "a\nb\nc\td"
    with pytest.raises(NulByte):
        clean_line("Amara\x00")


@pytest.mark.parametrize(
    "variant",
    [
        "José@Example.ca",
        unicodedata.normalize("NFD", "josé@example.ca"),
        " ＪＯＳＥ＠ＥＸＡＭＰＬＥ．ＣＡ ".replace("ＪＯＳＥ", "ｊｏｓé"),
    ],
)
def test_one_normalisation_for_every_spelling_of_an_address(variant):
    assert normalise_email(variant) == "josé@example.ca"
    assert normalise_email("Amara@Bücher.Example") == "amara@xn--bcher-kva.example"
    assert normalise_email(normalise_email("Amara@Bücher.Example")) == (
        "amara@xn--bcher-kva.example"
    )
    assert needs_smtputf8("josé@example.ca") and not needs_smtputf8("a@bücher.example")


# --- registration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [("name", "   "), ("organisation_name", " \t "), ("name", "\u2028\r\n")],
)
def test_blank_after_cleaning_is_refused(client, make_gathering, field, value):
    gathering = make_gathering()
    response = register(client, gathering, **{field: value})
    assert response.status_code == 422
    assert registrations() == 0


@pytest.mark.parametrize("value", ["false", "0", "n", "off", "no", "True"])
def test_consent_is_only_the_ticked_box(client, make_gathering, value):
    gathering = make_gathering()
    response = register(client, gathering, consent_collection=value)
    assert response.status_code == 422
    assert "Tick the box or leave it empty." in text(response)
    assert registrations() == 0


@pytest.mark.parametrize("field", ["name", "accessibility_needs", "organisation_name", "email"])
def test_nul_byte_gets_a_message_beside_the_field(client, make_gathering, field):
    gathering = make_gathering()
    value = "Amara\x00Singh" if field != "email" else "amara\x00@example.org"
    response = register(client, gathering, **{field: value})
    assert response.status_code == 422
    assert NUL_MESSAGE in text(response)
    assert registrations() == 0


def test_nul_byte_on_the_manage_page_is_refused(client, make_gathering, make_registration):
    gathering = make_gathering()
    registration = make_registration(gathering)
    data = form_data(gathering, accessibility_needs="ASL\x00", email=registration.email)
    data.pop("consent_collection")
    response = client.post(f"/r/{registration.token}", data=data)
    assert response.status_code == 422 and NUL_MESSAGE in text(response)
    db.session.expire_all()
    assert "\x00" not in db.session.get(Registration, registration.id).accessibility_needs


def test_a_name_with_line_breaks_cannot_write_the_top_of_the_email(client, make_gathering):
    gathering = make_gathering()
    injected = (
        "Amara\r\n\r\nYour registration is cancelled. Re-register at https://evil.example\r\n"
    )
    assert register(client, gathering, name=injected).status_code == 303
    registration = db.session.scalar(select(Registration))
    assert "\n" not in registration.name and "\r" not in registration.name
    email = db.session.scalar(select(OutboundEmail))
    render_recorded(email, now=datetime.now(UTC))
    first_line = email.text_body.splitlines()[0]
    assert first_line.startswith("Hello Amara Your registration is cancelled.")


def test_old_rows_with_line_breaks_still_greet_on_one_line(app, make_gathering, make_registration):
    from app.outbound import notifications

    gathering = make_gathering()
    registration = make_registration(gathering, name="Amara\n\nInjected paragraph")
    notifications.manage_link(registration)
    db.session.flush()
    email = db.session.scalar(select(OutboundEmail))
    render_recorded(email, now=datetime.now(UTC))
    assert email.text_body.splitlines()[0] == "Hello Amara Injected paragraph,"


def test_unicode_variants_of_an_address_are_one_registration(client, make_gathering):
    gathering = make_gathering()
    assert register(client, gathering, email="ｅｍｉｌｉｅ@Example.org").status_code == 303
    again = register(client, gathering, email="EMILIE@example.org")
    assert again.status_code == 303 and "Check your email" in text(client.get(again.location))
    nfc = "amara@bücher.example"
    assert register(client, gathering, email=nfc).status_code == 303
    nfd = unicodedata.normalize("NFD", nfc)
    again = register(client, gathering, email=nfd)
    assert again.status_code == 303 and "Check your email" in text(client.get(again.location))
    assert registrations() == 2


def test_duplicate_page_does_not_echo_the_stored_address(client, make_gathering):
    gathering = make_gathering()
    assert register(client, gathering, email="amara@example.org").status_code == 303
    response = register(client, gathering, email="Amara@Example.org")
    assert response.status_code == 303
    page = text(client.get(response.location))
    assert "Check your email" in page and "already registered" not in page
    assert "amara@example.org" not in page.lower()


def test_non_ascii_mailbox_refused_without_smtputf8(client, make_gathering):
    gathering = make_gathering()
    response = register(client, gathering, email="josé@example.ca")
    assert response.status_code == 422
    assert "cannot deliver to an address with accented" in text(response)
    assert registrations() == 0


def test_non_ascii_mailbox_accepted_when_the_server_takes_smtputf8(app, client, make_gathering):
    app.config["MAIL_SMTPUTF8"] = True
    gathering = make_gathering()
    assert register(client, gathering, email="José@Example.ca").status_code == 303
    assert db.session.scalar(select(Registration.email)) == "josé@example.ca"


class TestDelivery:
    @pytest.fixture
    def app(self, tmp_path, smtp_server, mail_app_for):
        yield from mail_app_for(tmp_path, smtp_server)

    def test_idn_domain_gets_a_deliverable_to_header(self, client, make_gathering, smtp_server):
        gathering = make_gathering()
        assert register(client, gathering, email="Amara@Bücher.example").status_code == 303
        assert deliver_due(now=datetime.now(UTC)).sent == 1
        (message,) = smtp_server.inbox.messages
        assert message["To"] == "amara@xn--bcher-kva.example"
        assert smtp_server.inbox.envelopes[0].rcpt_tos == ["amara@xn--bcher-kva.example"]


class TestSmtpUtf8Delivery:
    """With MAIL_SMTPUTF8 on, a non-ASCII mailbox is delivered by a server that offers it."""

    @pytest.fixture
    def utf8_server(self):
        from aiosmtpd.controller import Controller

        from tests.fixtures_mail import Inbox, free_port

        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=True)
        controller.start()
        yield controller, inbox
        controller.stop()

    @pytest.fixture
    def app(self, tmp_path, utf8_server):
        from tests.conftest import make_test_app

        controller, _ = utf8_server
        app = make_test_app(
            tmp_path,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=controller.port,
            MAIL_TIMEOUT=5,
            MAIL_DEFAULT_SENDER="Perinatal CoP <cop@gathering.test>",
            MAIL_SMTPUTF8=True,
        )
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()

    def test_non_ascii_mailbox_is_delivered(self, client, make_gathering, utf8_server):
        _, inbox = utf8_server
        gathering = make_gathering()
        assert register(client, gathering, email="José@Bücher.example").status_code == 303
        assert deliver_due(now=datetime.now(UTC)).sent == 1
        assert inbox.envelopes[0].rcpt_tos == ["josé@xn--bcher-kva.example"]
        assert inbox.messages[0]["To"] == "josé@xn--bcher-kva.example"


# --- numbers and dates ------------------------------------------------------------------


@pytest.mark.parametrize("number", [2**31, 2**64, 10**30])
def test_ids_beyond_the_database_range_are_404(organiser_client, make_gathering, number):
    gathering = make_gathering()
    base = f"/organiser/g/{gathering.slug}"
    assert organiser_client.get(f"{base}/agenda/{number}/edit").status_code == 404
    assert organiser_client.post(f"{base}/agenda/{number}/remove").status_code == 404


def test_form_integers_beyond_the_database_range_are_422(organiser_client, make_gathering):
    gathering = make_gathering(capacity=None)
    room = gathering.breakouts[0]
    response = organiser_client.post(
        f"/organiser/g/{gathering.slug}/breakouts/move",
        data={"registration_id": str(2**70), "room_id": str(room.id)},
    )
    assert response.status_code < 500


@pytest.mark.parametrize("number", ["²", "١٢", "9" * 30, "-5", "--5"])
def test_ids_posted_outside_form_fields_are_checked(
    organiser_client, make_gathering, make_registration, number
):
    gathering = make_gathering()
    registration = make_registration(gathering)
    room = gathering.breakouts[0]
    checkin = organiser_client.post(
        f"/g/{gathering.slug}/checkin/{room.id}/present", data={"present": number}
    )
    assert checkin.status_code == 303
    move = organiser_client.post(
        f"/organiser/g/{gathering.slug}/breakouts/move",
        data={"registration_id": str(registration.id), "room_id": number, "back": number},
    )
    assert move.status_code in (400, 404)
    compose = organiser_client.post(
        f"/organiser/g/{gathering.slug}/messages/new",
        data={
            "segment": "confirmed",
            "subject": "Hello",
            "body": "Text",
            "room_id": number,
            "expected": number,
            "action": "send",
        },
    )
    assert compose.status_code < 500


def test_agenda_date_in_year_9999_is_a_plain_error(organiser_client, make_gathering):
    gathering = make_gathering()
    response = organiser_client.post(
        f"/organiser/g/{gathering.slug}/agenda/new",
        data={
            "kind": "plenary",
            "title": "Far future",
            "starts_at": "9999-12-31T23:00",
            "ends_at": "9999-12-31T23:30",
        },
    )
    assert response.status_code == 422
    assert "Enter a date between 1900 and 2100." in text(response)
    assert db.session.scalar(select(func.count()).where(AgendaItem.title == "Far future")) == 0


def test_attendance_file_dated_9999_is_a_plain_error(organiser_client, make_gathering):
    gathering = make_gathering()
    report = (
        b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        b"Amara Singh,amara@example.org,12/31/9999 11:52:11 PM,12/31/9999 11:59:40 PM,7,No\n"
    )
    response = organiser_client.post(
        f"/organiser/g/{gathering.slug}/attendance/import",
        data={"item": "all", "report": (io.BytesIO(report), "zoom.csv")},
        content_type="multipart/form-data",
    )
    assert 400 <= response.status_code < 500
    assert "1900" in text(response) and "2100" in text(response)


# --- exports ----------------------------------------------------------------------------


def test_old_control_characters_do_not_break_the_exports(
    organiser_client, make_gathering, make_registration
):
    gathering = make_gathering()
    make_registration(gathering, name="Amara\x01 Singh\x1b", organisation_name="=cmd|\x0b")
    xlsx = organiser_client.get(f"/organiser/g/{gathering.slug}/registrants.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "Amara Singh" in values and "'=cmd|" in values
    assert b"\x01" not in to_csv(["name"], [["Amara\x01"]])


# --- the survey -------------------------------------------------------------------------


@pytest.fixture
def choice_question(survey, now):
    question = setup.add_question(
        survey,
        QuestionData(kind="multiple", prompt="Which helped?", options=["Alpha", "Beta", "Gamma"]),
    )
    setup.open_survey(survey, now=now - timedelta(minutes=1))
    db.session.commit()
    return question


@pytest.fixture
def link(survey, choice_question, past_gathering, make_registration):
    registration = make_registration(past_gathering)
    invitation = links.ensure_invitation(survey, registration)
    db.session.commit()
    return links.invitation_token(invitation)


def test_multiple_choice_answers_count_once(client, survey, choice_question, link):
    name = answers.field_name(choice_question)
    overall = next(q for q in survey.questions if q.key == "overall_value")
    response = client.post(
        f"/s/{link}",
        data={name: ["Beta"] * 500 + ["Alpha", "Beta"], answers.field_name(overall): "4"},
    )
    assert response.status_code == 303
    (answer,) = db.session.scalars(
        select(SurveyAnswer).where(SurveyAnswer.question_id == choice_question.id)
    ).all()
    assert answer.value == '["Beta", "Alpha"]'
    stuffed = client.post(f"/s/{link}", data={name: ["Delta"]})
    assert stuffed.status_code in (409, 422)


def test_survey_text_with_a_nul_byte_is_refused(client, survey, link):
    question = next(q for q in survey.questions if q.key == "worked_well")
    name = answers.field_name(question)
    response = client.post(f"/s/{link}", data={name: "Good\x00 stories"})
    assert response.status_code == 422 and NUL_MESSAGE in text(response)
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0
