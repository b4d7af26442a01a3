"""Report data in, one plain dict out: everything the report templates print, already
formatted and (for the shareable variant) suppressed. No ORM object, name or email
ever enters this dict. The section builders are in sections.py, the words in the
templates."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from app import timefmt
from app.branding import current_organisation
from app.documents import charts
from app.documents.suppression import check_threshold
from app.facts.vocabulary import Headcount, definitions
from app.reporting import aggregate, engagement, free_text, messages, sections
from app.reporting.data import ReportData
from app.reporting.people import people_section
from app.reporting.polls import polls_section
from app.reporting.sections import PendingChart
from app.reporting.since_last import since_last_gathering

COMMITTEE = "committee"
SHAREABLE = "shareable"
VARIANTS = (COMMITTEE, SHAREABLE)

AUTHOR = "BC Perinatal Community of Practice"

AUDIENCE = {
    COMMITTEE: "for the steering committee only",
    SHAREABLE: "for participants, partners and the public",
}


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
    cut = threshold if suppress else None
    g = data.gathering
    zone = g["timezone"]
    room_list = sections.rooms(data)
    room_counts = room_counts_of(data)
    summary = glance_of(data, room_counts)
    survey = data.evaluation
    counts = Headcount(
        registered=summary.registered,
        attended=summary.attended,
        walk_ins=summary.walk_ins,
        invited=survey.invited if survey else 0,
        responded=survey.respondents if survey else 0,
    ).printed(cut)
    breakouts = sections.breakouts(data, room_list, room_counts, cut)
    evaluation = sections.evaluation(data, summary, cut)
    over_time = sections.over_time(data, cut)
    contents = [
        {"id": "key-messages", "title": "Key messages", "level": 1},
        {"id": "who-took-part", "title": "Who took part", "level": 1},
    ]
    if over_time:
        contents.append({"id": "over-time", "title": "Over time", "level": 1})
    contents.append({"id": "breakouts", "title": "Breakout discussions", "level": 1})
    contents += [{"id": b["id"], "title": b["name"], "level": 2} for b in breakouts]
    contents += [
        {"id": "themes-across", "title": "Themes across breakouts", "level": 1},
        {"id": "evaluation", "title": "Evaluation", "level": 1},
    ]
    quality = {
        "spectrum": engagement.spectrum(data.agenda),
        "sets": engagement.question_sets(data, cut),
        "scale": data.evaluation.scale if data.evaluation else [],
    }
    if quality["spectrum"] or quality["sets"]:
        contents.append({"id": "engagement", "title": "Quality of engagement", "level": 1})
    contents += [
        {"id": "steering-actions", "title": "Actions for the steering committee", "level": 1},
    ]
    since_last = since_last_gathering(g.get("id"))
    since_last["value"] = engagement.value_since(data, cut)
    if over_time:
        over_time["value"] = engagement.value_over_time(data, cut)
    contents += since_last["contents"]
    people = people_section(g.get("id"), committee=not suppress, threshold=threshold)
    contents += people["contents"]
    polls = polls_section(g.get("id"), threshold=cut)
    contents += polls["contents"]
    appendices = ["appendix-agenda"]
    if evaluation and evaluation["questions"]:
        appendices.append("appendix-questions")
    appendices.append("appendix-method")
    letters = {key: "ABC"[i] for i, key in enumerate(appendices)}
    titles = {
        "appendix-agenda": "Agenda and presenters",
        "appendix-questions": "Evaluation questions",
        "appendix-method": "Method and data notes",
    }
    contents += [
        {"id": key, "title": f"Appendix {letters[key]}. {titles[key]}", "level": 1}
        for key in appendices
    ]
    context = {
        "report": {
            "title": f"Summary report: {g['title']}",
            "gathering_title": g["title"],
            "organisation": current_organisation().name,
            "author": AUTHOR,
            "description": f"Summary report of {g['title']}, {variant} version, "
            f"{AUDIENCE[variant]}",
            "lang": "en-CA",
            "variant": variant,
            "audience": AUDIENCE[variant],
            "date_label": timefmt.long_date(g["starts_at"], zone),
            "time_label": timefmt.time_range(g["starts_at"], g["ends_at"], zone),
            "zone_label": timefmt.zone_name(zone),
            "format_label": g.get("format_label") or "A virtual, province-wide gathering",
            "land_acknowledgement": sections.paragraphs(g.get("land_acknowledgement", "")),
            "generated_label": f"{timefmt.long_date(now, zone)}, "
            f"{timefmt.clock(now, zone)} {timefmt.zone_short(zone, now)}",
            "created_iso": now.isoformat(timespec="seconds"),
            "page_size": page_size,
            "threshold": threshold,
            "suppressed": suppress,
            "has_attendance": data.has_attendance,
            "minutes": g["attendance_threshold_minutes"],
        },
        "contents": contents,
        "appendix": letters,
        "content_note": sections.has_patient_stories(data),
        "since_last": since_last,
        "people": people,
        "polls": polls,
        "key_messages": key_messages(data, summary, threshold, variant=variant),
        "counts": counts,
        "how_we_count": definitions(g["attendance_threshold_minutes"]),
        "glance": sections.glance(summary, g, counts),
        "participation": sections.participation(data, summary, cut, identity_threshold=threshold),
        "over_time": over_time,
        "breakouts": breakouts,
        "themes": sections.themes(data, room_list, cut),
        "evaluation": evaluation,
        "engagement": quality if quality["spectrum"] or quality["sets"] else None,
        "actions": [
            {"text": a.text, "room": a.room}
            for a in aggregate.steering_actions(
                data.notes, {k: v["name"] for k, v in room_list.items()}, list(room_list)
            )
        ],
        "agenda": sections.agenda(data.agenda, zone),
    }
    if suppress:
        mask_free_text(context, threshold)
    if draw:
        draw_charts(context)
    return context


def mask_free_text(context: dict, threshold: int) -> None:
    """The shareable version: every count below the threshold in a sentence someone
    wrote (key messages, theme names, breakout notes, quotes, recommendation updates,
    open answers) printed as "<5", like the counts in the tables."""
    mask = partial(free_text.mask, threshold=threshold)
    context["key_messages"]["lines"] = [mask(line) for line in context["key_messages"]["lines"]]
    for row in context["themes"]["rows"]:
        row["theme"] = mask(row["theme"])
        row["quotes"] = [mask(q) for q in row["quotes"]]
    for room in context["breakouts"]:
        room["summary"] = free_text.mask_html(room["summary"], threshold)
        room["themes"] = [mask(t) for t in room["themes"]]
        room["quotes"] = [mask(q) for q in room["quotes"]]
        for action in room["actions"]:
            action["text"] = mask(action["text"])
    for action in context["actions"]:
        action["text"] = mask(action["text"])
    for row in context["since_last"].get("rows", []):
        row["text"] = mask(row["text"])
        if row.get("latest") and row["latest"].get("note"):
            row["latest"] = {**row["latest"], "note": mask(row["latest"]["note"])}
    if context["evaluation"]:
        for group in context["evaluation"]["open"]:
            group["answers"] = [mask(answer) for answer in group["answers"]]


def room_counts_of(data: ReportData):
    return aggregate.room_attendance(
        data.agenda, data.registrations, data.breakout_attendance, data.notes
    )


def glance_of(data: ReportData, room_counts) -> aggregate.Glance:
    return aggregate.at_a_glance(
        data.registrations,
        breakouts_held=aggregate.breakouts_held(data.agenda, room_counts),
        has_attendance=data.has_attendance,
        previous=data.previous,
        previous_title=data.previous_title,
        walk_ins=data.walk_ins,
    )


def key_messages(
    data: ReportData, summary: aggregate.Glance, threshold: int, *, variant: str = COMMITTEE
) -> dict:
    """The approved messages, or (until an organiser approves them) the suggestions,
    which the template labels as not yet approved. The lines kept for the committee
    follow the others in its version only."""
    approved = data.key_messages is not None and data.key_messages.approved_at is not None
    if approved:
        lines = list(data.key_messages.lines)
        if variant == COMMITTEE:
            lines += data.key_messages.committee_lines
    else:
        lines = messages.suggest(data, summary, threshold=threshold)
    return {"approved": approved, "lines": lines}


def draw_charts(context: dict) -> None:
    """Replace every PendingChart in the context by its SVG as a data: URI."""
    holders = list(context["participation"].get("blocks", []))
    if context["evaluation"]:
        holders.append(context["evaluation"])
    if context["over_time"]:
        holders.extend(context["over_time"]["blocks"])
        if context["over_time"]["agreement"]:
            holders.append(context["over_time"]["agreement"])
    holders.extend(context.get("polls", {}).get("charts", []))
    for holder in holders:
        chart = holder.get("chart")
        if isinstance(chart, PendingChart):
            holder["chart"] = charts.data_uri(chart.draw())
