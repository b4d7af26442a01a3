"""The report's chapter on the people who made the gathering possible: thanks naming
only contributors who agreed to be named (both versions), totals by role with amounts
and no names (committee only), accommodations arranged and whether they worked
(suppressed in the shareable version), and accessibility feedback (committee only)."""

from __future__ import annotations

from app.documents.suppression import format_count, is_small
from app.extensions import db
from app.facts import people
from app.models import Gathering
from app.models.accommodations import FeedbackStatus
from app.models.contributors import ContributorRole


def people_section(gathering_id: int | None, *, committee: bool, threshold: int) -> dict:
    """The report's chapter on the people who made the gathering possible: contributors,
    accommodations arranged and whether they worked, and (committee only) the public's
    accessibility feedback by status."""
    contributors = contributors_section(gathering_id, committee=committee)
    accommodations = accommodations_section(gathering_id, committee=committee, threshold=threshold)
    feedback = feedback_section(gathering_id) if committee else None
    shown = contributors["any"] or accommodations is not None or feedback is not None
    return {
        "id": "people",
        "contents": (
            [{"id": "people", "title": "The people who made it possible", "level": 1}]
            if shown
            else []
        ),
        "contributors": contributors,
        "accommodations": accommodations,
        "feedback": feedback,
    }


def accommodations_section(gathering_id: int | None, *, committee: bool, threshold: int):
    """Requests, how many were arranged, answered and worked. In the shareable version
    a count from 1 to threshold-1 prints as "<threshold", and a count whose difference
    from the step before is that small prints as "x", so no small count can be worked
    out by subtracting."""
    if gathering_id is None:
        return None
    counts = people.accommodation_counts(gathering_id)
    if not counts["requested"]:
        return None
    steps = [
        ("requested", "Requests for an accommodation"),
        ("arranged", "Arranged before the gathering"),
        ("evaluated", "Answered the survey's question about it"),
        ("worked", "Said it worked"),
    ]
    rows = []
    hidden_any = False
    previous = None
    for key, label in steps:
        value = counts[key]
        shown = format_count(value, None if committee else threshold)
        if not committee:
            if is_small(value, threshold):
                hidden_any = True
            elif previous is not None and is_small(previous - value, threshold):
                shown, hidden_any = "x", True
        rows.append({"label": label, "count": shown})
        previous = value
    return {"rows": rows, "hidden": hidden_any, "threshold": threshold}


def feedback_section(gathering_id: int | None) -> dict | None:
    """The public's accessibility feedback by status, received from the day the
    gathering's registration opened (it is not tied to one gathering)."""
    if gathering_id is None:
        return None
    gathering = db.session.get(Gathering, gathering_id)
    if gathering is None:
        return None
    start = gathering.registration_opens_at or gathering.created_at
    counts = people.feedback_counts(start)
    return {
        "rows": [{"label": s.label, "count": counts[s.value]} for s in FeedbackStatus],
        "total": sum(counts.values()),
    }


def contributors_section(gathering_id: int | None, *, committee: bool) -> dict:
    """Plain data for reports/partials/people.html."""
    if gathering_id is None:
        return {"totals": None, "thanks": [], "unnamed": 0, "any": False}
    rows = people.contributors(gathering_id)
    thanks = [
        {"name": row.thanked_as, "nation": row.nation, "role": ContributorRole.label_for(row.role)}
        for row in rows
        if row.thanked_as
    ]
    totals = None
    if committee:
        totals = [
            _totals(role.label, [row for row in rows if row.role == role])
            for role in ContributorRole
            if any(row.role == role for row in rows)
        ]
        if totals:
            totals.append(_totals("All contributors", rows))
    return {
        "totals": totals,
        "thanks": thanks,
        "unnamed": len(rows) - len(thanks),
        "any": bool(rows),
    }


def _totals(label: str, rows: list[people.ContributorFacts]) -> dict:
    return {
        "role": label,
        "people": len(rows),
        "declined": sum(row.declined for row in rows),
        "honoraria": _money(sum(row.honorarium_cents for row in rows)),
        "expenses": _money(sum(row.expenses_approved_cents for row in rows)),
        "paid": sum(row.paid for row in rows),
    }


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}"
