"""The post-gathering evaluation survey: personal links, anonymous answers, follow-up."""

import logging

from flask import Blueprint

bp = Blueprint("evaluation", __name__, cli_group=None)


class RedactSurveyLinks(logging.Filter):
    """Keep survey links and edit keys out of access logs, like manage links."""

    def filter(self, record: logging.LogRecord) -> bool:
        from app.evaluation.services import redact

        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


@bp.record_once
def _setup(state) -> None:
    from app.evaluation.services import open_survey_for

    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSurveyLinks) for f in logger.filters):
            logger.addFilter(RedactSurveyLinks())
    state.app.jinja_env.globals["evaluation_open_survey"] = open_survey_for


from app.evaluation import routes  # noqa: E402, F401
