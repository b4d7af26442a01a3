"""The report's "Quality of engagement": how much say the agenda gave participants (the
IAP2 spectrum), and what they said of the engagement itself. Pure builders over frames."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.choices import ENGAGEMENT_LEVEL_PROMISE, EngagementLevel, engagement_level_for

if TYPE_CHECKING:
    import pandas as pd


def spectrum(agenda: pd.DataFrame) -> dict | None:
    """One row per IAP2 level, in spectrum order: the items at that level and the time
    they took. Breakouts held side by side take their time slot once, not once a room."""
    if agenda.empty:
        return None
    table = agenda.copy()
    if "engagement_level" not in table:
        table["engagement_level"] = ""
    table["level"] = [
        engagement_level_for(kind, level)
        for kind, level in zip(table["kind"], table["engagement_level"].fillna(""), strict=True)
    ]
    rows = []
    total_minutes = 0
    for level in EngagementLevel:
        items = table[table["level"] == level.value]
        slots = items[["starts_at", "ends_at"]].drop_duplicates()
        minutes = int(
            sum((end - start).total_seconds() // 60 for start, end in slots.itertuples(index=False))
        )
        total_minutes += minutes
        rows.append(
            {
                "level": level.label,
                "promise": ENGAGEMENT_LEVEL_PROMISE[level],
                "item_count": len(items),
                "minutes": minutes,
                "titles": sorted(items["title"]) if len(items) <= 3 else [],
            }
        )
    asked = sum(row["minutes"] for row in rows[1:])
    return {
        "rows": rows,
        "total_minutes": total_minutes,
        "asked_minutes": asked,
        "asked_share": f"{round(100 * asked / total_minutes)}%" if total_minutes else "",
    }


def question_sets(evaluation, threshold: int | None) -> list[dict]:
    """Each question set in the survey with its source and licence, and its rating
    questions as the evaluation shows them (the same suppression in the shareable version)."""
    from app.reporting import aggregate, sections

    if evaluation is None or evaluation.respondents == 0:
        return []
    blocks = []
    for question_set in evaluation.question_sets:
        results = [
            r
            for r in aggregate.likert(
                evaluation.ratings, question_set["questions"], evaluation.scale
            )
            if r.n
        ]
        rows, headlines = [], []
        for result in results:
            row, headline, _ = sections.rating(result, threshold)
            rows.append(row)
            headlines.append(headline)
        blocks.append(
            {
                "title": question_set["title"],
                "source": question_set["source"],
                "licence": question_set["licence"],
                "rows": rows,
                "headlines": headlines,
                "hidden": any(row["hidden"] for row in rows),
            }
        )
    return blocks


STORIES_SHOWN = 5


def value_since(data, threshold: int | None) -> dict | None:
    """The previous gathering's follow-up for "Since the last gathering": what came of it,
    counts suppressed in the shareable version, up to five consented stories (no names)."""
    from app import timefmt

    if not data.earlier:
        return None
    previous = max(data.earlier, key=lambda e: e.starts_at)
    tally = previous.value
    if tally is None or not tally.asked:
        return None
    shown = tally.shown(threshold)
    return {
        "title": previous.title,
        "date_label": timefmt.long_date(previous.starts_at, data.gathering["timezone"]),
        "respondents": shown.respondents,
        "invited": shown.invited,
        "rows": shown.rows,
        "hidden": shown.hidden,
        "stories": shown.stories[:STORIES_SHOWN],
        "more_stories": max(0, len(shown.stories) - STORIES_SHOWN),
    }


def value_over_time(data, threshold: int | None) -> dict | None:
    """What came of each earlier gathering, by value cycle, where a follow-up was sent."""
    from app import timefmt
    from app.choices import VALUE_CYCLE_SHORT, ValueCycle

    asked = [
        e for e in sorted(data.earlier, key=lambda e: e.starts_at) if e.value and e.value.asked
    ]
    if not asked:
        return None
    zone = data.gathering["timezone"]
    columns = [timefmt.to_local(e.starts_at, zone).strftime("%B %Y") for e in asked]
    shown = [e.value.shown(threshold) for e in asked]
    rows = [{"label": "Answered", "cells": [s.respondents for s in shown]}]
    for index, cycle in enumerate(ValueCycle):
        rows.append({"label": VALUE_CYCLE_SHORT[cycle], "cells": [s.rows[index][1] for s in shown]})
    return {"columns": columns, "rows": rows, "hidden": any(s.hidden for s in shown)}
