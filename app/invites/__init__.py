"""Calendar downloads, the organiser's outbox page and the `send-mail` command."""

from flask import Blueprint

bp = Blueprint("invites", __name__, cli_group=None)

from app.invites import cli, routes  # noqa: E402,F401
