"""A gathering's place in its community: the gatherings that came before it."""

from sqlalchemy import select

from app.extensions import db
from app.models import Gathering


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


def previous_gathering(gathering: Gathering) -> Gathering | None:
    """The community's gathering just before this one, if any."""
    earlier = earlier_gatherings(gathering)
    return earlier[-1] if earlier else None
