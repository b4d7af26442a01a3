"""The gathering's life: drafts only staff see, publishing, archive, the next gathering
started from this one, and past gatherings' reports in public."""

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from app.auth.access import ANONYMOUS
from app.lifecycle.services import GatheringState, state_of
from app.lookups import gathering_by_slug
from app.models import Gathering

bp = Blueprint("lifecycle", __name__)


@bp.before_app_request
def hide_drafts() -> None:
    """Every public page of a gathering (its page, registration, calendar feed, report)
    answers 404 for a draft unless a staff member is signed in. One check here, so a new
    public page cannot forget it."""
    slug = (request.view_args or {}).get("slug")
    if slug is None:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "access", None) != ANONYMOUS or current_user.is_authenticated:
        return
    gathering = gathering_by_slug(slug)
    if gathering is not None and gathering.published_at is None:
        abort(404)


@bp.app_template_global()
def gathering_state(gathering: Gathering) -> GatheringState:
    return state_of(gathering, now=datetime.now(UTC))
