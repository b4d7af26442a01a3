"""The reports page for steering-committee and organiser accounts, and the `report` CLI."""

from flask import Blueprint

bp = Blueprint("report_runs", __name__)
