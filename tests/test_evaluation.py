"""Evaluation survey services: set-up, answers, one response per person, anonymity,
invitations to attendees only and reminders only to people who have not answered."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import MultiDict

from app.evaluation import answers, links, mailing, setup, summary
from app.extensions import db
from app.facts import frames, gathering_facts, survey_counts
from app.models import OutboundEmail
from app.models.evaluation import (
    QuestionKind,
    SurveyInvitation,
    SurveyResponse,
    SurveyStatus,
)
from app.reporting.load import load_evaluation

pytest_plugins = ["tests.fixtures_evaluation"]


def q(survey, key):
    return next(question for question in survey.questions if question.key == key)


@pytest.fixture
def respond(answer_form):
    def submit(survey, registration, now, **answers):
        return _respond(survey, registration, now, answer_form, **answers)

    return submit


def _respond(survey, registration, now, answer_form, **given):
    invitation = links.ensure_invitation(survey, registration)
    db.session.flush()
    values, errors = answers.read_answers(
        survey.questions, MultiDict(answer_form(survey, **given))
    )
    assert errors == {}
    key = answers.submit_response(invitation, values, now=now)
    db.session.commit()
    return key


# --- set-up -------------------------------------------------------------------------------


def test_default_questions_follow_the_issue(survey, past_gathering):
    keys = [question.key for question in survey.questions]
    assert keys == [
        "overall_value",
        "relevance",
        "apply_learning",
        "cultural_safety",
        "breakout",
        "worked_well",
        "could_be_better",
        "want_more",
        "other_comments",
    ]
    scales = [question for question in survey.questions if question.kind == QuestionKind.SCALE]
    assert len(scales) == 4 and all(question.allow_not_applicable for question in scales)
    breakout = q(survey, "breakout")
    assert breakout.kind == QuestionKind.SINGLE and not breakout.required
    assert breakout.options[:-1] == [item.title for item in past_gathering.breakouts]
    assert survey.status == SurveyStatus.DRAFT
    assert survey.closes_at > past_gathering.ends_at


def test_one_survey_per_gathering(survey, past_gathering, now):
    with pytest.raises(setup.SurveyError):
        setup.create_survey(past_gathering, now=now)


def test_organisers_edit_questions_only_before_opening_and_without_responses(
    survey, past_gathering, make_registration, now, respond
):
    added = setup.add_question(
        survey,
        setup.QuestionData(
            kind=QuestionKind.MULTIPLE,
            prompt="Which sessions helped most?",
            options=["Ministry update", "Care stories", "Strategic plan"],
        ),
    )
    db.session.commit()
    assert added.key == "q10" and survey.questions[-1] is added
    setup.move_question(added, -1)
    db.session.commit()
    assert [x.key for x in survey.questions][-2:] == ["q10", "other_comments"]
    setup.remove_question(q(survey, "want_more"))
    db.session.commit()
    assert "want_more" not in [x.key for x in survey.questions]
    assert [x.position for x in survey.questions] == list(range(1, len(survey.questions) + 1))
    with pytest.raises(setup.SurveyError, match="at least two options"):
        setup.update_question(
            added, setup.QuestionData(kind=QuestionKind.SINGLE, prompt="x", options=["a"])
        )

    setup.open_survey(survey, now=now)
    db.session.commit()
    with pytest.raises(setup.SurveyError, match="draft"):
        setup.remove_question(added)
    respond(survey, make_registration(past_gathering), now, overall_value="4")
    with pytest.raises(setup.SurveyError, match="responses"):
        setup.back_to_draft(survey)


def test_states_follow_status_and_dates(survey, now):
    assert survey.state(now) == "draft"
    survey.opens_at = now + timedelta(days=1)
    setup.open_survey(survey, now=now)
    assert survey.state(now) == "scheduled"
    assert survey.state(now + timedelta(days=2)) == "open"
    assert survey.state(survey.closes_at) == "closed"
    setup.close_survey(survey, now=now + timedelta(days=2))
    assert survey.state(now + timedelta(days=2)) == "closed"
    with pytest.raises(setup.SurveyError, match="closing time has passed"):
        setup.open_survey(survey, now=now + timedelta(days=3))


# --- answers --------------------------------------------------------------------------


def test_read_answers_checks_required_choices_and_length(open_survey, answer_form):
    long_text = "word " * 1000
    form = MultiDict(
        answer_form(
            open_survey,
            relevance="7",
            breakout="Not a breakout",
            worked_well=long_text,
        )
    )
    form.add(answers.field_name(q(open_survey, "overall_value")), "")
    values, errors = answers.read_answers(open_survey.questions, form)
    assert errors[q(open_survey, "overall_value").id] == "Please choose an answer."
    assert "scale" in errors[q(open_survey, "relevance").id]
    assert "options" in errors[q(open_survey, "breakout").id]
    assert "4,000 characters" in errors[q(open_survey, "worked_well").id]
    # What the person typed comes back, so the page can show it again.
    assert values[q(open_survey, "worked_well").id] == long_text.strip()

    ok, errors = answers.read_answers(
        open_survey.questions,
        MultiDict(answer_form(open_survey, overall_value="na", worked_well="  The stories  ")),
    )
    assert errors == {}
    assert ok[q(open_survey, "overall_value").id] == "na"
    assert ok[q(open_survey, "worked_well").id] == "The stories"


def test_multiple_choice_answers_round_trip(
    open_survey, past_gathering, make_registration, now, answer_form
):
    setup.back_to_draft(open_survey)
    question = setup.add_question(
        open_survey,
        setup.QuestionData(
            kind=QuestionKind.MULTIPLE,
            prompt="Which formats?",
            options=["Talks", "Breakouts"],
            required=True,
        ),
    )
    setup.open_survey(open_survey, now=now)
    db.session.commit()
    _, errors = answers.read_answers(open_survey.questions, MultiDict())
    assert errors[question.id] == "Choose at least one option."
    form = MultiDict(answer_form(open_survey, overall_value="5"))
    form.setlist(answers.field_name(question), ["Talks", "Breakouts"])
    values, errors = answers.read_answers(open_survey.questions, form)
    assert errors == {}
    invitation = links.ensure_invitation(open_survey, make_registration(past_gathering))
    db.session.flush()
    key = answers.submit_response(invitation, values, now=now)
    db.session.commit()
    assert answers.stored_answers(answers.find_response(key))[question.id] == [
        "Talks",
        "Breakouts",
    ]
    stored = frames.answers(open_survey.id)
    assert sorted(stored.loc[stored["question_id"] == question.id, "value"]) == [
        "Breakouts",
        "Talks",
    ]


def test_one_response_per_person_and_editable_until_close(
    open_survey, past_gathering, make_registration, now, respond, answer_form
):
    registration = make_registration(past_gathering)
    key = respond(open_survey, registration, now, overall_value="3", worked_well="Good")
    invitation = links.ensure_invitation(open_survey, registration)
    assert invitation.responded
    with pytest.raises(setup.AlreadyResponded):
        answers.submit_response(invitation, {}, now=now)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(SurveyResponse)) == 1

    response = answers.find_response(key)
    values, _ = answers.read_answers(
        open_survey.questions, MultiDict(answer_form(open_survey, overall_value="5"))
    )
    answers.update_response(response, values, now=now)
    db.session.commit()
    assert answers.stored_answers(response) == {q(open_survey, "overall_value").id: "5"}

    with pytest.raises(setup.SurveyError, match="closed"):
        answers.update_response(response, values, now=open_survey.closes_at)


def test_a_stale_invitation_object_cannot_submit_twice(
    open_survey, past_gathering, make_registration, now
):
    """Two requests that both loaded the invitation before either saved."""
    registration = make_registration(past_gathering)
    invitation = links.ensure_invitation(open_survey, registration)
    db.session.commit()
    answers.submit_response(invitation, {}, now=now)
    db.session.commit()
    set_committed_value(invitation, "responded", False)  # what the other request saw
    assert invitation.responded is False
    with pytest.raises(setup.AlreadyResponded):
        answers.submit_response(invitation, {}, now=now)


def test_tokens_are_long_random_and_only_hashed(open_survey, past_gathering, make_registration):
    invitation = links.ensure_invitation(open_survey, make_registration(past_gathering))
    db.session.commit()
    raw = links.invitation_token(invitation)
    assert len(raw) == 43 and raw not in invitation.token_hash
    assert invitation.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert links.find_invitation(raw) is invitation
    assert links.find_invitation(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert links.find_invitation("short") is None
    assert answers.find_response("../etc") is None


# --- anonymity ------------------------------------------------------------------------


def test_schema_has_no_path_from_a_response_to_a_person(app):
    inspector = inspect(db.engine)
    allowed_targets = {"surveys", "survey_responses", "survey_questions"}
    for table in ("survey_responses", "survey_answers"):
        targets = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        assert targets <= allowed_targets, (table, targets)
        columns = {c["name"]: c for c in inspector.get_columns(table)}
        for name in columns:
            assert not any(
                part in name for part in ("registration", "invitation", "email", "name", "token")
            ), (table, name)
    response_columns = {
        c["name"]: str(c["type"]) for c in inspector.get_columns("survey_responses")
    }
    assert set(response_columns) == {"id", "survey_id", "edit_key_hash", "submitted_on"}
    assert response_columns["submitted_on"] == "DATE"
    invitation_columns = {c["name"] for c in inspector.get_columns("survey_invitations")}
    assert not any("respon" in name and name != "responded" for name in invitation_columns)
    # Nothing else in the schema points at responses or answers except answers themselves.
    for table in inspector.get_table_names():
        if table in ("survey_responses", "survey_answers"):
            continue
        targets = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        assert not targets & {"survey_responses", "survey_answers"}, table


def test_stored_data_cannot_be_joined_back_to_registrations(
    open_survey, past_gathering, make_registration, now, app, respond
):
    people = [make_registration(past_gathering) for _ in range(3)]
    keys = [
        respond(open_survey, person, now, overall_value=str(i + 3), worked_well=f"Answer {i}")
        for i, person in enumerate(people)
    ]
    invitations = db.session.scalars(select(SurveyInvitation)).all()
    personal = set()
    for person in people:
        personal |= {person.email, person.name, person.calendar_uid}
    for invitation in invitations:
        raw = links.invitation_token(invitation)
        personal |= {
            invitation.token_hash,
            invitation.token_nonce,
            raw,
            hashlib.sha256((raw + app.config["SECRET_KEY"]).encode()).hexdigest(),
        }
    for table in ("survey_responses", "survey_answers"):
        for row in db.session.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
            for value in row:
                assert not [p for p in personal if p in str(value)], (table, value)
    # The edit keys are held only by the people; their hashes open the responses.
    hashes = {r.edit_key_hash for r in db.session.scalars(select(SurveyResponse))}
    assert hashes == {hashlib.sha256(k.encode()).hexdigest() for k in keys}
    assert all(k not in hashes for k in keys)
    # Submitting sent nobody an email that could carry the edit key.
    assert db.session.scalar(select(db.func.count()).select_from(OutboundEmail)) == 0
    # Only the day is kept, never the time.
    days = {r.submitted_on for r in db.session.scalars(select(SurveyResponse))}
    assert days == {answers.local_day(now, past_gathering.timezone)}


def test_response_tables_keep_no_insertion_order_on_sqlite(
    open_survey, past_gathering, make_registration, now, respond
):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("WITHOUT ROWID is a SQLite storage option")
    respond(open_survey, make_registration(past_gathering), now, overall_value="4")
    for table in ("survey_responses", "survey_answers"):
        with pytest.raises(OperationalError):
            db.session.execute(text(f"SELECT rowid FROM {table}"))  # noqa: S608
        db.session.rollback()


# --- invitations and reminders --------------------------------------------------------


def test_invitations_go_to_attendees_only(
    open_survey, past_gathering, make_registration, now, attend
):
    consent = {"consent_followup_at": now - timedelta(days=30)}
    attended = [make_registration(past_gathering, **consent) for _ in range(2)]
    short_stay = make_registration(past_gathering, **consent)
    absent = make_registration(past_gathering, **consent)
    for person in attended:
        attend(past_gathering, person, minutes=60)
    attend(past_gathering, short_stay, minutes=past_gathering.attendance_threshold_minutes - 1)

    outcome = mailing.send_invitations(
        open_survey, audience=mailing.Audience.ATTENDEES, consented_only=True, now=now
    )
    db.session.commit()
    assert outcome.sent == 2
    emails = db.session.scalars(select(OutboundEmail)).all()
    assert sorted(e.registration_id for e in emails) == sorted(p.id for p in attended)
    assert {e.kind for e in emails} == {"survey_invitation"}
    assert absent.id not in {e.registration_id for e in emails}
    assert short_stay.id not in {e.registration_id for e in emails}
    for email in emails:
        invitation = db.session.scalar(
            select(SurveyInvitation).where(
                SurveyInvitation.registration_id == email.registration_id
            )
        )
        link = f"/s/{links.invitation_token(invitation)}"
        assert link in email.text_body and link in email.html_body
        assert invitation.invited_at == now

    again = mailing.send_invitations(
        open_survey, audience=mailing.Audience.ATTENDEES, consented_only=True, now=now
    )
    assert again.sent == 0 and again.already == 2


def test_confirmed_audience_and_consent(
    open_survey, past_gathering, make_registration, now, attend
):
    with_consent = make_registration(past_gathering, consent_followup_at=now)
    without_consent = make_registration(past_gathering)
    make_registration(past_gathering, status="cancelled", cancelled_at=now)
    waitlisted_attendee = make_registration(past_gathering, status="waitlisted")
    attend(past_gathering, waitlisted_attendee)

    outcome = mailing.send_invitations(
        open_survey, audience=mailing.Audience.CONFIRMED, consented_only=True, now=now
    )
    assert (outcome.sent, outcome.no_consent) == (1, 1)
    outcome = mailing.send_invitations(
        open_survey, audience=mailing.Audience.BOTH, consented_only=False, now=now
    )
    db.session.commit()
    assert outcome.sent == 1 and outcome.already == 1
    invited = {e.registration_id for e in db.session.scalars(select(OutboundEmail))}
    # Present without a confirmed place is not "attended" (app.facts.rules).
    assert invited == {with_consent.id, without_consent.id}


def test_no_invitations_before_the_survey_opens(survey, now):
    with pytest.raises(setup.SurveyError, match="Open the survey"):
        mailing.send_invitations(
            survey, audience=mailing.Audience.BOTH, consented_only=False, now=now
        )


def test_reminders_only_to_invited_people_who_have_not_answered(
    open_survey, past_gathering, make_registration, now, respond, attend
):
    people = [make_registration(past_gathering, consent_followup_at=now) for _ in range(3)]
    for person in people:
        attend(past_gathering, person)
    mailing.send_invitations(
        open_survey, audience=mailing.Audience.ATTENDEES, consented_only=True, now=now
    )
    db.session.commit()
    not_invited = make_registration(past_gathering, consent_followup_at=now)
    links.ensure_invitation(open_survey, not_invited)  # opened from the manage page
    db.session.commit()
    respond(open_survey, people[0], now, overall_value="5")

    later = now + timedelta(days=3)
    outcome = mailing.send_reminders(open_survey, now=later)
    db.session.commit()
    assert outcome.sent == 2
    reminders = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.kind == "survey_reminder")
    ).all()
    assert sorted(e.registration_id for e in reminders) == sorted(p.id for p in people[1:])
    assert all(e.subject.startswith("Reminder: tell us how it went – ") for e in reminders)
    invitation = links.ensure_invitation(open_survey, people[1])
    assert invitation.reminded_at == later and invitation.reminder_count == 1

    setup.close_survey(open_survey, now=later)
    with pytest.raises(setup.SurveyError):
        mailing.send_reminders(open_survey, now=later)


def test_email_escapes_what_people_typed(
    open_survey, past_gathering, make_registration, now, attend
):
    person = make_registration(
        past_gathering, name="<script>alert(1)</script> Jo", consent_followup_at=now
    )
    attend(past_gathering, person)
    mailing.send_invitations(
        open_survey, audience=mailing.Audience.ATTENDEES, consented_only=True, now=now
    )
    email = db.session.scalars(select(OutboundEmail)).one()
    assert "<script>" not in email.html_body
    assert "&lt;script&gt;" in email.html_body
    assert "<script>alert(1)</script> Jo" in email.text_body


# --- results and data -----------------------------------------------------------------


def test_results_data_and_report_loader(
    open_survey, past_gathering, make_registration, now, respond
):
    breakout = q(open_survey, "breakout").options[0]
    for value, comment in (("5", '=HYPERLINK("x")'), ("4", ""), ("na", "More time")):
        respond(
            open_survey,
            make_registration(past_gathering),
            now,
            overall_value=value,
            breakout=breakout,
            worked_well=comment,
        )
    make_registration(past_gathering)  # registered, never invited
    shown = summary.results(open_survey)
    assert (shown.invited, shown.responded, shown.responses) == (3, 3, 3)
    overall = shown.questions[0]
    assert overall.n == 3
    assert dict(overall.rows) == {
        "1 Strongly disagree": 0,
        "2 Disagree": 0,
        "3 Neither agree nor disagree": 0,
        "4 Agree": 1,
        "5 Strongly agree": 1,
        "Not applicable": 1,
    }
    worked = next(r for r in shown.questions if r.key == "worked_well")
    assert sorted(worked.texts) == sorted(['=HYPERLINK("x")', "More time"])

    stored = frames.answers(open_survey.id)
    assert list(stored.columns) == ["response_id", "question_id", "kind", "value"]
    counts = survey_counts(past_gathering.id)
    assert (counts.invited, counts.responded, counts.response_rate) == (3, 3, 1.0)
    assert [x["key"] for x in frames.questions(open_survey.id)][0] == "overall_value"

    report = load_evaluation(gathering_facts(past_gathering))
    assert report.respondents == 3 and report.invited == 3
    assert report.scale[0] == "Strongly disagree" and len(report.scale) == 5
    assert ("overall_value", "Overall, the gathering was valuable to me.") in report.questions
    assert sorted(report.ratings.loc[report.ratings["question"] == "overall_value", "value"]) == [
        4,
        5,
    ]
    assert tuple(p for p, _ in report.open_answers) == ("What worked well?",)
    assert len(report.all_questions) == len(open_survey.questions)

    headers, rows = summary.export_table(open_survey)
    assert headers[0] == "Response" and len(rows) == 3
    assert sorted(row[0] for row in rows) == ["1", "2", "3"]


def test_report_loader_without_a_survey(past_gathering):
    assert load_evaluation(gathering_facts(past_gathering)) is None
    assert frames.answers(None).empty
    assert frames.questions(None) == []


def test_survey_links_are_redacted_from_access_logs(app):
    import logging

    from app.privacy_log import RedactPrivateLinks, redact

    token = "A" * 43
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '"%s" 200', (f"GET /s/{token} HTTP/1.1",), None
    )
    RedactPrivateLinks().filter(record)
    assert token not in record.getMessage() and "/s/[redacted]" in record.getMessage()
    assert redact(f"POST /s/edit/{token}?saved=1") == "POST /s/[redacted]?saved=1"
    assert any(isinstance(f, RedactPrivateLinks) for f in logging.getLogger("werkzeug").filters)


def test_postgresql_row_versions_do_not_pair_invitations_with_responses(
    open_survey, past_gathering, make_registration, now, respond
):
    """On PostgreSQL every row carries the id of the transaction that wrote it (xmin);
    a submission rewrites all responded flags so the flags share one xmin."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("xmin is a PostgreSQL system column")
    for value in ("3", "4", "5"):
        respond(open_survey, make_registration(past_gathering), now, overall_value=value)
    flags = (
        db.session.execute(
            text("SELECT DISTINCT xmin::text FROM survey_invitations WHERE responded")
        )
        .scalars()
        .all()
    )
    responses = (
        db.session.execute(text("SELECT DISTINCT xmin::text FROM survey_responses")).scalars().all()
    )
    assert len(flags) == 1 and len(responses) == 3
