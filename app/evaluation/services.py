"""The evaluation survey: set-up, personal links, anonymous responses, invitations.

How anonymity works (also told to participants on the survey page): the personal link
opens an invitation, which knows the person. Submitting flips the invitation's
`responded` flag and creates a response that holds only the answers, the local day and
the hash of a fresh random edit key. The key is shown once to the person (their private
edit link) and never stored, emailed or derived from anything the server keeps, so no
column, join or computation leads from a response back to a registration.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app, render_template, url_for
from sqlalchemy import delete, func, select, update

from app import timefmt
from app.choices import RegistrationStatus
from app.cleaning import NUL_MESSAGE, one_line, scrub
from app.extensions import db
from app.facts import frames, gathering_facts, survey_counts
from app.facts.survey import QuestionTally, tally
from app.mail import queue_email
from app.models import Gathering, Registration
from app.models.evaluation import (
    NOT_APPLICABLE,
    NOT_APPLICABLE_LABEL,
    SCALE_LABELS,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
)
from app.tokens import hash_token, new_token, well_formed

TEXT_LIMIT = 4000
PROMPT_LIMIT = 500
OPTION_LIMIT = 200
MAX_OPTIONS = 20
NO_BREAKOUT = "I did not join a breakout"


class SurveyError(Exception):
    """Something an organiser or participant asked for that cannot be done; the message
    is shown to them as it is."""


class AlreadyResponded(SurveyError):
    pass


class Audience(StrEnum):
    ATTENDEES = "attendees"
    CONFIRMED = "confirmed"
    BOTH = "both"


AUDIENCE_LABELS = {
    Audience.ATTENDEES: "People who attended (by the attendance threshold)",
    Audience.CONFIRMED: "Everyone with a confirmed registration",
    Audience.BOTH: "Both: attendees and everyone confirmed",
}


# --- set-up ---------------------------------------------------------------------------


def survey_for(gathering: Gathering) -> Survey | None:
    return db.session.scalar(select(Survey).where(Survey.gathering_id == gathering.id))


def open_survey_for(gathering: Gathering, *, now: datetime) -> Survey | None:
    """The gathering's survey if people can answer it right now (for the manage page)."""
    survey = survey_for(gathering)
    if survey is None or survey.state(now) != "open":
        return None
    return survey


def default_questions(gathering: Gathering) -> list[dict]:
    """The issue's question set: four ratings, the breakout, four open questions."""
    breakout_options = list(
        dict.fromkeys(item.title[:OPTION_LIMIT] for item in gathering.breakouts)
    )
    scale = {"kind": QuestionKind.SCALE.value, "allow_not_applicable": True}
    text = {"kind": QuestionKind.TEXT.value, "required": False}
    questions = [
        {
            "key": "overall_value",
            "prompt": "Overall, the gathering was valuable to me.",
            "required": True,
            **scale,
        },
        {
            "key": "relevance",
            "prompt": "The gathering was relevant to my work.",
            "required": False,
            **scale,
        },
        {
            "key": "apply_learning",
            "prompt": "I am likely to apply what I learned.",
            "required": False,
            **scale,
        },
        {
            "key": "cultural_safety",
            "prompt": "The space felt culturally safe and respectful.",
            "required": False,
            **scale,
        },
    ]
    if breakout_options:
        questions.append(
            {
                "key": "breakout",
                "kind": QuestionKind.SINGLE.value,
                "required": False,
                "prompt": "Which breakout did you join?",
                "help_text": "Optional. In small groups this answer can narrow down who wrote "
                "a comment, so skip it if you prefer.",
                "options": [*breakout_options, NO_BREAKOUT],
            }
        )
    questions += [
        {"key": "worked_well", "prompt": "What worked well?", **text},
        {"key": "could_be_better", "prompt": "What could be better?", **text},
        {"key": "want_more", "prompt": "What would you like more of at future gatherings?", **text},
        {"key": "other_comments", "prompt": "Any other comments?", **text},
    ]
    return questions


