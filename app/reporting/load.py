"""Everything the report needs for one gathering, read through the read model
(app.facts): the same tables, rules and tallies as the organiser's pages.

No names, no emails, no free-text accessibility needs or territories reach the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from app.breakouts.note_taking import notes_for_report
from app.extensions import db
from app.facts import GatheringFacts, frames, gathering_facts
from app.facts import survey as survey_tally
from app.facts.history import earlier_gatherings
from app.facts.value import value_tally
from app.models import Gathering
from app.models.evaluation import SCALE_LABELS, QuestionKind, SurveyQuestionSet
from app.models.report_review import KeyMessageSet, ReportTheme, ThemeStatus
from app.reporting import aggregate
from app.reporting.data import (
    EarlierGathering,
    EvaluationData,
    KeyMessages,
    ReportData,
    ReviewedTheme,
)

if TYPE_CHECKING:
    import pandas as pd

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
    import pandas as pd

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
        question_sets=load_question_sets(survey_id, questions),
    )


def load_question_sets(survey_id: int, questions: list[dict]) -> list[dict]:
    """The survey's question sets with their source and licence, and their rating questions."""
    sets = db.session.scalars(
        select(SurveyQuestionSet)
        .where(SurveyQuestionSet.survey_id == survey_id)
        .order_by(SurveyQuestionSet.id)
    )
    return [
        {
            "title": s.title,
            "source": s.source,
            "licence": s.licence,
            "builtin": s.builtin,
            "questions": [
                (q["key"], q["prompt"])
                for q in questions
                if q["question_set_id"] == s.id and q["kind"] == QuestionKind.SCALE
            ],
        }
        for s in sets
    ]


def load_key_messages(gathering_id: int) -> KeyMessages | None:
    row = db.session.scalar(select(KeyMessageSet).where(KeyMessageSet.gathering_id == gathering_id))
    if row is None:
        return None
    return KeyMessages(
        lines=row.lines, approved_at=row.approved_at, committee_lines=row.committee_lines
    )


def load_reviewed_themes(gathering_id: int) -> list[ReviewedTheme] | None:
    """Accepted themes with the passages of every theme merged into them; None while no
    theme has been suggested for the gathering."""
    rows = db.session.scalars(
        select(ReportTheme)
        .where(ReportTheme.gathering_id == gathering_id)
        .order_by(ReportTheme.position, ReportTheme.id)
    ).all()
    if not rows:
        return None
    by_id = {row.id: row for row in rows}

    def root(row: ReportTheme) -> ReportTheme:
        seen = set()
        while row.status == ThemeStatus.MERGED and row.merged_into_id in by_id:
            if row.id in seen:
                break
            seen.add(row.id)
            row = by_id[row.merged_into_id]
        return row

    passages: dict[int, list[dict]] = {}
    for row in rows:
        top = root(row)
        if top.status == ThemeStatus.ACCEPTED:
            passages.setdefault(top.id, []).extend(row.passages or [])
    themes = []
    for theme_id, found in passages.items():
        quotes = sorted(
            (p for p in found if p.get("kind") == "quote"), key=lambda p: -p.get("weight", 0)
        )
        themes.append(
            ReviewedTheme(
                label=by_id[theme_id].label,
                breakouts=frozenset(
                    int(p["breakout"])
                    for p in found
                    if p.get("breakout") is not None and p.get("kind") != "answer"
                ),
                answers=len({p["text"] for p in found if p.get("kind") == "answer"}),
                quotes=list(dict.fromkeys(p["text"] for p in quotes)),
            )
        )
    return themes


def load_earlier(gathering: Gathering) -> tuple[EarlierGathering, aggregate.Glance]:
    """One earlier gathering as counts, and its headline figures."""
    facts = gathering_facts(gathering)
    evaluation = load_evaluation(facts)
    ratings: dict[str, list[int]] = {}
    if evaluation is not None:
        for result in aggregate.likert(evaluation.ratings, evaluation.questions, evaluation.scale):
            if result.n:
                ratings[result.question] = result.counts
    earlier = EarlierGathering(
        title=gathering.title,
        starts_at=gathering.starts_at,
        registrations=facts.registrations,
        has_attendance=facts.has_attendance,
        ratings=ratings,
        value=value_tally(gathering.id),
    )
    glance = aggregate.at_a_glance(
        facts.registrations,
        breakouts_held=0,
        has_attendance=facts.has_attendance,
        walk_ins=facts.walk_ins,
    )
    return earlier, glance


def load_report_data(gathering: Gathering) -> ReportData:
    """Everything the report needs, in a handful of queries."""
    import pandas as pd

    facts = gathering_facts(gathering)
    agenda = frames.agenda(gathering.id)
    breakout_ids = [int(i) for i in agenda.loc[agenda["kind"] == "breakout", "id"]]
    in_rooms = pd.DataFrame(
        [(item, who) for item in breakout_ids for who in sorted(facts.attended_in_room(item))],
        columns=["agenda_item_id", "registration_id"],
    )
    history = [load_earlier(g) for g in earlier_gatherings(gathering)]
    previous = max(history, key=lambda pair: pair[0].starts_at) if history else None
    return ReportData(
        gathering=gathering_details(gathering),
        registrations=facts.registrations,
        agenda=agenda,
        breakout_attendance=in_rooms,
        notes=load_notes(gathering.id, breakout_ids),
        has_attendance=facts.has_attendance,
        walk_ins=facts.walk_ins if facts.has_attendance else 0,
        evaluation=load_evaluation(facts),
        previous=previous[1] if previous else None,
        previous_title=previous[0].title if previous else None,
        key_messages=load_key_messages(gathering.id),
        themes=load_reviewed_themes(gathering.id),
        earlier=[earlier for earlier, _ in history],
    )
