"""One query per table into DataFrames, for one gathering.

Only the columns the report needs are selected: no names, no emails, no free-text
accessibility needs or territories. Each area that another helper owns (notes,
evaluation) is read only if its model exists, so a missing feature becomes a section
that says "no data yet" rather than an error.
"""

from __future__ import annotations

import importlib

import pandas as pd
from sqlalchemy import select

from app.extensions import db
from app.models import AgendaItem, Gathering, Registration
from app.reporting.context import EvaluationData, ReportData

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
    AgendaItem.starts_at,
    AgendaItem.ends_at,
)


def _frame(statement, columns) -> pd.DataFrame:
    """Rows into a frame column by column (pandas inspects every Row object when given
    rows, which costs more than the query itself for 10,000 people)."""
    names = [c.key for c in columns]
    rows = db.session.execute(statement).all()
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in names})
    return pd.DataFrame(dict(zip(names, map(list, zip(*rows, strict=True)), strict=True)))


def gathering_facts(gathering: Gathering) -> dict:
    return {
        "id": gathering.id,
        "slug": gathering.slug,
        "title": gathering.title,
        "description": gathering.description or "",
        "timezone": gathering.timezone,
        "starts_at": gathering.starts_at,
        "ends_at": gathering.ends_at,
        "land_acknowledgement": gathering.land_acknowledgement or "",
        "attendance_threshold_minutes": gathering.attendance_threshold_minutes,
        "format_label": "A virtual, province-wide gathering"
        + (" on Zoom" if "zoom" in (gathering.meeting_url or "").lower() else ""),
    }


def load_registrations(gathering_id: int) -> pd.DataFrame:
    return _frame(
        select(*REGISTRATION_COLUMNS).where(Registration.gathering_id == gathering_id),
        REGISTRATION_COLUMNS,
    )


def load_agenda(gathering_id: int) -> pd.DataFrame:
    return _frame(
        select(*AGENDA_COLUMNS).where(
            AgendaItem.gathering_id == gathering_id, AgendaItem.removed_at.is_(None)
        ),
        AGENDA_COLUMNS,
    )


def _optional_model(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def load_attendance(gathering_id: int) -> pd.DataFrame:
    """registration_id, agenda_item_id, minutes: the largest figure any source gave
    for each person and item (sources are not added together)."""
    record = _optional_model("app.models.attendance", "AttendanceRecord")
    columns = ["registration_id", "agenda_item_id", "source", "minutes"]
    if record is None:
        return pd.DataFrame(columns=columns)
    cols = (record.registration_id, record.agenda_item_id, record.source, record.minutes)
    frame = _frame(
        select(*cols).where(
            record.gathering_id == gathering_id, record.registration_id.is_not(None)
        ),
        cols,
    )
    return frame


def attended_ids(attendance: pd.DataFrame, threshold_minutes: int) -> set[int]:
    """The same rule as the dashboard and the survey invitations
    (`app.attendance.services.attended_registration_ids`): checked in for any agenda item,
    or present for at least the threshold in any one attendance record."""
    if not len(attendance):
        return set()
    minutes = attendance["minutes"].fillna(0)
    present = (attendance["source"] == "checkin") | (minutes >= threshold_minutes)
    return set(attendance.loc[present, "registration_id"].astype(int))


def load_notes(gathering_id: int, breakout_ids: list[int]) -> tuple[pd.DataFrame, bool]:
    """Submitted breakout notes as plain values; (frame, whether the feature exists)."""
    empty = pd.DataFrame(
        columns=["agenda_item_id", "summary_html", "themes", "actions", "quotes", "head_count"]
    )
    loader = _optional_model("app.breakouts.note_taking", "notes_for_report")
    if loader is None:
        return empty, False
    rows = loader(gathering_id, breakout_ids)
    if not rows:
        return empty, True
    return pd.DataFrame.from_records(rows, columns=list(empty.columns)), True


def load_evaluation(gathering_id: int) -> EvaluationData | None:
    """The survey through the evaluation feature's record functions (questions, and
    every answer in long form): ratings, open answers and choice counts from one read
    of the answers. None when the gathering has no survey."""
    try:
        source = importlib.import_module("app.evaluation.data")
        from app.models.evaluation import SCALE_LABELS
    except ImportError:
        return None
    questions = source.questions(gathering_id)
    if not questions:
        return None
    answers = pd.DataFrame.from_records(
        source.answers(gathering_id), columns=["response_id", "question", "kind", "value", "score"]
    )
    scale = answers[(answers["kind"] == "scale") & answers["score"].notna()]
    by_question = {key: frame["value"].tolist() for key, frame in answers.groupby("question")}
    open_answers = []
    choices = []
    for q in questions:
        given = by_question.get(q["key"], [])
        if q["kind"] == "text" and given:
            open_answers.append((q["prompt"], given))
        elif q["kind"] in ("single", "multiple"):
            counts = pd.Series(given, dtype="object").value_counts()
            options = list(q["options"]) + sorted(set(counts.index) - set(q["options"]))
            respondents = answers.loc[answers["question"] == q["key"], "response_id"].nunique()
            choices.append(
                {
                    "question": q["prompt"],
                    "multiple": q["kind"] == "multiple",
                    "counts": [(o, int(counts.get(o, 0))) for o in options],
                    "respondents": int(respondents),
                }
            )
    return EvaluationData(
        ratings=scale[["question", "score"]].rename(columns={"score": "value"}),
        questions=[(q["key"], q["prompt"]) for q in questions if q["kind"] == "scale"],
        scale=list(SCALE_LABELS),
        open_answers=open_answers,
        respondents=source.responded_count(gathering_id),
        all_questions=[q["prompt"] for q in questions],
        choices=choices,
    )


def previous_gathering(gathering: Gathering) -> Gathering | None:
    return db.session.scalars(
        select(Gathering)
        .where(Gathering.starts_at < gathering.starts_at, Gathering.id != gathering.id)
        .order_by(Gathering.starts_at.desc())
        .limit(1)
    ).first()


def load_report_data(gathering: Gathering, *, with_previous: bool = True) -> ReportData:
    """Everything the report needs, in a handful of queries."""
    from app.reporting import aggregate

    registrations = load_registrations(gathering.id)
    agenda = load_agenda(gathering.id)
    attendance = load_attendance(gathering.id)
    has_attendance = bool(len(attendance))
    present = attended_ids(attendance, gathering.attendance_threshold_minutes)
    registrations["attended"] = registrations["id"].isin(present)
    breakout_ids = [int(i) for i in agenda.loc[agenda["kind"] == "breakout", "id"]]
    in_rooms = attendance[attendance["agenda_item_id"].isin(breakout_ids)][
        ["agenda_item_id", "registration_id"]
    ].drop_duplicates()
    notes, _ = load_notes(gathering.id, breakout_ids)
    previous = previous_gathering(gathering) if with_previous else None
    previous_glance = None
    if previous is not None:
        before = load_report_data(previous, with_previous=False)
        previous_glance = aggregate.at_a_glance(
            before.registrations,
            breakouts_held=0,
            has_attendance=before.has_attendance,
        )
    return ReportData(
        gathering=gathering_facts(gathering),
        registrations=registrations,
        agenda=agenda,
        breakout_attendance=in_rooms,
        notes=notes,
        has_attendance=has_attendance,
        evaluation=load_evaluation(gathering.id),
        previous=previous_glance,
        previous_title=previous.title if previous is not None else None,
    )
