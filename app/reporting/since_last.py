"""The report's "Since the last gathering": the recommendations carried from the
community's earlier gatherings, with their status and latest update."""

from app import timefmt
from app.extensions import db
from app.facts.history import carried_recommendations, earlier_gatherings
from app.models import Gathering, Recommendation, RecommendationStatus

SINCE_LAST_ID = "since-last"


def since_last_gathering(gathering_id: int | None) -> dict:
    """Plain data for the report's "Since the last gathering": each carried
    recommendation, its status and its latest update. Nothing names who wrote an update,
    so the same section serves the shareable version. `contents` is the table-of-contents
    entry, empty when there is nothing to say."""
    gathering = db.session.get(Gathering, gathering_id) if gathering_id is not None else None
    earlier = earlier_gatherings(gathering) if gathering is not None else []
    if gathering is None or not earlier:
        return {"rows": [], "counts": [], "previous_title": None, "contents": []}
    rows = [_item(r, gathering.timezone) for r in carried_recommendations(gathering)]
    counts = [
        (status.label, sum(1 for row in rows if row["status"] == status.value))
        for status in RecommendationStatus
    ]
    previous = earlier[-1]
    return {
        "id": SINCE_LAST_ID,
        "rows": rows,
        "counts": [(label, n) for label, n in counts if n],
        "previous_title": previous.title,
        "previous_date_label": timefmt.long_date(previous.starts_at, previous.timezone),
        "contents": [{"id": SINCE_LAST_ID, "title": "Since the last gathering", "level": 1}],
    }


def _item(recommendation: Recommendation, zone: str) -> dict:
    latest = recommendation.latest_update
    return {
        "text": recommendation.text,
        "owner": recommendation.owner,
        "status": recommendation.status,
        "status_label": RecommendationStatus.label_for(recommendation.status),
        "due_label": (
            f"{recommendation.due_on.day} {recommendation.due_on:%B %Y}"
            if recommendation.due_on
            else ""
        ),
        "from_title": recommendation.gathering.title,
        "from_breakout": recommendation.source_label,
        "latest": (
            {
                "date_label": timefmt.long_date(latest.created_at, zone),
                "note": latest.note,
                "evidence_url": latest.evidence_url,
            }
            if latest is not None
            else None
        ),
    }
