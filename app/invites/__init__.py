"""Calendar downloads: the public feed, personal invites and the organiser files."""

from flask import Blueprint

bp = Blueprint("invites", __name__, cli_group=None)

from app.invites import routes  # noqa: E402,F401
