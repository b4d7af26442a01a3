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


def question_sets(data, threshold: int | None) -> list[dict]:
    """Each question set in the survey with its source and licence, and its rating
    questions as the evaluation shows them (the same suppression in the shareable version),
    with the share who agreed at each earlier gathering that asked the same question."""
    from app import timefmt
    from app.reporting import aggregate, sections

    evaluation = data.evaluation
    if evaluation is None or evaluation.respondents == 0:
        return []
    zone = data.gathering["timezone"]
    earlier = sorted(data.earlier, key=lambda e: e.starts_at)
    blocks = []
    for question_set in evaluation.question_sets:
        results = [
            r
            for r in aggregate.likert(
                evaluation.ratings, question_set["questions"], evaluation.scale
            )
            if r.n
        ]
        asked_before = [e for e in earlier if any(r.question in e.ratings for r in results)]
        rows, headlines = [], []
        for result in results:
            row, headline, _ = sections.rating(result, threshold)
            row["before"] = [
                sections._agreement_text(e.ratings.get(result.question), threshold)[1]
                for e in asked_before
            ]
            row["agree"] = headline["agree"]
            rows.append(row)
            headlines.append(headline)
        blocks.append(
            {
                "title": question_set["title"],
                "source": question_set["source"],
                "licence": question_set["licence"],
                "rows": rows,
                "headlines": headlines,
                "before": [
                    timefmt.to_local(e.starts_at, zone).strftime("%B %Y") for e in asked_before
                ],
                "hidden": any(row["hidden"] for row in rows),
            }
        )
    return blocks


STORIES_SHOWN = 3


def value_since(data, threshold: int | None) -> dict | None:
    """The previous gathering's follow-up for "Since the last gathering": what came of it,
    counts suppressed in the shareable version, up to three consented stories (no names)."""
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

    asked = [
        e for e in sorted(data.earlier, key=lambda e: e.starts_at) if e.value and e.value.asked
    ]
    if not asked:
        return None
    zone = data.gathering["timezone"]
    lines = []
    for earlier in asked:
        shown = earlier.value.shown(threshold)
        lines.append(
            {
                "column": timefmt.to_local(earlier.starts_at, zone).strftime("%B %Y"),
                "parts": [("answered", shown.respondents), *shown.rows],
            }
        )
    return {"lines": lines, "hidden": any(e.value.shown(threshold).hidden for e in asked)}
