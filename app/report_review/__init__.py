"""Organiser pages that review the report before it is generated: the key messages and
the themes suggested from the gathering's texts."""

from flask import Blueprint

bp = Blueprint("report_review", __name__, url_prefix="/organiser")
