"""The demo's community: the Perinatal Community of Practice and its gatherings."""

from sqlalchemy import select

from app.extensions import db
from app.models import Community, Gathering

DEMO_COMMUNITY_SLUG = "perinatal-cop"


def seed_demo_community() -> Community:
    """Create the community once and place every gathering that has none in it: the demo
    database holds only the community's own gatherings."""
    community = db.session.scalar(select(Community).where(Community.slug == DEMO_COMMUNITY_SLUG))
    if community is None:
        community = Community(
            slug=DEMO_COMMUNITY_SLUG,
            name="Perinatal Community of Practice",
            short_description=(
                "Shared Care's provincial community of practice for perinatal care: family "
                "physicians, nurse practitioners, midwives, health authorities, patient "
                "partners and community partners from every health region of BC."
            ),
        )
        db.session.add(community)
        db.session.flush()
    for gathering in db.session.scalars(select(Gathering).where(Gathering.community_id.is_(None))):
        gathering.community = community
    db.session.flush()
    return community
