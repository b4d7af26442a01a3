"""The organiser's email outbox pages and the `send-mail` command."""

from flask import Blueprint

bp = Blueprint("outbox", __name__, cli_group=None)

from app.outbox import cli, routes  # noqa: E402,F401
