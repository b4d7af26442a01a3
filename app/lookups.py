"""Finding the thing a URL names, for every blueprint's routes."""

from flask import abort
from sqlalchemy import select

from app.extensions import db
from app.models import Gathering


def gathering_or_404(slug: str) -> Gathering:
    gathering = db.session.scalar(select(Gathering).where(Gathering.slug == slug))
    if gathering is None:
        abort(404)
    return gathering
