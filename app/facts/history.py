"""A gathering's place in its community: the gatherings that came before it, and the
recommendations carried from them (read by the community pages and the report)."""

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Gathering, Recommendation


def earlier_gatherings(gathering: Gathering) -> list[Gathering]:
    """The same community's gatherings that started before this one, oldest first.

    A gathering outside any community has no history, so the answer is empty."""
    if gathering.community_id is None:
        return []
    return list(
        db.session.scalars(
            select(Gathering)
            .where(
                Gathering.community_id == gathering.community_id,
                Gathering.starts_at < gathering.starts_at,
                Gathering.id != gathering.id,
            )
            .order_by(Gathering.starts_at, Gathering.id)
        )
    )


def carried_recommendations(gathering: Gathering) -> list[Recommendation]:
    """Recommendations of the community's earlier gatherings that this gathering hears
    about: those still open, and those closed since the previous gathering began. One
    closed before then was already reported there and carries no further."""
    earlier = earlier_gatherings(gathering)
    if not earlier:
        return []
    since = earlier[-1].starts_at
    return list(
        db.session.scalars(
            select(Recommendation)
            .join(Gathering, Gathering.id == Recommendation.gathering_id)
            .where(
                Recommendation.gathering_id.in_([g.id for g in earlier]),
                or_(Recommendation.closed_at.is_(None), Recommendation.closed_at >= since),
            )
            .order_by(Gathering.starts_at, Recommendation.source_label, Recommendation.id)
        )
    )
