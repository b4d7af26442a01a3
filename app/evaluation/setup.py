"""Setting up the evaluation survey: its questions, settings and state (draft, open,
closed); errors every survey module raises."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Gathering
from app.models.evaluation import (
    QuestionKind,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
)
from app.timefmt import clock, long_date

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
    if opens_at and opens_at < survey.gathering.starts_at:
        raise SurveyError(_before_the_gathering(survey))
    survey.title = title
    survey.intro = intro
    survey.opens_at = opens_at
    survey.closes_at = closes_at


def _before_the_gathering(survey: Survey) -> str:
    gathering = survey.gathering
    start = gathering.starts_at
    zone = gathering.timezone
    return (
        "The survey asks how the gathering went, so it cannot open before the gathering "
        f"starts ({long_date(start, zone)} at {clock(start, zone)})."
    )


def open_survey(survey: Survey, *, now: datetime) -> None:
    if now < survey.gathering.starts_at:
        raise SurveyError(_before_the_gathering(survey))
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
