"""Between gatherings: the community's recommendations, certificates of attendance,
representation targets, outreach and returning participation."""

from flask import Blueprint

bp = Blueprint("community", __name__)


@bp.record_once
def _setup(state) -> None:
    from app.models import RecommendationStatus

    state.app.jinja_env.globals["RecommendationStatus"] = RecommendationStatus
