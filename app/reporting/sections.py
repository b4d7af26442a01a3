"""Section builders: report data in, the figures one section prints out, already
formatted and (when a threshold is given) suppressed. The words around the figures live
in the templates under reports/partials/."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from markupsafe import Markup

from app import timefmt
from app.choices import HEALTH_REGION_SHORT, HealthRegion, OrganisationType, PriorityArea, Role
from app.documents import charts
from app.documents.suppression import (
    PRIMARY,
    collapsed_groups,
    format_count,
    suppress_rating,
    suppress_table,
    with_totals,
)
from app.reporting import aggregate
from app.reporting.data import ReportData

if TYPE_CHECKING:
    import pandas as pd

PATIENT_STORY = re.compile(r"(patient|family|families)[^.]{0,40}(stor(y|ies))|care stor", re.I)

COLLAPSED_LABELS = ("Disagree or strongly disagree", "Neutral", "Agree or strongly agree")
MAX_OPEN_ANSWERS = 6
MAX_THEME_QUOTES = 2


@dataclass
class PendingChart:
    """A chart to draw later: drawing is its own stage of the pipeline."""

    draw: Callable[[], str]


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def rooms(data: ReportData) -> dict[int, dict]:
    """Breakout rooms in priority-area order (then agenda order), each with one name:
    its title on the agenda, which is also what participants chose and the survey asks."""
    order = {area.value: i for i, area in enumerate(PriorityArea)}
    table = data.agenda[data.agenda["kind"] == "breakout"].copy()
    table["area_order"] = table["priority_area"].map(order).fillna(len(order))
    table = table.sort_values(["area_order", "starts_at", "id"])
    result = {}
    for _, row in table.iterrows():
        try:
            number = list(PriorityArea).index(PriorityArea(row["priority_area"])) + 1
        except ValueError:
            number = None
        result[int(row["id"])] = {"name": row["title"], "number": number}
    return result


def glance(summary: aggregate.Glance, g: dict, counts: dict) -> dict:
    """The headline tiles: the gathering's totals as `Headcount.printed` gives them
    for this version (app.facts.vocabulary), so every page prints the same values."""
    return {
        "registered": counts["registered"],
        "took_part": counts["took_part"],
        "attended": counts["attended"],
        "walk_ins": counts["walk_ins"],
        "rate": counts["attendance_rate"],
        "regions": summary.regions,
        "organisation_types": summary.organisation_types,
        "all_organisation_types": len(OrganisationType),
        "breakouts_held": summary.breakouts_held,
        "priority_areas": len(PriorityArea),
        "minutes": g["attendance_threshold_minutes"],
        "previous_title": summary.previous_title,
        "registered_change": summary.registered_change,
        "attended_change": summary.attended_change,
        "purpose": paragraphs(g.get("description", "")),
    }


def suppressed_column(values: pd.Series, threshold: int | None) -> tuple[list, list, str]:
    """One column of counts printed with its total: values (None = hidden), printed
    strings, and the printed total."""
    if threshold is None:
        return (
            [int(v) for v in values],
            [f"{int(v):,}" for v in values],
            f"{int(values.sum()):,}",
        )
    table = suppress_table(values.to_frame(), threshold)
    shown = table.display()
    hidden = table.hidden
    column = values.name
    return (
        [None if hidden.loc[i, column] else int(values[i]) for i in values.index],
        [shown.loc[i, column] for i in values.index],
        shown.loc["Total", column],
    )


def suppressed_grid(table: pd.DataFrame, threshold: int | None) -> tuple[pd.DataFrame, bool]:
    """A table with totals as printed strings, and whether anything is hidden."""
    if threshold is None:
        return with_totals(table).map(lambda v: f"{int(v):,}"), False
    suppressed = suppress_table(table, threshold)
    return suppressed.display(), suppressed.any_hidden


SIDE, ABOVE, TABLE_ONLY = "side", "above", "table"
# (id, title, heading, column, choices, layout: chart beside or above its table, or
# the table alone for the roles, which no decision turns on)
PARTICIPATION_BLOCKS = (
    ("by-region", "By health region", "Health region", "health_region", HealthRegion, SIDE),
    ("by-role", "By role", "Role", "role", Role, TABLE_ONLY),
    (
        "by-organisation",
        "By organisation type",
        "Organisation type",
        "organisation_type",
        OrganisationType,
        ABOVE,
    ),
)
SIDE_CHART_IN = 3.7


def participation(
    data: ReportData, summary: aggregate.Glance, threshold: int | None, *, identity_threshold: int
) -> dict:
    regs = data.registrations
    if not len(aggregate.registered(regs)):
        return {"has_data": False}
    show_attended = summary.attended is not None
    blocks = []
    for block_id, title, heading, column, choices, layout in PARTICIPATION_BLOCKS:
        table = aggregate.registered_vs_attended(regs, column, choices)
        columns = [aggregate.REGISTERED] + ([aggregate.ATTENDED] if show_attended else [])
        series, totals, hidden_any = [], [], False
        for name in columns:
            values, texts, total = suppressed_column(table[name], threshold)
            series.append((name, values, texts))
            totals.append(total)
            hidden_any = hidden_any or any(v is None for v in values)
        chart_title = "Registered and attended" if show_attended else "Registered"
        blocks.append(
            {
                "id": block_id,
                "title": title,
                "heading": heading,
                "columns": [s[0] for s in series],
                "side": layout == SIDE,
                "chart": None
                if layout == TABLE_ONLY
                else PendingChart(
                    partial(
                        charts.paired_bars,
                        chart_labels(column, list(table.index)),
                        series,
                        chart_title,
                        width_in=SIDE_CHART_IN if layout == SIDE else charts.WIDTH_IN,
                    )
                ),
                "alt": bars_alt(f"{heading}: {chart_title.lower()}", list(table.index), series),
                "rows": [
                    {"label": label, "cells": [s[2][i] for s in series]}
                    for i, label in enumerate(table.index)
                ],
                "total": totals,
                "hidden": hidden_any,
            }
        )
    cross = aggregate.crosstab(
        regs,
        "organisation_type",
        "health_region",
        OrganisationType,
        HealthRegion,
        column_labels=HEALTH_REGION_SHORT,
    )
    shown, cross_hidden = suppressed_grid(cross, threshold)
    groups = aggregate.indigenous_identity_groups(regs)
    values, texts, total = suppressed_column(groups.rename("Registered"), identity_threshold)
    return {
        "has_data": True,
        "show_attended": show_attended,
        "blocks": blocks,
        "crosstab": {
            "columns": list(shown.columns),
            "rows": [
                {"label": label, "cells": list(shown.loc[label]), "total": label == "Total"}
                for label in shown.index
            ],
            "hidden": cross_hidden,
        },
        "indigenous": {
            "rows": [{"label": label, "value": texts[i]} for i, label in enumerate(groups.index)],
            "total": total,
            "hidden": any(v is None for v in values),
        },
    }


def chart_labels(column: str, labels: list[str]) -> list[str]:
    """The short region names in a chart beside its table, which gives the full ones:
    long labels would crowd the bars."""
    if column != "health_region":
        return labels
    short = {HealthRegion(code).label: name for code, name in HEALTH_REGION_SHORT.items()}
    return [short.get(label, label) for label in labels]


def bars_alt(title: str, labels: list[str], series) -> str:
    parts = []
    for i, label in enumerate(labels):
        values = ", ".join(f"{name.lower()} {texts[i]}" for name, _, texts in series)
        parts.append(f"{label}: {values}")
    return f"{title}. " + "; ".join(parts) + "."


def breakouts(
    data: ReportData, room_list: dict[int, dict], room_counts: pd.Series, threshold: int | None
) -> list[dict]:
    import pandas as pd

    notes = data.notes.set_index("agenda_item_id") if len(data.notes) else None
    result = []
    for item_id, room in room_list.items():
        count = int(room_counts.get(item_id, 0))
        note = notes.loc[item_id] if notes is not None and item_id in notes.index else None
        if isinstance(note, pd.DataFrame):
            note = note.iloc[-1]
        entry = {
            "id": f"breakout-{item_id}",
            **room,
            "people": format_count(count, threshold) if count else None,
            "has_notes": note is not None,
            "summary": "",
            "themes": [],
            "actions": [],
            "quotes": [],
        }
        if note is not None:
            summary = note.get("summary_html", "")
            entry.update(
                summary=summary if isinstance(summary, Markup) else Markup.escape(summary),
                themes=[t for t in (note.get("themes") or []) if str(t).strip()],
                actions=[
                    {"text": a.get("text", ""), "steering": bool(a.get("steering"))}
                    for a in (note.get("actions") or [])
                    if str(a.get("text", "")).strip()
                ],
                quotes=[q for q in (note.get("quotes") or []) if str(q).strip()],
            )
        result.append(entry)
    return result


def ranked_themes(themes: list) -> list:
    """Accepted themes, most widespread first: the order of the themes table, which the
    key messages follow."""
    return sorted(themes, key=lambda t: (-len(t.breakouts), -t.answers, t.label))


def themes(data: ReportData, room_list: dict[int, dict], threshold: int | None) -> dict:
    """Accepted themes only, most widespread first. The count of answers is a count of
    people, so it is suppressed like any other; no theme is counted by region or
    organisation type."""
    if data.themes is None:
        return {"reviewed": False, "rows": []}
    order = list(room_list)
    rows = []
    for theme in ranked_themes(data.themes):
        rows.append(
            {
                "theme": theme.label,
                "breakouts": len(theme.breakouts),
                "answers": format_count(theme.answers, threshold),
                "areas": ", ".join(
                    str(room_list[i]["number"] or room_list[i]["name"])
                    for i in sorted((b for b in theme.breakouts if b in room_list), key=order.index)
                ),
                "quotes": theme.quotes[:MAX_THEME_QUOTES],
            }
        )
    return {"reviewed": True, "rows": rows}


def evaluation(data: ReportData, summary: aggregate.Glance, threshold: int | None):
    survey = data.evaluation
    if survey is None or survey.respondents == 0:
        return None
    # Questions of a question set have their own place in "Quality of engagement".
    in_sets = {key for qs in survey.question_sets for key, _ in qs["questions"]}
    own = [(key, prompt) for key, prompt in survey.questions if key not in in_sets]
    results = [r for r in aggregate.likert(survey.ratings, own, survey.scale) if r.n]
    context = {
        "respondents": survey.respondents,
        "rate": aggregate.response_rate(survey.respondents, survey.invited),
        "scale": survey.scale,
        "ratings": [],
        "headlines": [],
        "open": [open_group(q, answers) for q, answers in survey.open_answers],
        "questions": survey.all_questions,
        "hidden": False,
        "choices": [choice_table(choice, threshold) for choice in survey.choices],
    }
    if not results:
        return context
    rows, headlines, percents = [], [], []
    for r in results:
        row, headline, bar = rating(r, threshold)
        rows.append(row)
        headlines.append(headline)
        percents.append(bar)
        context["hidden"] = context["hidden"] or row["hidden"]
    labels = list(COLLAPSED_LABELS) if threshold is not None else survey.scale
    title = "How participants rated the gathering"
    context.update(
        ratings=rows,
        headlines=headlines,
        chart=PendingChart(
            partial(charts.likert_stacked, [r.question for r in results], labels, percents, title)
        ),
        alt=title
        + ". "
        + "; ".join(
            f"{h['question']}: agree or strongly agree {h['agree']}, neutral {h['neutral']}, "
            f"disagree or strongly disagree {h['disagree']}"
            for h in headlines
        ),
        collapsed_chart=threshold is not None,
    )
    return context


def rating(result: aggregate.LikertResult, threshold: int | None):
    """One rating question: its detail row, its headline (the three collapsed shares)
    and the shares its bar draws. The shareable version's bar draws the collapsed
    categories, the committee's the five points."""
    n = result.n
    if threshold is None:
        collapsed = [sum(result.counts[i] for i in g) for g in collapsed_groups(len(result.counts))]
        shares = [f"{100 * c / n:.0f}%" for c in collapsed]
        row = {
            "question": result.question,
            "cells": [f"{c:,}" for c in result.counts],
            "n": f"{n:,}",
            "hidden": False,
        }
        bar = list(result.percents)
        shown_n = f"{n:,}"
    else:
        cut = suppress_rating(result.counts, threshold)
        shares = [
            _share(c, n, reason)
            for c, reason in zip(cut.collapsed, cut.collapsed_reason, strict=True)
        ]
        cells = [
            _mark(c, reason, threshold)
            for c, reason in zip(result.counts, cut.detail_reason, strict=True)
        ]
        shown_n = _mark(n, cut.total_reason, threshold)
        row = {
            "question": result.question,
            "cells": cells,
            "n": shown_n,
            "hidden": any(cut.detail_reason) or bool(cut.total_reason),
        }
        bar = (
            None
            if cut.total_reason
            else [
                None if reason else 100 * c / n
                for c, reason in zip(cut.collapsed, cut.collapsed_reason, strict=True)
            ]
        )
    disagree, neutral, agree = shares[0], shares[len(shares) // 2], shares[-1]
    # When both other shares are hidden, their sum is 100% less the headline anyway.
    rest = None
    if neutral == disagree == "not shown" and agree != "not shown":
        top = len(result.counts) // 2
        rest = f"{100 * (n - sum(result.counts[-top:])) / n:.0f}%"
    headline = {
        "question": result.question,
        "agree": agree,
        "neutral": neutral,
        "disagree": disagree,
        "rest": rest,
        "n": shown_n,
    }
    return row, headline, bar


def _mark(count: int, reason: str, threshold: int) -> str:
    if reason == PRIMARY:
        return f"<{threshold}"
    if reason:
        return "x"
    return f"{count:,}"


def _share(count: int, n: int, reason: str) -> str:
    if reason:
        return "not shown"
    return f"{100 * count / n:.0f}%"


def agreement_share(result: aggregate.LikertResult) -> float | None:
    """Agree or strongly agree, as a share of the answers (the top half of the scale)."""
    if not result.n:
        return None
    top = len(result.counts) // 2
    return 100 * sum(result.counts[-top:]) / result.n


def choice_table(choice: dict, threshold: int | None) -> dict:
    """Counts per option. A single-choice question's counts add up to its respondents,
    so they are suppressed as a table with a total; a multiple-choice question's do not,
    so small counts alone are hidden."""
    import pandas as pd

    options = [option for option, _ in choice["counts"]]
    counts = pd.Series([n for _, n in choice["counts"]], index=options, name="Answers")
    if threshold is not None and not choice["multiple"]:
        _, texts, total = suppressed_column(counts, threshold)
    else:
        texts = [format_count(n, threshold) for n in counts]
        total = format_count(choice["respondents"], threshold)
    return {
        "question": choice["question"],
        "multiple": choice["multiple"],
        "rows": [{"option": o, "count": t} for o, t in zip(options, texts, strict=True)],
        "total": total,
        "hidden": any(text.startswith("<") or text == "x" for text in texts),
    }


def open_group(question: str, answers: list[str]) -> dict:
    """At most MAX_OPEN_ANSWERS grouped answers per question, the most often given
    first: the report stays short (the reviewed themes summarise the rest), and every
    answer is in the evaluation export."""
    grouped = aggregate.group_answers(answers)
    return {
        "question": question,
        "answers": grouped[:MAX_OPEN_ANSWERS],
        "more": max(0, len(grouped) - MAX_OPEN_ANSWERS),
    }


def agenda(table: pd.DataFrame, zone: str) -> list[dict]:
    items = []
    for _, row in table.sort_values(["starts_at", "id"]).iterrows():
        items.append(
            {
                "time": f"{timefmt.clock(row['starts_at'], zone)} – "
                f"{timefmt.clock(row['ends_at'], zone)}",
                "title": row["title"],
                "presenter": row.get("presenter") or "",
                "description": row.get("description") or "",
                "kind": row["kind"],
            }
        )
    return items


def has_patient_stories(data: ReportData) -> bool:
    text = " ".join(
        str(v) for col in ("title", "description") if col in data.agenda for v in data.agenda[col]
    )
    return bool(PATIENT_STORY.search(text))


def attended_frame(registrations: pd.DataFrame, has_attendance: bool) -> pd.DataFrame:
    """Who attended one gathering (walk-ins have no region or organisation type, so
    they are in no breakdown); the confirmed registrations where attendance was never
    recorded."""
    return (
        aggregate.attended(registrations) if has_attendance else aggregate.registered(registrations)
    )


def over_time(data: ReportData, threshold: int | None) -> dict | None:
    """Who attended each gathering of the community, by region and by organisation
    type, and each rating's agreement share over time. None without earlier gatherings.
    Gatherings are named by month and year in tables and charts; the intro names them."""
    import pandas as pd

    if not data.earlier:
        return None
    gatherings = [*sorted(data.earlier, key=lambda e: e.starts_at)]
    zone = data.gathering["timezone"]
    names = [e.title for e in gatherings] + [data.gathering["title"]]
    moments = [e.starts_at for e in gatherings] + [data.gathering["starts_at"]]
    titles = [timefmt.to_local(m, zone).strftime("%B %Y") for m in moments]
    frames = [attended_frame(e.registrations, e.has_attendance) for e in gatherings]
    frames.append(attended_frame(data.registrations, data.has_attendance))
    blocks = []
    for block_id, heading, column, choices, short, side in (
        (
            "over-time-region",
            "Health region",
            "health_region",
            HealthRegion,
            HEALTH_REGION_SHORT,
            True,
        ),
        (
            "over-time-organisation",
            "Organisation type",
            "organisation_type",
            OrganisationType,
            {},
            False,
        ),
    ):
        codes = [m.value for m in choices]
        table = pd.DataFrame(
            {
                title: frame[column].value_counts().reindex(codes, fill_value=0)
                for title, frame in zip(titles, frames, strict=True)
            }
        ).astype(int)
        table = table[table.sum(axis=1) > 0]
        table.index = [short.get(code) or choices.label_for(code) for code in table.index]
        shown, hidden = suppressed_grid(table, threshold)
        # Each column is one gathering: a total across gatherings would count the
        # same people twice, so only the column totals are printed.
        shown = shown.drop(columns="Total")
        series = []
        for title in titles:
            cells = list(shown.loc[table.index, title])
            values = [
                None if cell.startswith("<") or cell == "x" else int(table.loc[label, title])
                for label, cell in zip(table.index, cells, strict=True)
            ]
            series.append((title, values, cells))
        chart_title = "Attended, gathering by gathering"
        blocks.append(
            {
                "id": block_id,
                "heading": heading,
                "side": side,
                "columns": titles,
                "rows": [
                    {"label": label, "cells": list(shown.loc[label]), "total": label == "Total"}
                    for label in shown.index
                ],
                "chart": PendingChart(
                    partial(
                        charts.paired_bars,
                        list(table.index),
                        series,
                        chart_title,
                        width_in=SIDE_CHART_IN if side else charts.WIDTH_IN,
                    )
                ),
                "alt": bars_alt(chart_title, list(table.index), series),
                "hidden": hidden,
            }
        )
    ratings = _agreement_over_time(data, gatherings, titles, threshold)
    return {
        "earlier": [
            f"{name} ({title})" for name, title in zip(names[:-1], titles[:-1], strict=True)
        ],
        "this_one": titles[-1],
        "registered_only": [
            title
            for title, e in zip(titles, [*gatherings, data], strict=True)
            if not e.has_attendance
        ],
        "blocks": blocks,
        "agreement": ratings,
    }


def _agreement_over_time(data: ReportData, gatherings, titles: list[str], threshold: int | None):
    survey = data.evaluation
    if survey is None:
        return None
    current = {
        r.question: r.counts
        for r in aggregate.likert(survey.ratings, survey.questions, survey.scale)
        if r.n
    }
    # Question sets' questions are followed over time in "Quality of engagement".
    in_sets = {prompt for qs in survey.question_sets for _, prompt in qs["questions"]}
    questions = [q for _, q in survey.questions if q in current and q not in in_sets]
    asked_before = [q for q in questions if any(q in e.ratings for e in gatherings)]
    if not asked_before:
        return None
    history = [e.ratings for e in gatherings] + [current]
    rows, series = [], []
    per_title: dict[str, list] = {t: [] for t in titles}
    for question in asked_before:
        cells = []
        for title, ratings in zip(titles, history, strict=True):
            counts = ratings.get(question)
            share = _agreement_text(counts, threshold)
            cells.append(share[1])
            per_title[title].append(share)
        rows.append({"label": question, "cells": cells})
    for title in titles:
        series.append(
            (title, [value for value, _ in per_title[title]], [t for _, t in per_title[title]])
        )
    chart_title = "Agree or strongly agree (%)"
    return {
        "columns": titles,
        "rows": rows,
        "chart": PendingChart(
            partial(charts.paired_bars, asked_before, series, chart_title, width_in=SIDE_CHART_IN)
        ),
        "alt": bars_alt(chart_title, asked_before, series),
    }


def _agreement_text(counts: list[int] | None, threshold: int | None) -> tuple[float | None, str]:
    if not counts or not sum(counts):
        return None, "not asked"
    n = sum(counts)
    if threshold is not None:
        cut = suppress_rating(counts, threshold)
        if cut.total_reason or cut.collapsed_reason[-1]:
            return None, "not shown"
    share = 100 * sum(counts[-(len(counts) // 2) :]) / n
    return round(share), f"{share:.0f}%"
