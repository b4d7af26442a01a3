"""Survey pages end to end: personal link, edit link, manage page, organiser pages,
CSV export, and invitations delivered to a real SMTP server on loopback."""

import re
import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.evaluation import answers, links, mailing, setup
from app.extensions import db
from app.models import OutboundEmail
from app.models.evaluation import SurveyInvitation, SurveyResponse
from app.outbound.mail import deliver_due
from tests.conftest import login

pytest_plugins = ["tests.fixtures_evaluation"]


@pytest.fixture
def link(open_survey, past_gathering, make_registration):
    """A person's raw survey token."""
    registration = make_registration(past_gathering)
    invitation = links.ensure_invitation(open_survey, registration)
    db.session.commit()
    return links.invitation_token(invitation)


def field(survey, key):
    question = next(q for q in survey.questions if q.key == key)
    return answers.field_name(question)


def page(response) -> str:
    return response.get_data(as_text=True)


# --- participants ---------------------------------------------------------------------


def test_survey_page_explains_anonymity_and_is_private(client, link):
    response = client.get(f"/s/{link}")
    assert response.status_code == 200
    body = page(response)
    assert "How your answers stay anonymous" in body
    assert "no link to your name" in body
    assert "Overall, the gathering was valuable to me." in body
    assert response.headers["Cache-Control"] == "no-store"


def test_full_flow_submit_edit_and_no_second_response(client, open_survey, link):
    overall, worked = field(open_survey, "overall_value"), field(open_survey, "worked_well")
    response = client.post(f"/s/{link}", data={overall: "4", worked: "The care stories"})
    assert response.status_code == 303
    edit_url = response.headers["Location"]
    assert re.fullmatch(r"/s/edit/[A-Za-z0-9_-]{43}\?saved=1", edit_url)

    edit_page = client.get(edit_url)
    body = page(edit_page)
    assert edit_page.status_code == 200 and edit_page.headers["Cache-Control"] == "no-store"
    assert "Your answers are saved" in body and "The care stories" in body
    assert 'value="4" checked' in body
    assert "http://gathering.test" + edit_url.split("?")[0] in body

    changed = client.post(edit_url.split("?")[0], data={overall: "5", worked: "Stories, again"})
    assert changed.status_code == 303
    response = db.session.scalars(select(SurveyResponse)).one()
    assert sorted(a.value for a in response.answers) == ["5", "Stories, again"]

    again = client.get(f"/s/{link}")
    assert again.status_code == 200 and "already answered" in page(again)
    double = client.post(f"/s/{link}", data={overall: "1"})
    assert double.status_code == 409 and "first answers are kept" in page(double)
    assert db.session.query(SurveyResponse).count() == 1


def test_missing_required_answer_keeps_what_was_typed(client, open_survey, link):
    worked = field(open_survey, "worked_well")
    response = client.post(f"/s/{link}", data={worked: "Keep <this> text"})
    assert response.status_code == 422
    body = page(response)
    assert "Please choose an answer." in body
    assert "Nothing is saved yet" in body
    assert "Keep &lt;this&gt; text" in body and "<this>" not in body
    assert db.session.query(SurveyResponse).count() == 0


def test_very_long_text_is_refused_but_kept(client, open_survey, link):
    overall, worked = field(open_survey, "overall_value"), field(open_survey, "worked_well")
    long_text = "A" * (setup.TEXT_LIMIT + 10)
    response = client.post(f"/s/{link}", data={overall: "3", worked: long_text})
    assert response.status_code == 422
    body = page(response)
    assert "4,000 characters or fewer" in body and long_text in body
    assert 'value="3" checked' in body


def test_unknown_closed_and_draft_links(client, open_survey, survey, link, now):
    assert client.get("/s/" + "x" * 43).status_code == 404
    assert "do not recognise this survey link" in page(client.get("/s/nope"))
    assert client.get("/s/edit/" + "y" * 43).status_code == 404

    setup.close_survey(open_survey, now=now)
    db.session.commit()
    closed = client.get(f"/s/{link}")
    assert closed.status_code == 410 and "has closed" in page(closed)
    overall = field(open_survey, "overall_value")
    assert client.post(f"/s/{link}", data={overall: "4"}).status_code == 410

    open_survey.status = "draft"
    db.session.commit()
    assert client.get(f"/s/{link}").status_code == 403

    open_survey.status = "open"
    open_survey.opens_at = datetime(2099, 3, 1, 17, tzinfo=UTC)
    open_survey.closes_at = datetime(2099, 4, 1, 17, tzinfo=UTC)
    db.session.commit()
    scheduled = client.get(f"/s/{link}")
    assert scheduled.status_code == 403
    assert "opens on Sunday, 1 March 2099 at 9:00 a.m. PT" in page(scheduled)


