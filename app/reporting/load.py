"""Everything the report needs for one gathering, read through the read model
(app.facts): the same tables, rules and tallies as the organiser's pages.

No names, no emails, no free-text accessibility needs or territories reach the report.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from app.breakouts.note_taking import notes_for_report
from app.extensions import db
from app.facts import GatheringFacts, frames, gathering_facts
from app.facts import survey as survey_tally
from app.models import Gathering
from app.models.evaluation import SCALE_LABELS, QuestionKind
from app.reporting.context import EvaluationData, ReportData

NOTE_COLUMNS = ["agenda_item_id", "summary_html", "themes", "actions", "quotes", "head_count"]


def gathering_details(gathering: Gathering) -> dict:
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


def load_notes(gathering_id: int, breakout_ids: list[int]) -> pd.DataFrame:
    """Submitted breakout notes as plain values."""
    rows = notes_for_report(gathering_id, breakout_ids)
    return pd.DataFrame.from_records(rows, columns=NOTE_COLUMNS)


def load_evaluation(facts: GatheringFacts) -> EvaluationData | None:
    """The survey tallied by app.facts.survey, as the report's evaluation section wants
    it. None when the gathering has no survey."""
    survey_id = facts.survey.id
    questions = frames.questions(survey_id)
    if not questions:
        return None
    answers = frames.answers(survey_id)
    tallies = survey_tally.tally(questions, answers)
    return EvaluationData(
        ratings=survey_tally.ratings(answers, questions),
        questions=[(q["key"], q["prompt"]) for q in questions if q["kind"] == QuestionKind.SCALE],
        scale=list(SCALE_LABELS),
        open_answers=[
            (t.prompt, t.texts) for t in tallies if t.kind == QuestionKind.TEXT and t.texts
        ],
        respondents=facts.survey.responded,
        invited=facts.survey.invited,
        all_questions=[q["prompt"] for q in questions],
        choices=[
            {
                "question": t.prompt,
                "multiple": t.kind == QuestionKind.MULTIPLE,
                "counts": t.rows,
                "respondents": t.n,
            }
            for t in tallies
            if t.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
        ],
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

    facts = gathering_facts(gathering)
    agenda = frames.agenda(gathering.id)
    breakout_ids = [int(i) for i in agenda.loc[agenda["kind"] == "breakout", "id"]]
    in_rooms = pd.DataFrame(
        [(item, who) for item in breakout_ids for who in sorted(facts.attended_in_room(item))],
        columns=["agenda_item_id", "registration_id"],
    )
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
        gathering=gathering_details(gathering),
        registrations=facts.registrations,
        agenda=agenda,
        breakout_attendance=in_rooms,
        notes=load_notes(gathering.id, breakout_ids),
        has_attendance=facts.has_attendance,
        evaluation=load_evaluation(facts),
        previous=previous_glance,
        previous_title=previous.title if previous is not None else None,
    )
