"""The post-gathering evaluation survey: personal links, anonymous answers, follow-up."""

from flask import Blueprint

bp = Blueprint("evaluation", __name__, cli_group=None)


@bp.record_once
def _setup(state) -> None:
    from app.evaluation.services import open_survey_for

    state.app.jinja_env.globals["evaluation_open_survey"] = open_survey_for


from app.evaluation import routes  # noqa: E402, F401