def test_edit_link_stops_working_when_the_survey_closes(client, open_survey, link, now):
    overall = field(open_survey, "overall_value")
    edit_url = client.post(f"/s/{link}", data={overall: "4"}).headers["Location"].split("?")[0]
    setup.close_survey(open_survey, now=now)
    db.session.commit()
    response = client.post(edit_url, data={overall: "1"})
    assert response.status_code == 410
    stored = db.session.scalars(select(SurveyResponse)).one()
    assert [a.value for a in stored.answers] == ["4"]


def test_manage_page_links_to_the_survey(client, open_survey, past_gathering, make_registration):
    registration = make_registration(past_gathering)
    manage = client.get(f"/r/{registration.token}")
    assert "Answer the survey" in page(manage)
    response = client.get(f"/r/{registration.token}/survey")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/s/[A-Za-z0-9_-]{43}", location)
    assert client.get(location).status_code == 200
    # The same invitation each time: one response per registration.
    assert client.get(f"/r/{registration.token}/survey").headers["Location"] == location
    assert db.session.query(SurveyInvitation).count() == 1


def test_manage_page_without_open_survey_or_for_cancelled_people(
    client, survey, past_gathering, make_registration, now, attend
):
    registration = make_registration(past_gathering)
    assert "Answer the survey" not in page(client.get(f"/r/{registration.token}"))
    assert client.get(f"/r/{registration.token}/survey").status_code == 303
    assert db.session.query(SurveyInvitation).count() == 0

    setup.open_survey(survey, now=now)
    db.session.commit()
    cancelled = make_registration(past_gathering, status="cancelled", cancelled_at=now)
    response = client.get(f"/r/{cancelled.token}/survey", follow_redirects=True)
    assert "for people who took part" in page(response)
    assert db.session.query(SurveyInvitation).count() == 0
    attend(past_gathering, cancelled)  # cancelled, yet came after all
    assert client.get(f"/r/{cancelled.token}/survey").headers["Location"].startswith("/s/")


# --- organisers -----------------------------------------------------------------------


def test_survey_pages_need_an_organiser(client, make_user, past_gathering, survey):
    url = f"/organiser/g/{past_gathering.slug}/survey"
    assert client.get(url).status_code in (302, 303)
    login(client, make_user("facilitator"))
    assert client.get(url).status_code == 403
    assert client.get(url + "/responses.csv").status_code == 403


def test_organiser_creates_edits_opens_invites_and_reminds(
    organiser_client, past_gathering, make_registration, attend, now
):
    client = organiser_client
    base = f"/organiser/g/{past_gathering.slug}/survey"
    assert "Create the survey" in page(client.get(base))
    assert client.post(base + "/create").status_code == 303
    survey = setup.survey_for(past_gathering)
    assert len(survey.questions) == 9
    draft = page(client.get(base))
    assert "The survey is a draft" in draft and "Add a question" in draft
    breakout = next(q for q in survey.questions if q.key == "breakout")
    edit_form = page(client.get(base + f"/questions/{breakout.id}/edit"))
    assert "I did not join a breakout" in edit_form
    assert client.get(base + "/settings").status_code == 200

    bad = client.post(
        base + "/questions/new", data={"kind": "single", "prompt": "Pick", "options": "only one"}
    )
    assert bad.status_code == 422 and "at least two options" in page(bad)
    assert "only one" in page(bad)
    good = client.post(
        base + "/questions/new",
        data={
            "kind": "multiple",
            "prompt": "Which formats?",
            "options": "Talks\nBreakouts\n\nTalks",
        },
    )
    assert good.status_code == 303
    added = survey.questions[-1]
    assert added.options == ["Talks", "Breakouts"]
    assert (
        client.post(base + f"/questions/{added.id}/move", data={"direction": "up"}).status_code
        == 303
    )
    assert client.post(base + f"/questions/{added.id}/remove").status_code == 303
    assert added.id not in [q.id for q in setup.survey_for(past_gathering).questions]

    settings = client.post(base + "/settings", data={"title": "", "closes_at": "2000-01-01T10:00"})
    assert settings.status_code == 422 and "Enter a title." in page(settings)
    saved = client.post(
        base + "/settings",
        data={
            "title": "How was it?",
            "opens_at": "2099-01-02T09:00",
            "closes_at": "2099-01-01T17:00",
        },
    )
    assert saved.status_code == 422 and "must close after it opens" in page(saved)
    saved = client.post(
        base + "/settings", data={"title": "How was it?", "closes_at": "2099-01-01T17:00"}
    )
    assert saved.status_code == 303 and survey.title == "How was it?"
    assert survey.closes_at.isoformat() == "2099-01-02T01:00:00+00:00"

    assert client.post(base + "/open").status_code == 303
    assert "The survey is open." in page(client.get(base))
    edit_locked = client.get(base + f"/questions/{survey.questions[0].id}/edit")
    assert edit_locked.status_code == 303

    people = [make_registration(past_gathering, consent_followup_at=now) for _ in range(3)]
    for person in people[:2]:
        attend(past_gathering, person)
    invite = {"audience": "attendees", "consented_only": "y"}
    asked = client.post(base + "/invite", data=invite)
    assert asked.status_code == 200 and "This will email 2 people" in asked.get_data(as_text=True)
    assert not db.session.query(OutboundEmail).filter_by(kind="survey_invitation").count()
    invited = client.post(base + "/invite", data={**invite, "announce": "send"})
    assert invited.status_code == 303
    overview = page(client.get(base))
    assert "2 invitations queued" in overview
    assert "2 people invited by email have not answered" in overview
    assert db.session.query(OutboundEmail).count() == 2
    assert "This will email 2 people" in client.post(base + "/remind").get_data(as_text=True)
    assert client.post(base + "/remind", data={"announce": "send"}).status_code == 303
    assert db.session.query(OutboundEmail).filter_by(kind="survey_reminder").count() == 2