def create_survey(gathering: Gathering, *, now: datetime) -> Survey:
    if survey_for(gathering) is not None:
        raise SurveyError("This gathering already has a survey.")
    survey = Survey(
        gathering=gathering,
        title=f"How was {gathering.title}?"[:200],
        intro=(
            "Thank you for taking part. Your answers help the organisers and the steering "
            "committee plan the next gathering. It takes about five minutes."
        ),
        status=SurveyStatus.DRAFT.value,
        opens_at=None,
        closes_at=max(gathering.ends_at, now) + timedelta(days=14),
    )
    for position, spec in enumerate(default_questions(gathering), start=1):
        options = spec.pop("options", [])
        question = SurveyQuestion(position=position, **spec)
        question.options = options
        survey.questions.append(question)
    db.session.add(survey)
    return survey


def response_count(survey: Survey) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.survey_id == survey.id)
        )
        or 0
    )


def questions_locked(survey: Survey) -> str | None:
    """Why the questions cannot change now, or None when they can."""
    if survey.status != SurveyStatus.DRAFT:
        return "Questions can only change while the survey is a draft."
    if response_count(survey):
        return "Questions cannot change once responses exist."
    return None


def _require_editable(survey: Survey) -> None:
    reason = questions_locked(survey)
    if reason:
        raise SurveyError(reason)


@dataclass
class QuestionData:
    kind: str
    prompt: str
    help_text: str = ""
    options: list[str] = field(default_factory=list)
    required: bool = False
    allow_not_applicable: bool = True


def clean_options(raw: str) -> list[str]:
    """One option per line; blank lines and repeats dropped, order kept."""
    seen: list[str] = []
    for line in raw.splitlines():
        option = " ".join(line.split())
        if option and option not in seen:
            seen.append(option)
    return seen


def _apply(question: SurveyQuestion, data: QuestionData) -> None:
    if data.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(data.options) < 2:
        raise SurveyError("A choice question needs at least two options.")
    question.kind = data.kind
    question.prompt = data.prompt
    question.help_text = data.help_text
    question.required = data.required
    question.allow_not_applicable = data.allow_not_applicable
    question.options = (
        data.options if data.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else []
    )


def _new_key(survey: Survey) -> str:
    taken = {q.key for q in survey.questions}
    number = len(taken) + 1
    while f"q{number}" in taken:
        number += 1
    return f"q{number}"


def add_question(survey: Survey, data: QuestionData) -> SurveyQuestion:
    _require_editable(survey)
    question = SurveyQuestion(
        key=_new_key(survey),
        position=max((q.position for q in survey.questions), default=0) + 1,
    )
    _apply(question, data)
    survey.questions.append(question)
    return question


def update_question(question: SurveyQuestion, data: QuestionData) -> None:
    _require_editable(question.survey)
    _apply(question, data)


def remove_question(question: SurveyQuestion) -> None:
    survey = question.survey
    _require_editable(survey)
    survey.questions.remove(question)
    _renumber(survey.questions)


def move_question(question: SurveyQuestion, direction: int) -> None:
    survey = question.survey
    _require_editable(survey)
    ordered = list(survey.questions)
    index = ordered.index(question)
    target = index + (-1 if direction < 0 else 1)
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(ordered)


def _renumber(questions: Iterable[SurveyQuestion]) -> None:
    for position, question in enumerate(questions, start=1):
        question.position = position


def update_settings(
    survey: Survey,
    *,
    title: str,
    intro: str,
    opens_at: datetime | None,
    closes_at: datetime | None,
) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise SurveyError("The survey must close after it opens.")
    survey.title = title
    survey.intro = intro
    survey.opens_at = opens_at
    survey.closes_at = closes_at


def open_survey(survey: Survey, *, now: datetime) -> None:
    if not survey.questions:
        raise SurveyError("Add at least one question before opening the survey.")
    if survey.closes_at is not None and survey.closes_at <= now:
        raise SurveyError("The closing time has passed. Set a later closing time first.")
    survey.status = SurveyStatus.OPEN.value
    if survey.opens_at is None:
        survey.opens_at = now


def close_survey(survey: Survey, *, now: datetime) -> None:
    survey.status = SurveyStatus.CLOSED.value
    if survey.closes_at is None or survey.closes_at > now:
        survey.closes_at = now


