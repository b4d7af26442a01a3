"""The post-gathering evaluation survey: personal links, anonymous answers, follow-up."""

from flask import Blueprint

bp = Blueprint("evaluation", __name__, cli_group=None)


from app.evaluation import routes  # noqa: E402, F401
