"""Finding the thing a URL names, for every blueprint's routes."""

from flask import abort, g, has_request_context
from sqlalchemy import bindparam, select

from app.extensions import db
from app.models import Gathering

# Built once: every public page of a gathering runs it.
_BY_SLUG = select(Gathering).where(Gathering.slug == bindparam("slug"))


def gathering_by_slug(slug: str) -> Gathering | None:
    """Read once per request: the draft check before the view and the view itself both
    need the gathering its URL names."""
    if not has_request_context():
        return db.session.scalar(_BY_SLUG, {"slug": slug})
    known = g.setdefault("gatherings_by_slug", {})
    if slug not in known:
        known[slug] = db.session.scalar(_BY_SLUG, {"slug": slug})
    return known[slug]


def gathering_or_404(slug: str) -> Gathering:
    gathering = gathering_by_slug(slug)
    if gathering is None:
        abort(404)
    return gathering


def gatherings_newest_first(*, archived: bool = True) -> list[Gathering]:
    """Every gathering (without the archived ones, `archived=False`), newest first."""
    query = select(Gathering).order_by(Gathering.starts_at.desc())
    if not archived:
        query = query.where(Gathering.archived_at.is_(None))
    return list(db.session.scalars(query))
