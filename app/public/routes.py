"""Pages anyone can open: the list of gatherings, one gathering, the health check."""

from datetime import UTC, datetime

from flask import render_template

from app import jobs
from app.auth.access import public
from app.lifecycle import services as lifecycle
from app.lookups import gathering_or_404
from app.public import bp
from app.registration.services import has_room
from app.said_did.services import published_page


@bp.route("/")
@public
def index():
    now = datetime.now(UTC)
    return render_template(
        "public/index.html",
        gatherings=lifecycle.upcoming_public(now=now),
        past=lifecycle.past_public(now=now),
        now=now,
    )


@bp.route("/g/<slug>/")
@public
def gathering(slug: str):
    gathering = gathering_or_404(slug)
    now = datetime.now(UTC)
    return render_template(
        "public/gathering.html",
        gathering=gathering,
        published_report=lifecycle.published_report(gathering),
        said_did=published_page(gathering) is not None,
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
