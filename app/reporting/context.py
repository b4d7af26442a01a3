"""Frames in, one plain dict out: everything the report templates print, already
formatted and (for the shareable variant) suppressed. No ORM object, name or email
ever enters this dict."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

import pandas as pd
from markupsafe import Markup

from app import timefmt
from app.choices import (
    HEALTH_REGION_SHORT,
    PRIORITY_AREA_SHORT,
    HealthRegion,
    OrganisationType,
    PriorityArea,
    Role,
)
from app.community.recommendations import since_last_gathering
from app.organisation.services import current_organisation
from app.reporting import aggregate, charts
from app.reporting.suppression import (
    SuppressedTable,
    check_threshold,
    format_count,
    suppress_table,
    with_totals,
)

COMMITTEE = "committee"
SHAREABLE = "shareable"
VARIANTS = (COMMITTEE, SHAREABLE)

AUTHOR = "BC Perinatal Community of Practice"

PATIENT_STORY = re.compile(r"(patient|family|families)[^.]{0,40}(stor(y|ies))|care stor", re.I)


@dataclass
class EvaluationData:
    """What the evaluation loader hands over: rating answers in long form, the rating
    questions in order, the scale's labels, open answers and the respondent count."""

    ratings: pd.DataFrame
    questions: list[tuple[str, str]]
    scale: list[str]
    open_answers: list[tuple[str, list[str]]]
    respondents: int
    invited: int = 0
    all_questions: list[str] = field(default_factory=list)
    # [{"question", "multiple", "counts": [(option, n)], "respondents"}]
    choices: list[dict] = field(default_factory=list)


@dataclass
class ReportData:
    gathering: dict
    registrations: pd.DataFrame
    agenda: pd.DataFrame
    breakout_attendance: pd.DataFrame
    notes: pd.DataFrame
    has_attendance: bool = False
    evaluation: EvaluationData | None = None
    previous: aggregate.Glance | None = None
    previous_title: str | None = None