def test_results_page_and_csv_are_anonymous_and_formula_safe(
    organiser_client, open_survey, past_gathering, make_registration, now
):
    overall, worked = field(open_survey, "overall_value"), field(open_survey, "worked_well")
    people = [make_registration(past_gathering, name=f"Secret Name {i}") for i in range(2)]
    comments = ['=HYPERLINK("http://evil.example","x")', "<b>Loved</b> the breakouts"]
    for person, comment in zip(people, comments, strict=True):
        invitation = links.ensure_invitation(open_survey, person)
        db.session.commit()
        token = links.invitation_token(invitation)
        organiser_client.post(f"/s/{token}", data={overall: "5", worked: comment})
    base = f"/organiser/g/{past_gathering.slug}/survey"
    results = page(organiser_client.get(base + "/results"))
    assert "2 of 2" in results
    assert "&lt;b&gt;Loved&lt;/b&gt; the breakouts" in results
    assert "Secret Name" not in results

    response = organiser_client.get(base + "/responses.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    csv_text = response.get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text and "\n=HYPERLINK" not in csv_text
    assert ",=HYPERLINK" not in csv_text
    assert "Secret Name" not in csv_text and "@example.org" not in csv_text
    assert "5 Strongly agree" in csv_text


# --- real SMTP --------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def test_invitation_reaches_a_real_smtp_server_and_its_link_works(
    app, smtp, open_survey, past_gathering, make_registration, attend, now
):
    port, inbox = smtp
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    person = make_registration(past_gathering, consent_followup_at=now)
    attend(past_gathering, person)
    mailing.send_invitations(
        open_survey, audience=mailing.Audience.ATTENDEES, consented_only=True, now=now
    )
    db.session.commit()
    report = deliver_due(now=datetime.now(UTC) + timedelta(seconds=1))
    assert report.sent == 1, report.errors
    [message] = inbox.messages
    assert message["To"] == person.email
    assert message["Subject"].startswith("Tell us how it went")
    text = message.get_body(("plain",)).get_content()
    url = re.search(r"https?://\S+/s/[A-Za-z0-9_-]{43}", text).group(0)
    path = url.split("gathering.test", 1)[-1]
    assert app.test_client().get(path).status_code == 200


def test_questions_of_another_gathering_are_not_found(
    organiser_client, survey, make_gathering, now
):
    other = make_gathering()
    setup.create_survey(other, now=now)
    db.session.commit()
    foreign = setup.survey_for(other).questions[0]
    base = f"/organiser/g/{survey.gathering.slug}/survey"
    assert organiser_client.get(base + f"/questions/{foreign.id}/edit").status_code == 404
    assert organiser_client.post(base + f"/questions/{foreign.id}/remove").status_code == 404
    assert organiser_client.get("/organiser/g/nope/survey/results").status_code == 404


def test_every_survey_view_declares_who_may_open_it(app):
    views = {
        rule.endpoint: app.view_functions[rule.endpoint]
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("evaluation.")
    }
    assert len(views) >= 15
    for endpoint, view in views.items():
        assert getattr(view, "access", None), endpoint
    assert views["evaluation.survey"].access == "anonymous"
    assert views["evaluation.from_manage"].access == "participant"
    assert views["evaluation.export"].access == {"organiser"}


def test_survey_form_works_with_csrf_protection(csrf_app, make_gathering, make_registration, now):
    start = now - timedelta(days=1)
    gathering = make_gathering(starts_at=start, ends_at=start + timedelta(hours=3))
    survey = setup.create_survey(gathering, now=now)
    setup.open_survey(survey, now=now)
    invitation = links.ensure_invitation(survey, make_registration(gathering))
    db.session.commit()
    client = csrf_app.test_client()
    url = f"/s/{links.invitation_token(invitation)}"
    overall = field(survey, "overall_value")
    assert client.post(url, data={overall: "4"}).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', page(client.get(url))).group(1)
    response = client.post(url, data={overall: "4", "csrf_token": token})
    assert response.status_code == 303
    assert db.session.query(SurveyResponse).count() == 1
