"""Reading, storing and editing survey answers, anonymously.

How anonymity works (also told to participants on the survey page): the personal link
opens an invitation, which knows the person. Submitting flips the invitation's
`responded` flag and creates a response that holds only the answers, the local day and
the hash of a fresh random edit key. The key is shown once to the person (their private
edit link) and never stored, emailed or derived from anything the server keeps, so no
column, join or computation leads from a response back to a registration.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import delete, select, update

from app import timefmt
from app.cleaning import NUL_MESSAGE, one_line, scrub
from app.evaluation.setup import TEXT_LIMIT, AlreadyResponded, SurveyError
from app.extensions import db
from app.facts.changes import in_gatherings
from app.models.evaluation import (
    NOT_APPLICABLE,
    SCALE_LABELS,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from app.outbound.tokens import hash_token, new_token, well_formed

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
        .execution_options(synchronize_session=False, **in_gatherings(survey.gathering_id))
    )
    if claimed.rowcount != 1:
        raise AlreadyResponded("You have already answered this survey.")
    # Rewrite every responded flag in this transaction, so that no storage detail of the
    # invitation row (PostgreSQL's xmin, say) is shared with the new response alone.
    db.session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.survey_id == survey.id, SurveyInvitation.responded.is_(True))
        .values(responded=True)
        .execution_options(synchronize_session=False, **in_gatherings(survey.gathering_id))
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


def erase_edit_keys(gathering_id: int) -> int:
    """Retention: new random hashes, so the edit links people kept stop working while
    "responded" still counts. Returns how many."""
    responses = db.session.scalars(
        select(SurveyResponse)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(Survey.gathering_id == gathering_id)
    ).all()
    for response in responses:
        response.edit_key_hash = hash_token(new_token())
    return len(responses)
