"""Key messages suggested from the data: four to six plain sentences an organiser edits
and approves before the report goes out.

The same suggestions serve both versions, so every count in them is safe to share: a
count of people below the threshold is left out or written in words ("a few"), walk-ins
included."""

from __future__ import annotations

from app.choices import HealthRegion, OrganisationType
from app.documents.suppression import is_small
from app.reporting import aggregate, free_text, sections
from app.reporting.data import ReportData
from app.reporting.sections import agreement_share, attended_frame

BC_REGIONS = [r for r in HealthRegion if r.value not in aggregate.NOT_A_REGION]


def _listing(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def suggest(data: ReportData, summary: aggregate.Glance, *, threshold: int) -> list[str]:
    lines = [_who(summary, threshold)]
    reach = _reach(data, threshold)
    if reach:
        lines.append(reach)
    lines.append(_themes(data, threshold))
    actions = _actions(data, threshold)
    if actions:
        lines.append(actions)
    headline = _evaluation(data, summary, threshold)
    if headline:
        lines.append(headline)
    return lines


def _who(summary: aggregate.Glance, threshold: int) -> str:
    """The totals in the words of app.facts.vocabulary. The same suggestion serves both
    versions, so a small number of walk-ins is not given (nor took part, which would
    give it away)."""
    if summary.took_part is None:
        return f"{summary.registered:,} people registered; attendance has not been recorded yet."
    sentence = f"Of the {summary.registered:,} people who registered, {summary.attended:,} attended"
    if summary.attended_change is not None and summary.previous_title:
        change = summary.attended_change
        if change:
            more = "more" if change > 0 else "fewer"
            size = "a few" if is_small(abs(change), threshold) else f"{abs(change):,}"
            sentence += f" ({size} {more} than at {summary.previous_title})"
        else:
            sentence += f" (as many as at {summary.previous_title})"
    if is_small(summary.walk_ins, threshold):
        sentence += ", and a few people joined without registering"
    elif summary.walk_ins:
        sentence += f"; with {summary.walk_ins:,} walk-ins, {summary.took_part:,} took part"
    return sentence + "."


def _reach(data: ReportData, threshold: int) -> str | None:
    people = attended_frame(data.registrations, data.has_attendance)
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
        sentence = f"Fewer than {threshold} people each attended from {_listing(few)}"
    types = people["organisation_type"].value_counts()
    absent = [o.label for o in OrganisationType if not types.get(o.value, 0)]
    reached = sum(1 for o in OrganisationType if types.get(o.value, 0))
    if not is_small(reached, threshold):
        sentence += f"; {reached} of {len(OrganisationType)} types of organisation were represented"
    if absent:
        sentence += f", with none from {_listing(absent[:3])}"
    return sentence + "."


def _themes(data: ReportData, threshold: int) -> str:
    """The accepted themes raised in the most breakouts, ranked as the themes table
    ranks them (app.reporting.sections.themes), with their count of breakouts when it
    is not small; before the review, a sentence that says so."""
    if data.themes is None:
        return "The themes across breakouts have not been reviewed yet."
    ranked = [t for t in sections.ranked_themes(data.themes) if t.breakouts]
    if not ranked:
        return "No theme was accepted from the breakout notes."
    top = len(ranked[0].breakouts)
    leading = [t for t in ranked if len(t.breakouts) == top][:4]
    names = _listing(
        [free_text.mask(t.label[:1].lower() + t.label[1:], threshold) for t in leading]
    )
    held = int((data.agenda["kind"] == "breakout").sum())
    if len(leading) == 1:
        sentence = f"The theme raised in the most breakouts was {names}"
    else:
        sentence = f"The themes raised in the most breakouts were {names}"
    if not is_small(top, threshold):
        sentence += f" ({top} of {held} breakouts{' each' if len(leading) > 1 else ''})"
    return sentence + "."


def _actions(data: ReportData, threshold: int) -> str | None:
    actions = aggregate.steering_actions(data.notes, {}, list(data.agenda["id"]))
    if not actions:
        return None
    first = actions[0].text.rstrip(".")
    if free_text.small_numbers(first, threshold):
        return None
    made = "" if is_small(len(actions), threshold) else f" {len(actions)}"
    return (
        f"Breakouts made{made} recommendations to the steering committee, "
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
