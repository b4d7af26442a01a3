"""The organiser's view of the answers: counts from app.facts, tallies, the CSV export."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.evaluation.answers import Answer, stored_answers
from app.evaluation.setup import response_count
from app.extensions import db
from app.facts import frames, rules, survey_counts
from app.facts.survey import QuestionTally, tally
from app.models.evaluation import (
    NOT_APPLICABLE,
    NOT_APPLICABLE_LABEL,
    SCALE_LABELS,
    QuestionKind,
    Survey,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)


@dataclass
class SurveyResults:
    invited: int
    responded: int
    responses: int
    questions: list[QuestionTally]
    response_rate: str = "–"  # app.facts.rules: responded / invited


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
        response_rate=rules.percent(counts.response_rate),
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
