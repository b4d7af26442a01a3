"""The post-gathering evaluation survey: personal links, anonymous answers, follow-up."""

from flask import Blueprint

bp = Blueprint("evaluation", __name__)
