"""One loader per table: a single query for one gathering into a DataFrame.

Only the columns that counting needs are selected: no names, no emails, no free text
beyond survey answers, so whatever is built from these frames cannot leak a person.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from app.extensions import db
from app.models import AgendaItem, AttendanceRecord, Registration
from app.models.evaluation import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)

if TYPE_CHECKING:
    import pandas as pd

REGISTRATION_COLUMNS = (
    Registration.id,
    Registration.status,
    Registration.role,
    Registration.organisation_type,
    Registration.health_region,
    Registration.indigenous_identity,
    Registration.assigned_breakout_id,
    Registration.first_choice_id,
)

AGENDA_COLUMNS = (
    AgendaItem.id,
    AgendaItem.kind,
    AgendaItem.title,
    AgendaItem.presenter,
    AgendaItem.description,
    AgendaItem.priority_area,
    AgendaItem.engagement_level,
    AgendaItem.starts_at,
    AgendaItem.ends_at,
)

ATTENDANCE_COLUMNS = (
    AttendanceRecord.registration_id,
    AttendanceRecord.agenda_item_id,
    AttendanceRecord.source,
    AttendanceRecord.minutes,
    AttendanceRecord.dedupe_key,
)


def plain_rows(statement) -> list:
    """The rows of a select of plain columns, read through the session's connection:
    the ORM's result handling adds work per row and changes nothing for columns (a
    third of the time of fetching 10,000 registrations). Pending changes are flushed
    first, as the session's own execute would."""
    session = db.session
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement).all()


def frame(statement, columns: Sequence) -> pd.DataFrame:
    """Rows into a frame column by column (pandas inspects every Row object when given
    rows, which costs more than the query itself for 10,000 people)."""
    import pandas as pd

    names = [c.key for c in columns]
    rows = plain_rows(statement)
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in names})
    return pd.DataFrame(dict(zip(names, map(list, zip(*rows, strict=True)), strict=True)))


def registrations(gathering_id: int) -> pd.DataFrame:
    return frame(
        select(*REGISTRATION_COLUMNS).where(Registration.gathering_id == gathering_id),
        REGISTRATION_COLUMNS,
    )


def agenda(gathering_id: int) -> pd.DataFrame:
    return frame(
        select(*AGENDA_COLUMNS)
        .where(AgendaItem.gathering_id == gathering_id, AgendaItem.removed_at.is_(None))
        .order_by(AgendaItem.starts_at, AgendaItem.id),
        AGENDA_COLUMNS,
    )


def attendance(gathering_id: int) -> pd.DataFrame:
    """Every attendance record, walk-ins included (registration_id missing)."""
    return frame(
        select(*ATTENDANCE_COLUMNS).where(AttendanceRecord.gathering_id == gathering_id),
        ATTENDANCE_COLUMNS,
    )


def survey_id(gathering_id: int) -> int | None:
    return db.session.scalar(select(Survey.id).where(Survey.gathering_id == gathering_id))


def invitation_counts(survey: int) -> tuple[int, int]:
    """(links held, answers sent through them)."""
    invited, responded = db.session.execute(
        select(
            func.count(SurveyInvitation.id),
            func.count(SurveyInvitation.id).filter(SurveyInvitation.responded.is_(True)),
        ).where(SurveyInvitation.survey_id == survey)
    ).one()
    return int(invited), int(responded)


def questions(survey: int | None) -> list[dict]:
    """id, key, kind, prompt, options, allow_not_applicable, in survey order."""
    if survey is None:
        return []
    rows = db.session.scalars(
        select(SurveyQuestion)
        .where(SurveyQuestion.survey_id == survey)
        .order_by(SurveyQuestion.position, SurveyQuestion.id)
    )
    return [
        {
            "id": q.id,
            "key": q.key,
            "kind": q.kind,
            "prompt": q.prompt,
            "options": q.options,
            "allow_not_applicable": q.allow_not_applicable and q.kind == QuestionKind.SCALE,
            "question_set_id": q.question_set_id,
        }
        for q in rows
    ]


ANSWER_COLUMNS = ["response_id", "question_id", "kind", "value"]


def answers(survey: int | None) -> pd.DataFrame:
    """Every answer in long form: one row per answer, one per option chosen for a
    multiple-choice question. Responses are known only by their random id."""
    import pandas as pd

    rows = plain_rows(
        select(
            SurveyAnswer.response_id,
            SurveyAnswer.question_id,
            SurveyQuestion.kind,
            SurveyAnswer.value,
        )
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey)
        .order_by(SurveyAnswer.response_id, SurveyQuestion.position)
    )
    records = [
        (response_id, question_id, kind, one)
        for response_id, question_id, kind, value in rows
        for one in (dict.fromkeys(json.loads(value)) if kind == QuestionKind.MULTIPLE else [value])
    ]
    return pd.DataFrame.from_records(records, columns=ANSWER_COLUMNS)