def back_to_draft(survey: Survey) -> None:
    if response_count(survey):
        raise SurveyError("The survey has responses, so it cannot go back to draft.")
    survey.status = SurveyStatus.DRAFT.value


# --- personal links --------------------------------------------------------------------


def _raw_token(nonce: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, b"survey-invitation:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def invitation_token(invitation: SurveyInvitation) -> str:
    """The person's raw link token, rebuilt from the stored nonce and the secret key."""
    return _raw_token(invitation.token_nonce)


def ensure_invitation(survey: Survey, registration: Registration) -> SurveyInvitation:
    invitation = db.session.scalar(
        select(SurveyInvitation).where(
            SurveyInvitation.survey_id == survey.id,
            SurveyInvitation.registration_id == registration.id,
        )
    )
    if invitation is None:
        nonce = secrets.token_hex(16)
        invitation = SurveyInvitation(
            survey=survey,
            registration=registration,
            token_nonce=nonce,
            token_hash=hash_token(_raw_token(nonce)),
        )
        db.session.add(invitation)
    return invitation


def find_invitation(raw: str) -> SurveyInvitation | None:
    if not well_formed(raw):
        return None
    return db.session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.token_hash == hash_token(raw))
    )


def may_take_part(registration: Registration, *, present: bool) -> bool:
    """From the manage page: registered people, and anyone who was there without a
    confirmed place (their answers count; they do not count as attended)."""
    return present or registration.status == RegistrationStatus.CONFIRMED


# --- answers ---------------------------------------------------------------------------

Answer = str | list[str]


def field_name(question: SurveyQuestion) -> str:
    return f"q{question.id}"


def read_answers(
    questions: Iterable[SurveyQuestion], form: Mapping
) -> tuple[dict[int, Answer], dict[int, str]]:
    """What the person chose or typed, per question id, and the problems to fix.

    The values come back even when invalid, so the page can show them again."""
    values: dict[int, Answer] = {}
    errors: dict[int, str] = {}
    for question in questions:
        name = field_name(question)
        if question.kind == QuestionKind.MULTIPLE:
            chosen = list(dict.fromkeys(v for v in map(one_line, form.getlist(name)) if v))
            values[question.id] = chosen
            if any(v not in question.options for v in chosen):
                errors[question.id] = "Choose from the options shown."
            elif question.required and not chosen:
                errors[question.id] = "Choose at least one option."
            continue
        raw = form.get(name, "")
        value = scrub(raw) if question.kind == QuestionKind.TEXT else one_line(raw)
        values[question.id] = value
        if question.kind == QuestionKind.TEXT:
            if "\x00" in raw:
                errors[question.id] = NUL_MESSAGE
            elif len(value) > TEXT_LIMIT:
                errors[question.id] = (
                    f"Please shorten this answer to {TEXT_LIMIT:,} characters or fewer "
                    f"(it is {len(value):,} now). Your text is kept below."
                )
            elif question.required and not value:
                errors[question.id] = "Please answer this question."
        elif not value:
            if question.required:
                errors[question.id] = "Please choose an answer."
        elif question.kind == QuestionKind.SCALE:
            allowed = [str(n) for n in range(1, len(SCALE_LABELS) + 1)]
            if question.allow_not_applicable:
                allowed.append(NOT_APPLICABLE)
            if value not in allowed:
                errors[question.id] = "Choose one of the points on the scale."
        elif value not in question.options:
            errors[question.id] = "Choose one of the options shown."
    return values, errors


def _store_answers(response: SurveyResponse, values: Mapping[int, Answer]) -> None:
    db.session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
    response.answers.clear()
    for question_id, value in values.items():
        if not value:
            continue
        stored = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
        response.answers.append(SurveyAnswer(question_id=question_id, value=stored))


def local_day(moment: datetime, zone: str):
    return timefmt.to_local(moment, zone).date()