def build_context(
    data: ReportData,
    *,
    variant: str,
    threshold: int,
    page_size: str,
    now: datetime,
    draw: bool = True,
) -> dict:
    """Everything the templates print. With draw=False the charts stay PendingChart
    objects, so that the caller can time drawing them (see `draw_charts`)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown report variant {variant!r}")
    threshold = check_threshold(threshold)
    suppress = variant == SHAREABLE
    g = data.gathering
    zone = g["timezone"]
    rooms = _rooms(data)
    room_counts = aggregate.room_attendance(
        data.agenda, data.registrations, data.breakout_attendance, data.notes
    )
    held = aggregate.breakouts_held(data.agenda, room_counts)
    glance = aggregate.at_a_glance(
        data.registrations,
        breakouts_held=held,
        has_attendance=data.has_attendance,
        previous=data.previous,
        previous_title=data.previous_title,
    )
    since_last = since_last_gathering(g.get("id"))
    contents = since_last["contents"] + [
        {"id": "at-a-glance", "title": "At a glance", "level": 1},
        {"id": "who-took-part", "title": "Who took part", "level": 1},
        {"id": "presentations", "title": "Presentations", "level": 1},
        {"id": "breakouts", "title": "Breakout discussions", "level": 1},
    ]
    breakouts = _breakouts(data, rooms, room_counts, threshold if suppress else None)
    contents += [{"id": b["id"], "title": b["short"], "level": 2} for b in breakouts]
    evaluation = _evaluation(data, glance, threshold if suppress else None)
    contents += [
        {"id": "themes-across", "title": "Themes across breakouts", "level": 1},
        {"id": "evaluation", "title": "Evaluation", "level": 1},
        {"id": "steering-actions", "title": "Actions for the steering committee", "level": 1},
        {"id": "appendix-agenda", "title": "Appendix A. Agenda", "level": 1},
    ]
    if evaluation and evaluation["questions"]:
        contents.append(
            {"id": "appendix-questions", "title": "Appendix B. Evaluation questions", "level": 1}
        )
        method_letter = "C"
    else:
        method_letter = "B"
    contents.append(
        {
            "id": "appendix-method",
            "title": f"Appendix {method_letter}. Method and data notes",
            "level": 1,
        }
    )
    agenda = _agenda(data.agenda, zone)
    presentations = [item for item in agenda if item["kind"] == "plenary"]
    content_note = _has_patient_stories(data)
    context = {
        "report": {
            "title": f"Summary report: {g['title']}",
            "gathering_title": g["title"],
            "organisation": current_organisation().name,
            "author": AUTHOR,
            "description": f"Summary report of {g['title']} for the steering committee",
            "lang": "en-CA",
            "variant": variant,
            "variant_label": ("Shareable version" if suppress else "Committee version (internal)"),
            "variant_note": (
                f"Counts from 1 to {threshold - 1} are shown as <{threshold}; other cells "
                "are hidden where needed so they cannot be worked out from totals."
                if suppress
                else "For the steering committee only: contains unsuppressed small counts. "
                "Do not circulate; share the shareable version instead."
            ),
            "date_label": timefmt.long_date(g["starts_at"], zone),
            "time_label": timefmt.time_range(g["starts_at"], g["ends_at"], zone),
            "zone_label": timefmt.zone_name(zone),
            "format_label": g.get("format_label") or "A virtual, province-wide gathering",
            "land_acknowledgement": _paragraphs(g.get("land_acknowledgement", "")),
            "generated_label": f"{timefmt.long_date(now, zone)}, "
            f"{timefmt.clock(now, zone)} {timefmt.zone_short(zone, now)}",
            "created_iso": now.isoformat(timespec="seconds"),
            "page_size": page_size,
            "threshold": threshold,
            "suppressed": suppress,
        },
        "contents": contents,
        "content_note": content_note,
        "since_last": since_last,
        "glance": _glance(glance, g, threshold if suppress else None),
        "participation": _participation(
            data, glance, threshold if suppress else None, identity_threshold=threshold
        ),
        "presentations": presentations,
        "breakouts": breakouts,
        "themes": _themes(data, rooms),
        "evaluation": evaluation,
        "actions": [
            {"text": a.text, "room": a.room}
            for a in aggregate.steering_actions(
                data.notes, {k: v["short"] for k, v in rooms.items()}, list(rooms)
            )
        ],
        "agenda": agenda,
        "method": _method(g, threshold, suppress, data.has_attendance),
    }
    if draw:
        draw_charts(context)
    return context


@dataclass
class PendingChart:
    """A chart to draw later: drawing is its own stage of the pipeline."""

    draw: Callable[[], str]


def draw_charts(context: dict) -> None:
    """Replace every PendingChart in the context by its SVG as a data: URI."""
    holders = list(context["participation"].get("blocks", []))
    if context["evaluation"]:
        holders.append(context["evaluation"])
    for holder in holders:
        chart = holder.get("chart")
        if isinstance(chart, PendingChart):
            holder["chart"] = charts.data_uri(chart.draw())


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def _rooms(data: ReportData) -> dict[int, dict]:
    """Breakout rooms in priority-area order (then agenda order)."""
    order = {area.value: i for i, area in enumerate(PriorityArea)}
    rooms = data.agenda[data.agenda["kind"] == "breakout"].copy()
    rooms["area_order"] = rooms["priority_area"].map(order).fillna(len(order))
    rooms = rooms.sort_values(["area_order", "starts_at", "id"])
    result = {}
    for _, row in rooms.iterrows():
        area = row["priority_area"]
        try:
            member = PriorityArea(area)
            short = PRIORITY_AREA_SHORT[member]
            full = member.label
            number = list(PriorityArea).index(member) + 1
        except ValueError:
            short, full, number = row["title"], "", ""
        result[int(row["id"])] = {
            "short": short,
            "area": full,
            "number": number,
            "title": row["title"],
        }
    return result


def _glance(glance: aggregate.Glance, g: dict, threshold: int | None) -> dict:
    tiles = [
        {
            "label": "Registered",
            "value": f"{glance.registered:,}",
            "primary": True,
            "note": "confirmed registrations",
        },
        {
            "label": "Attended",
            "value": f"{glance.attended:,}" if glance.attended is not None else "No data yet",
            "primary": True,
            "note": (
                f"at least {g['attendance_threshold_minutes']} minutes online"
                if glance.attended is not None
                else "attendance not imported"
            ),
        },
        {
            "label": "Attendance rate",
            "value": f"{100 * glance.rate:.0f}%" if glance.rate is not None else "–",
            "primary": True,
            "note": "attended of registered" if glance.rate is not None else "",
        },
        {
            "label": "Health regions",
            "value": str(glance.regions),
            "primary": False,
            "note": "represented, of 6 in BC and province-wide",
        },
        {
            "label": "Organisation types",
            "value": str(glance.organisation_types),
            "primary": False,
            "note": f"represented, of {len(OrganisationType)}",
        },
        {
            "label": "Breakouts held",
            "value": str(glance.breakouts_held),
            "primary": False,
            "note": f"of {len(PriorityArea)} priority areas",
        },
    ]
    if glance.attended is not None:
        sentence = (
            f"{glance.registered:,} people registered and {glance.attended:,} took part, "
            f"from {glance.regions} health regions and {glance.organisation_types} types of "
            "organisation."
        )
    else:
        sentence = (
            f"{glance.registered:,} people registered, from {glance.regions} health regions "
            f"and {glance.organisation_types} types of organisation. Attendance has not been "
            "imported yet."
        )
    comparison = None
    if glance.registered_change is not None:
        comparison = (
            f"Compared with {glance.previous_title}: registrations {glance.registered_change:+,}"
        )
        if glance.attended_change is not None:
            comparison += f", attendance {glance.attended_change:+,}"
        comparison += "."
    return {
        "tiles": tiles,
        "sentence": sentence,
        "comparison": comparison,
        "purpose": _paragraphs(g.get("description", "")),
    }


def _suppressed_column(values: pd.Series, threshold: int | None) -> tuple[list, list, str]:
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
    body = values.index
    column = values.name
    return (
        [None if hidden.loc[i, column] else int(values[i]) for i in body],
        [shown.loc[i, column] for i in body],
        shown.loc["Total", column],
    )


def _participation(
    data: ReportData,
    glance: aggregate.Glance,
    threshold: int | None,
    *,
    identity_threshold: int,
) -> dict:
    regs = data.registrations
    if not len(aggregate.registered(regs)):
        return {"has_data": False}
    show_attended = glance.attended is not None
    blocks = []
    for block_id, title, heading, column, choices in (
        ("by-region", "By health region", "Health region", "health_region", HealthRegion),
        (
            "by-organisation",
            "By organisation type",
            "Organisation type",
            "organisation_type",
            OrganisationType,
        ),
        ("by-role", "By role", "Role", "role", Role),
    ):
        table = aggregate.registered_vs_attended(regs, column, choices)
        series = []
        totals = []
        hidden_any = False
        columns = [aggregate.REGISTERED] + ([aggregate.ATTENDED] if show_attended else [])
        for name in columns:
            values, texts, total = _suppressed_column(table[name], threshold)
            series.append((name, values, texts))
            totals.append(total)
            hidden_any = hidden_any or any(v is None for v in values)
        chart_title = f"{title[3:].capitalize()}: " + (
            "registered and attended" if show_attended else "registered"
        )
        rows = [
            {"label": label, "cells": [s[2][i] for s in series]}
            for i, label in enumerate(table.index)
        ]
        blocks.append(
            {
                "id": block_id,
                "title": title,
                "heading": heading,
                "columns": columns,
                "chart": PendingChart(
                    partial(charts.paired_bars, list(table.index), series, chart_title)
                ),
                "alt": _bars_alt(chart_title, list(table.index), series),
                "caption": "Bar chart; the table below gives the same counts.",
                "rows": rows,
                "total": totals,
                "legend": _legend(threshold) if threshold and hidden_any else None,
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
    if threshold is None:
        values = with_totals(cross)
        shown = values.map(lambda v: f"{int(v):,}")
        legend = None
    else:
        suppressed: SuppressedTable = suppress_table(cross, threshold)
        shown = suppressed.display()
        legend = _legend(threshold) if suppressed.any_hidden else None
    crosstab_rows = [
        {"label": label, "cells": list(shown.loc[label]), "total": label == "Total"}
        for label in shown.index
    ]
    groups = aggregate.indigenous_identity_groups(regs)
    values, texts, total = _suppressed_column(groups.rename("Registered"), identity_threshold)
    identity_hidden = any(v is None for v in values)
    return {
        "has_data": True,
        "intro": (
            "Counts of confirmed registrations and, where attendance has been imported, of "
            "people who attended. Health region is where a person works; organisation type "
            "is their employer or the capacity they came in."
        ),
        "blocks": blocks,
        "crosstab": {
            "intro": "Confirmed registrations by organisation type (rows) and health "
            "region (columns).",
            "columns": list(shown.columns),
            "rows": crosstab_rows,
            "legend": legend,
        },
        "indigenous": {
            "intro": (
                "Answering was optional. In line with OCAP and the BC Indigenous identity "
                "data standard, identity is reported only as one aggregate, with small "
                "counts suppressed in every version of this report, and never by Nation."
            ),
            "rows": [{"label": label, "value": texts[i]} for i, label in enumerate(groups.index)],
            "total": total,
            "legend": _legend(identity_threshold) if identity_hidden else None,
        },
    }


def _legend(threshold: int) -> str:
    return (
        f"<{threshold}: a count from 1 to {threshold - 1}, not shown to protect privacy. "
        "x: hidden so that a small count cannot be worked out from the totals."
    )


def _bars_alt(title: str, labels: list[str], series) -> str:
    parts = []
    for i, label in enumerate(labels):
        values = ", ".join(f"{name.lower()} {texts[i]}" for name, _, texts in series)
        parts.append(f"{label}: {values}")
    return f"{title}. " + "; ".join(parts) + "."


def _breakouts(
    data: ReportData, rooms: dict[int, dict], room_counts: pd.Series, threshold: int | None
) -> list[dict]:
    notes = data.notes.set_index("agenda_item_id") if len(data.notes) else None
    result = []
    for item_id, room in rooms.items():
        count = int(room_counts.get(item_id, 0))
        note = notes.loc[item_id] if notes is not None and item_id in notes.index else None
        if isinstance(note, pd.DataFrame):
            note = note.iloc[-1]
        attendance = (
            f"{format_count(count, threshold)} participants" if count else "Attendance not recorded"
        )
        entry = {
            "id": f"breakout-{item_id}",
            **room,
            "attendance": attendance,
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


def _themes(data: ReportData, rooms: dict[int, dict]) -> dict:
    table = aggregate.themes_across(data.notes, {k: v["short"] for k, v in rooms.items()})
    rows = [
        {"theme": r.theme, "count": int(r.breakouts), "rooms": "; ".join(r.rooms)}
        for r in table.itertuples()
    ]
    shared = sum(1 for r in rows if r["count"] > 1)
    return {
        "rows": rows,
        "intro": (
            f"{len(rows)} distinct themes were recorded; {shared} came up in more than one "
            "breakout. Themes are matched by their wording, ignoring case."
        ),
    }


def _evaluation(data: ReportData, glance: aggregate.Glance, threshold: int | None):
    evaluation = data.evaluation
    if evaluation is None or evaluation.respondents == 0:
        return None
    results = aggregate.likert(evaluation.ratings, evaluation.questions, evaluation.scale)
    results = [r for r in results if r.n]
    rate = aggregate.response_rate(evaluation.respondents, evaluation.invited)
    context = {
        "rate": rate,
        "intro": (
            "Participants answered an anonymous survey after the gathering. Percentages are "
            "of the people who answered each question."
        ),
        "scale": evaluation.scale,
        "ratings": [],
        "open": [_open_group(q, answers) for q, answers in evaluation.open_answers],
        "questions": evaluation.all_questions,
        "legend": None,
        "choices": [_choice_table(choice, threshold) for choice in evaluation.choices],
    }
    if not results:
        return context
    counts = pd.DataFrame(
        [r.counts for r in results],
        index=[r.question for r in results],
        columns=evaluation.scale,
    )
    if threshold is None:
        shown = counts.map(lambda v: f"{int(v):,}")
        shown["n"] = [f"{r.n:,}" for r in results]
        percents = [list(r.percents) for r in results]
    else:
        table = suppress_table(counts, threshold)
        display = table.display()
        shown = display.drop(index="Total").drop(columns="Total")
        shown["n"] = list(display["Total"].drop("Total"))
        percents = []
        for r in results:
            if table.hidden.loc[r.question, "Total"]:
                percents.append(None)
                continue
            hidden = table.hidden.loc[r.question]
            percents.append(
                [
                    None if hidden[s] else p
                    for s, p in zip(evaluation.scale, r.percents, strict=True)
                ]
            )
        if table.any_hidden:
            context["legend"] = _legend(threshold)
    title = "How participants rated the gathering"
    context.update(
        chart=PendingChart(
            partial(
                charts.likert_stacked,
                [r.question for r in results],
                evaluation.scale,
                percents,
                title,
            )
        ),
        alt=title
        + ". "
        + "; ".join(
            f"{r.question}: "
            + ", ".join(f"{label} {shown.loc[r.question, label]}" for label in evaluation.scale)
            for r in results
        ),
        caption="Stacked bars, lowest rating on the left; the table gives the counts.",
        ratings=[
            {
                "question": r.question,
                "cells": [shown.loc[r.question, s] for s in evaluation.scale],
                "n": shown.loc[r.question, "n"],
            }
            for r in results
        ],
    )
    return context


def _choice_table(choice: dict, threshold: int | None) -> dict:
    """Counts per option. A single-choice question's counts add up to its respondents,
    so they are suppressed as a table with a total; a multiple-choice question's do not,
    so small counts alone are hidden."""
    options = [option for option, _ in choice["counts"]]
    counts = pd.Series([n for _, n in choice["counts"]], index=options, name="Answers")
    respondents = choice["respondents"]
    if threshold is not None and not choice["multiple"]:
        _, texts, total = _suppressed_column(counts, threshold)
    else:
        texts = [format_count(n, threshold) for n in counts]
        total = format_count(respondents, threshold)
    hidden = any(text.startswith("<") or text == "x" for text in texts)
    return {
        "question": choice["question"],
        "multiple": choice["multiple"],
        "rows": [{"option": o, "count": t} for o, t in zip(options, texts, strict=True)],
        "total": total,
        "legend": _legend(threshold) if threshold is not None and hidden else None,
    }


MAX_OPEN_ANSWERS = 30


def _open_group(question: str, answers: list[str]) -> dict:
    """At most MAX_OPEN_ANSWERS grouped answers per question: a report for 10,000
    people must stay a report; the rest are in the evaluation export."""
    grouped = aggregate.group_answers(answers)
    return {
        "question": question,
        "answers": grouped[:MAX_OPEN_ANSWERS],
        "more": max(0, len(grouped) - MAX_OPEN_ANSWERS),
    }


def _agenda(agenda: pd.DataFrame, zone: str) -> list[dict]:
    items = []
    for _, row in agenda.sort_values(["starts_at", "id"]).iterrows():
        items.append(
            {
                "time": f"{timefmt.clock(row['starts_at'], zone)} – "
                f"{timefmt.clock(row['ends_at'], zone)}",
                "title": row["title"],
                "presenter": row.get("presenter") or "",
                "description": row.get("description") or "",
                "kind": row["kind"],
                "story": bool(
                    PATIENT_STORY.search(f"{row['title']} {row.get('description') or ''}")
                ),
            }
        )
    return items


def _has_patient_stories(data: ReportData) -> bool:
    text = " ".join(
        str(v) for col in ("title", "description") if col in data.agenda for v in data.agenda[col]
    )
    return bool(PATIENT_STORY.search(text))


def _method(g: dict, threshold: int, suppress: bool, has_attendance: bool) -> list:
    return [
        (
            "Registered",
            "A confirmed registration on the day of the report. Waitlisted and "
            "cancelled registrations are not counted.",
        ),
        (
            "Attended",
            (
                "A registered person checked in by a facilitator, or online for at least "
                f"{g['attendance_threshold_minutes']} minutes in one session (the whole meeting "
                "or one agenda item) according to the imported Zoom or Teams attendance "
                "reports. Unmatched walk-ins are not included in the breakdowns."
                if has_attendance
                else "Attendance has not been imported yet, so attended counts are not shown."
            ),
        ),
        ("Attendance rate", "Attended divided by registered."),
        (
            "Health region",
            "Where the person works, as they chose it on the registration form. "
            "Province-wide roles (PHSA, FNHA, Ministry, provincial bodies) are one group.",
        ),
        (
            "Breakout attendance",
            "People recorded in the room, or the facilitator's head "
            "count when no attendance record exists for the room.",
        ),
        (
            "Themes",
            "Recorded by each breakout's facilitator; grouped across breakouts by "
            "identical wording, ignoring case and spacing.",
        ),
        ("Quotes", "Only quotes the speaker agreed to share, without names."),
        (
            "Small-cell suppression",
            (
                f"In this shareable version, counts from 1 to {threshold - 1} are shown as "
                f"<{threshold}. Where a row or column has a total, at least one more cell "
                "(marked x) is hidden so that the small count cannot be worked out by "
                "subtraction. Zero is shown."
                if suppress
                else f"This committee version shows exact counts. The shareable version shows "
                f"counts from 1 to {threshold - 1} as <{threshold}, with further cells hidden so "
                "they cannot be recovered from totals. Indigenous identity is suppressed in "
                "both versions."
            ),
        ),
        (
            "Privacy",
            "No names or email addresses appear in this report. Indigenous identity "
            "is reported as a single aggregate and never by Nation, in keeping with OCAP.",
        ),
    ]
