"""The reports page for steering-committee and organiser accounts, and the `report` CLI."""

from flask import Blueprint

bp = Blueprint("report_runs", __name__, cli_group=None)

from app.report_runs import cli, routes  # noqa: E402, F401