def submit_response(
    invitation: SurveyInvitation, values: Mapping[int, Answer], *, now: datetime
) -> str:
    """Save a first response; returns the raw edit key (shown once, never stored)."""
    survey = invitation.survey
    if survey.state(now) != "open":
        raise SurveyError("This survey is not open.")
    claimed = db.session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id, SurveyInvitation.responded.is_(False))
        .values(responded=True)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise AlreadyResponded("You have already answered this survey.")
    # Rewrite every responded flag in this transaction, so that no storage detail of the
    # invitation row (PostgreSQL's xmin, say) is shared with the new response alone.
    db.session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.survey_id == survey.id, SurveyInvitation.responded.is_(True))
        .values(responded=True)
        .execution_options(synchronize_session=False)
    )
    edit_key = new_token()
    response = SurveyResponse(
        survey_id=survey.id,
        edit_key_hash=hash_token(edit_key),
        submitted_on=local_day(now, survey.gathering.timezone),
    )
    db.session.add(response)
    _store_answers(response, values)
    return edit_key


def find_response(edit_key: str) -> SurveyResponse | None:
    if not well_formed(edit_key):
        return None
    return db.session.scalar(
        select(SurveyResponse).where(SurveyResponse.edit_key_hash == hash_token(edit_key))
    )


def update_response(
    response: SurveyResponse, values: Mapping[int, Answer], *, now: datetime
) -> None:
    if response.survey.state(now) != "open":
        raise SurveyError("This survey has closed, so answers can no longer change.")
    _store_answers(response, values)


def stored_answers(response: SurveyResponse) -> dict[int, Answer]:
    kinds = {q.id: q.kind for q in response.survey.questions}
    result: dict[int, Answer] = {}
    for answer in response.answers:
        multiple = kinds.get(answer.question_id) == QuestionKind.MULTIPLE
        result[answer.question_id] = json.loads(answer.value) if multiple else answer.value
    return result


# --- invitations and reminders --------------------------------------------------------


def audience_ids(gathering: Gathering, audience: Audience) -> set[int]:
    """People who attended and/or everyone registered, by app.facts.rules."""
    facts = gathering_facts(gathering)
    ids: set[int] = set()
    if audience in (Audience.ATTENDEES, Audience.BOTH):
        ids |= facts.attended_ids
    if audience in (Audience.CONFIRMED, Audience.BOTH):
        ids |= facts.registered_ids
    return ids


@dataclass
class MailingOutcome:
    sent: int = 0
    already: int = 0
    no_consent: int = 0

    def message(self, verb: str) -> str:
        parts = [f"{self.sent} {verb} queued"]
        if self.already:
            parts.append(f"{self.already} skipped (already invited)")
        if self.no_consent:
            parts.append(
                f"{self.no_consent} skipped (did not agree to be contacted after the gathering)"
            )
        return "; ".join(parts) + "."


def _external(endpoint: str, **values) -> str:
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:
        scheme = current_app.config.get("PREFERRED_URL_SCHEME") or "http"
        adapter = current_app.url_map.bind("localhost", url_scheme=scheme)
        return adapter.build(endpoint, values, force_external=True)


def _queue_survey_email(
    invitation: SurveyInvitation, *, kind: str, subject: str, now: datetime
) -> None:
    survey = invitation.survey
    gathering = survey.gathering
    registration = invitation.registration
    zone = gathering.timezone
    context = {
        "name": registration.name,
        "gathering_title": gathering.title,
        "date": timefmt.long_date(gathering.starts_at, zone),
        "survey_title": survey.title,
        "survey_url": _external("evaluation.survey", token=invitation_token(invitation)),
        "closes": (
            f"{timefmt.long_date(survey.closes_at, zone)} at "
            f"{timefmt.clock(survey.closes_at, zone)} {timefmt.zone_short(zone, survey.closes_at)}"
            if survey.closes_at
            else ""
        ),
        "contact_name": gathering.contact_name,
        "contact_email": gathering.contact_email,
        "contact_phone": gathering.contact_phone,
    }
    text = render_template(f"evaluation/email/{kind}.txt", **context)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    queue_email(
        to=registration.email,
        subject=f"{subject} – {gathering.title}",
        text=text,
        html=render_template(f"evaluation/email/{kind}.html", **context),
        kind=f"survey_{kind}",
        registration_id=registration.id,
        reply_to=gathering.contact_email,
        now=now,
    )


