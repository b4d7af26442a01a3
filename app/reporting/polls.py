"""The report's "Polls and questions" section, from what the meeting bridge
(app.meetings) kept of Zoom's reports: each Zoom poll question as a table and a
chart, with small counts masked in the shareable version as every other count is, and
the Q&A questions the organisers chose, without who asked."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select

from app.documents import charts
from app.documents.suppression import format_count, suppress_table
from app.extensions import db
from app.models import AgendaItem, PollResult, QaQuestion
from app.reporting.sections import PendingChart, bars_alt


def polls_section(gathering_id: int | None, *, threshold: int | None) -> dict:
    """`threshold` is None for the committee version (exact counts)."""
    empty = {"contents": [], "items": [], "charts": []}
    if gathering_id is None:
        return empty
    results = db.session.scalars(
        select(PollResult)
        .where(PollResult.gathering_id == gathering_id)
        .order_by(PollResult.question_position, PollResult.answer_position)
    ).all()
    asked = db.session.scalars(
        select(QaQuestion)
        .where(QaQuestion.gathering_id == gathering_id, QaQuestion.included.is_(True))
        .order_by(QaQuestion.position)
    ).all()
    if not results and not asked:
        return empty
    item_ids = {r.agenda_item_id for r in results} | {q.agenda_item_id for q in asked}
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.id.in_(item_ids)).order_by(AgendaItem.starts_at)
    ).all()
    blocks = []
    chart_holders = []
    for item in items:
        questions = []
        mine = [r for r in results if r.agenda_item_id == item.id]
        for position in sorted({r.question_position for r in mine}):
            answers = [r for r in mine if r.question_position == position]
            block = _question(answers, threshold)
            if block["shown"]:
                title = block["question"]
                series = [("People", block["values"], block["texts"])]
                labels = [row["answer"] for row in block["rows"]]
                block["chart"] = PendingChart(partial(charts.paired_bars, labels, series, title))
                block["alt"] = bars_alt(title, labels, series)
                chart_holders.append(block)
            questions.append(block)
        qa = [
            {"question": q.question, "answer": q.answer}
            for q in asked
            if q.agenda_item_id == item.id
        ]
        blocks.append({"title": item.title, "questions": questions, "qa": qa})
    return {
        "contents": [{"id": "polls", "title": "Polls and questions", "level": 1}],
        "items": blocks,
        "charts": chart_holders,
    }


def _question(answers: list[PollResult], threshold: int | None) -> dict:
    import pandas as pd

    first = answers[0]
    respondents = first.respondents
    block = {
        "question": first.question,
        "poll": first.poll,
        "respondents": format_count(respondents, threshold),
        "shown": True,
        "rows": [],
        "values": [],
        "texts": [],
        "hidden": False,
    }
    if threshold is not None and respondents < threshold:
        block["shown"] = False
        return block
    counts = [a.count for a in answers]
    if threshold is None:
        texts = [f"{c:,}" for c in counts]
        hidden = [False] * len(counts)
    else:
        table = pd.DataFrame({"People": counts}, index=[f"a{i}" for i in range(len(counts))])
        suppressed = suppress_table(table, threshold)
        shown = suppressed.display()
        texts = [shown.loc[f"a{i}", "People"] for i in range(len(counts))]
        hidden = [bool(suppressed.hidden.loc[f"a{i}", "People"]) for i in range(len(counts))]
    block["rows"] = [
        {"answer": a.answer, "count": text, "share": _share(a.count, respondents, masked)}
        for a, text, masked in zip(answers, texts, hidden, strict=True)
    ]
    block["values"] = [None if masked else c for c, masked in zip(counts, hidden, strict=True)]
    block["texts"] = texts
    block["hidden"] = any(hidden)
    return block


def _share(count: int, respondents: int, masked: bool) -> str:
    if masked or not respondents:
        return "–"
    return f"{100 * count / respondents:.0f}%"
