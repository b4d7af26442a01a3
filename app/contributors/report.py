"""The report's part of contributors: totals by role for the committee (amounts, no
names) and, in both versions, thanks naming only those who agreed to be named."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.contributors import Contributor, ContributorRole, Recognition


def people_section(gathering_id: int | None, *, committee: bool, threshold: int) -> dict:
    """The report's chapter on the people who made the gathering possible."""
    contributors = contributors_section(gathering_id, committee=committee)
    shown = contributors["any"]
    return {
        "id": "people",
        "contents": (
            [{"id": "people", "title": "The people who made it possible", "level": 1}]
            if shown
            else []
        ),
        "contributors": contributors,
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
