"""Pages anyone can open: the list of gatherings, one gathering, the health check."""

from datetime import UTC, datetime

from flask import render_template
from sqlalchemy import select

from app import jobs
from app.auth.access import public
from app.extensions import db
from app.lookups import gathering_or_404
from app.models import Gathering
from app.public import bp
from app.registration.services import has_room


@bp.route("/")
@public
def index():
    now = datetime.now(UTC)
    gatherings = db.session.scalars(
        select(Gathering).where(Gathering.ends_at > now).order_by(Gathering.starts_at)
    ).all()
    return render_template("public/index.html", gatherings=gatherings, now=now)


@bp.route("/g/<slug>/")
@public
def gathering(slug: str):
    gathering = gathering_or_404(slug)
    now = datetime.now(UTC)
    return render_template(
        "public/gathering.html",
        gathering=gathering,
        state=gathering.registration_state(now),
        has_room=has_room(gathering),
        past=gathering.ends_at <= now,
    )


@bp.route("/healthz")
@public
def healthz():
    """Database and Redis state and the queue depth: 200 when healthy, 503 when not."""
    healthy, state = jobs.health()
    return state, 200 if healthy else 503
