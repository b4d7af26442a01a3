"""Key messages suggested from the data: four to six plain sentences an organiser edits
and approves before the report goes out.

The same suggestions serve both versions, so every count in them is safe to share: a
count of people below the threshold is written as "fewer than N". Walk-ins are counted
as they are (see the method notes)."""

from __future__ import annotations

from app.choices import HealthRegion, OrganisationType
from app.reporting import aggregate
from app.reporting.data import ReportData
from app.reporting.sections import agreement_share, took_part_frame
from app.reporting.suppression import is_small

BC_REGIONS = [r for r in HealthRegion if r.value not in aggregate.NOT_A_REGION]


def _listing(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def suggest(data: ReportData, summary: aggregate.Glance, *, threshold: int) -> list[str]:
    lines = [_who(summary)]
    reach = _reach(data, threshold)
    if reach:
        lines.append(reach)
    themes = _themes(data)
    if themes:
        lines.append(themes)
    actions = _actions(data)
    if actions:
        lines.append(actions)
    headline = _evaluation(data, summary, threshold)
    if headline:
        lines.append(headline)
    return lines


def _who(summary: aggregate.Glance) -> str:
    if summary.took_part is None:
        return f"{summary.registered:,} people registered; attendance has not been imported yet."
    sentence = f"Of the {summary.registered:,} who registered, {summary.attended:,} took part"
    if summary.attended_change is not None and summary.previous_title:
        change = summary.attended_change
        if change:
            more = "more" if change > 0 else "fewer"
            sentence += f" ({abs(change):,} {more} than at {summary.previous_title})"
        else:
            sentence += f" (as many as at {summary.previous_title})"
    if summary.walk_ins:
        sentence += (
            f"; with {summary.walk_ins:,} who joined without registering, "
            f"{summary.took_part:,} people took part in all"
        )
    return sentence + "."


def _reach(data: ReportData, threshold: int) -> str | None:
    people = took_part_frame(data.registrations, data.has_attendance)
    if not len(people):
        return None
    regions = people["health_region"].value_counts()
    missing = [r.label for r in BC_REGIONS if not regions.get(r.value, 0)]
    few = [r.label for r in BC_REGIONS if is_small(int(regions.get(r.value, 0)), threshold)]
    if not missing and not few:
        sentence = "Every BC health region took part"
    elif missing:
        sentence = f"Nobody took part from {_listing(missing)}"
    else:
        sentence = f"Fewer than {threshold} people each took part from {_listing(few)}"
    types = people["organisation_type"].value_counts()
    absent = [o.label for o in OrganisationType if not types.get(o.value, 0)]
    reached = sum(1 for o in OrganisationType if types.get(o.value, 0))
    sentence += f"; {reached} of {len(OrganisationType)} types of organisation were represented"
    if absent:
        sentence += f", with none from {_listing(absent[:3])}"
    return sentence + "."


def _themes(data: ReportData) -> str | None:
    held = int((data.agenda["kind"] == "breakout").sum())
    if data.themes:
        ranked = sorted(data.themes, key=lambda t: (-len(t.breakouts), t.label))[:3]
        parts = [f"{t.label.lower()} ({len(t.breakouts)} of {held})" for t in ranked]
    else:
        table = aggregate.themes_across(data.notes, {})
        if not len(table):
            return None
        parts = [
            f"{row.theme.lower()} ({row.breakouts} of {held})" for row in table.head(3).itertuples()
        ]
    return f"The themes most breakouts raised were {_listing(parts)}."


def _actions(data: ReportData) -> str | None:
    actions = aggregate.steering_actions(data.notes, {}, list(data.agenda["id"]))
    if not actions:
        return None
    first = actions[0].text.rstrip(".")
    return (
        f"Breakouts made {len(actions)} recommendations to the steering committee, "
        f"among them: \u201c{first}.\u201d"
    )


def _evaluation(data: ReportData, summary: aggregate.Glance, threshold: int) -> str | None:
    survey = data.evaluation
    if survey is None or not survey.respondents:
        return None
    results = [r for r in aggregate.likert(survey.ratings, survey.questions, survey.scale) if r.n]
    if not results:
        return None
    first = results[0]
    share = agreement_share(first)
    agreeing = sum(first.counts[-(len(first.counts) // 2) :])
    if is_small(first.n, threshold) or is_small(agreeing, threshold):
        return None
    question = first.question.rstrip(".")
    return (
        f"Of the {first.n:,} people who rated it, {share:.0f}% agreed or strongly agreed: "
        f"\u201c{question}.\u201d"
    )
