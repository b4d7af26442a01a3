"""The report's part of contributors: totals by role for the committee (amounts, no
names) and, in both versions, thanks naming only those who agreed to be named."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.contributors import Contributor, ContributorRole, Recognition


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
    from app.accommodations.services import status_counts
    from app.reporting.suppression import format_count, is_small

    if gathering_id is None:
        return None
    counts = status_counts(gathering_id)
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
    from app.accommodations.feedback import counts_between
    from app.models import Gathering
    from app.models.accommodations import FeedbackStatus

    if gathering_id is None:
        return None
    gathering = db.session.get(Gathering, gathering_id)
    if gathering is None:
        return None
    start = gathering.registration_opens_at or gathering.created_at
    counts = counts_between(start, None)
    return {
        "rows": [{"label": s.label, "count": counts[s.value]} for s in FeedbackStatus],
        "total": sum(counts.values()),
    }


def contributors_section(gathering_id: int | None, *, committee: bool) -> dict:
    """Plain data for reports/partials/contributors.html."""
    if gathering_id is None:
        return {"totals": None, "thanks": [], "unnamed": 0, "any": False}
    rows = db.session.scalars(
        select(Contributor)
        .where(Contributor.gathering_id == gathering_id)
        .order_by(Contributor.role, Contributor.preferred_name, Contributor.name, Contributor.id)
    ).all()
    thanks = [
        {
            "name": row.written_name,
            "nation": row.nation,
            "role": ContributorRole.label_for(row.role),
        }
        for row in rows
        if row.named_in_thanks
    ]
    totals = None
    if committee:
        totals = []
        for role in ContributorRole:
            of_role = [row for row in rows if row.role == role]
            if not of_role:
                continue
            honoraria = sum(
                row.honorarium_cents for row in of_role if row.recognition == Recognition.HONORARIUM
            )
            totals.append(
                {
                    "role": role.label,
                    "people": len(of_role),
                    "declined": sum(row.recognition == Recognition.DECLINED for row in of_role),
                    "honoraria": _money(honoraria),
                    "expenses": _money(sum(row.expenses_approved_cents for row in of_role)),
                    "paid": sum(row.paid_on is not None for row in of_role),
                }
            )
        if totals:
            totals.append(
                {
                    "role": "All contributors",
                    "people": len(rows),
                    "declined": sum(row.recognition == Recognition.DECLINED for row in rows),
                    "honoraria": _money(
                        sum(
                            row.honorarium_cents
                            for row in rows
                            if row.recognition == Recognition.HONORARIUM
                        )
                    ),
                    "expenses": _money(sum(row.expenses_approved_cents for row in rows)),
                    "paid": sum(row.paid_on is not None for row in rows),
                }
            )
    return {
        "totals": totals,
        "thanks": thanks,
        "unnamed": len(rows) - len(thanks),
        "any": bool(rows),
    }


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}"