def _require_open(survey: Survey, now: datetime) -> None:
    if survey.state(now) not in ("open", "scheduled"):
        raise SurveyError("Open the survey before sending its link.")


def send_invitations(
    survey: Survey, *, audience: Audience, consented_only: bool, now: datetime
) -> MailingOutcome:
    """Email the personal link to everyone in the audience who has not had it yet."""
    _require_open(survey, now)
    outcome = MailingOutcome()
    ids = audience_ids(survey.gathering, audience)
    if not ids:
        return outcome
    people = db.session.scalars(
        select(Registration).where(Registration.id.in_(ids)).order_by(Registration.id)
    ).all()
    for registration in people:
        if consented_only and registration.consent_followup_at is None:
            outcome.no_consent += 1
            continue
        invitation = ensure_invitation(survey, registration)
        if invitation.invited_at is not None or invitation.responded:
            outcome.already += 1
            continue
        db.session.flush()
        _queue_survey_email(invitation, kind="invitation", subject="Tell us how it went", now=now)
        invitation.invited_at = now
        outcome.sent += 1
    return outcome


def send_reminders(survey: Survey, *, now: datetime) -> MailingOutcome:
    """Remind invited people who have not answered; nobody else."""
    if survey.state(now) != "open":
        raise SurveyError("Reminders can only go out while the survey is open.")
    outcome = MailingOutcome()
    pending = db.session.scalars(
        select(SurveyInvitation)
        .where(
            SurveyInvitation.survey_id == survey.id,
            SurveyInvitation.invited_at.is_not(None),
            SurveyInvitation.responded.is_(False),
        )
        .order_by(SurveyInvitation.id)
    ).all()
    for invitation in pending:
        _queue_survey_email(
            invitation, kind="reminder", subject="Reminder: tell us how it went", now=now
        )
        invitation.reminded_at = now
        invitation.reminder_count += 1
        outcome.sent += 1
    return outcome


# --- results ---------------------------------------------------------------------------


@dataclass
class SurveyResults:
    invited: int
    responded: int
    responses: int
    questions: list[QuestionTally]


def emailed_count(survey: Survey) -> int:
    return (
        db.session.scalar(
            select(func.count(SurveyInvitation.id)).where(
                SurveyInvitation.survey_id == survey.id, SurveyInvitation.invited_at.is_not(None)
            )
        )
        or 0
    )


def awaiting_reminder_count(survey: Survey) -> int:
    """Invited by email and not answered: who a reminder would go to."""
    return (
        db.session.scalar(
            select(func.count(SurveyInvitation.id)).where(
                SurveyInvitation.survey_id == survey.id,
                SurveyInvitation.invited_at.is_not(None),
                SurveyInvitation.responded.is_(False),
            )
        )
        or 0
    )


def results(survey: Survey) -> SurveyResults:
    """The organiser's results page: the same counts and tallies as the report."""
    counts = survey_counts(survey.gathering_id)
    return SurveyResults(
        invited=counts.invited,
        responded=counts.responded,
        responses=response_count(survey),
        questions=tally(frames.questions(survey.id), frames.answers(survey.id)),
    )


def answer_label(question: SurveyQuestion, value: Answer) -> str:
    if isinstance(value, list):
        return "; ".join(value)
    if question.kind == QuestionKind.SCALE:
        if value == NOT_APPLICABLE:
            return NOT_APPLICABLE_LABEL
        if value.isdigit() and 1 <= int(value) <= len(SCALE_LABELS):
            return f"{value} {SCALE_LABELS[int(value) - 1]}"
    return value


def export_table(survey: Survey) -> tuple[list[str], list[list[str]]]:
    """One row per response, in an order that says nothing about who answered when."""
    questions = list(survey.questions)
    headers = ["Response", *(q.prompt for q in questions)]
    responses = db.session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.survey_id == survey.id)
        .order_by(SurveyResponse.id)
    ).all()
    table = []
    for number, response in enumerate(responses, start=1):
        stored = stored_answers(response)
        table.append(
            [
                str(number),
                *(answer_label(q, stored[q.id]) if q.id in stored else "" for q in questions),
            ]
        )
    return headers, table
