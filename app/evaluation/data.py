"""Survey data as plain records for the report: no names, no emails, no registrations.

Each function takes a gathering id and returns lists of dicts (or numbers) that go
straight into `pandas.DataFrame.from_records`. Responses are identified only by their
random id, answers in long form: one record per answer, one per option chosen for
multiple-choice questions.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from app.extensions import db
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

if TYPE_CHECKING:
    from app.reporting.context import EvaluationData


def _survey_id(gathering_id: int) -> int | None:
    return db.session.scalar(select(Survey.id).where(Survey.gathering_id == gathering_id))


def questions(gathering_id: int) -> list[dict]:
    """key, position, kind, prompt, required, options, allow_not_applicable."""
    survey_id = _survey_id(gathering_id)
    if survey_id is None:
        return []
    rows = db.session.scalars(
        select(SurveyQuestion)
        .where(SurveyQuestion.survey_id == survey_id)
        .order_by(SurveyQuestion.position, SurveyQuestion.id)
    )
    return [
        {
            "key": q.key,
            "position": q.position,
            "kind": q.kind,
            "prompt": q.prompt,
            "required": q.required,
            "options": list(SCALE_LABELS) if q.kind == QuestionKind.SCALE else q.options,
            "allow_not_applicable": q.allow_not_applicable and q.kind == QuestionKind.SCALE,
        }
        for q in rows
    ]


def answers(gathering_id: int) -> list[dict]:
    """response_id, question (key), kind, value, score.

    `score` is the scale point 1..5 for rating answers (None for 'not applicable' and
    for other kinds); `value` is the text, the option, or 'na'."""
    survey_id = _survey_id(gathering_id)
    if survey_id is None:
        return []
    rows = db.session.execute(
        select(
            SurveyAnswer.response_id,
            SurveyQuestion.key,
            SurveyQuestion.kind,
            SurveyAnswer.value,
        )
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey_id)
        .order_by(SurveyAnswer.response_id, SurveyQuestion.position)
    ).all()
    records = []
    for response_id, key, kind, value in rows:
        values = json.loads(value) if kind == QuestionKind.MULTIPLE else [value]
        for one in values:
            score = None
            if kind == QuestionKind.SCALE and one != NOT_APPLICABLE and one.isdigit():
                score = int(one)
            records.append(
                {
                    "response_id": response_id,
                    "question": key,
                    "kind": kind,
                    "value": one,
                    "score": score,
                }
            )
    return records


def invited_count(gathering_id: int) -> int:
    survey_id = _survey_id(gathering_id)
    if survey_id is None:
        return 0
    return (
        db.session.scalar(
            select(func.count(SurveyInvitation.id)).where(SurveyInvitation.survey_id == survey_id)
        )
        or 0
    )


def responded_count(gathering_id: int) -> int:
    """Responses received (each person can hold only one)."""
    survey_id = _survey_id(gathering_id)
    if survey_id is None:
        return 0
    return (
        db.session.scalar(
            select(func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.survey_id == survey_id)
        )
        or 0
    )


def evaluation_for_report(gathering_id: int) -> EvaluationData | None:
    """The report's evaluation section: rating answers in long form on the common
    agreement scale, open answers per question, and the respondent count."""
    import pandas as pd

    from app.reporting.context import EvaluationData

    if _survey_id(gathering_id) is None:
        return None
    all_questions = questions(gathering_id)
    records = answers(gathering_id)
    ratings = pd.DataFrame.from_records(
        [{"question": r["question"], "value": r["score"]} for r in records if r["score"]],
        columns=["question", "value"],
    )
    open_answers = []
    for q in all_questions:
        if q["kind"] != QuestionKind.TEXT:
            continue
        texts = [r["value"] for r in records if r["question"] == q["key"]]
        if texts:
            open_answers.append((q["prompt"], texts))
    return EvaluationData(
        ratings=ratings,
        questions=[(q["key"], q["prompt"]) for q in all_questions if q["kind"] == "scale"],
        scale=list(SCALE_LABELS),
        open_answers=open_answers,
        respondents=responded_count(gathering_id),
        all_questions=[q["prompt"] for q in all_questions],
    )
