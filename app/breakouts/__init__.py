"""Breakout rooms: assignment, facilitators and note-takers, and structured notes."""

from flask import Blueprint

bp = Blueprint("breakouts", __name__, cli_group=None)

from app.breakouts import cli, routes  # noqa: E402,F401  (they attach themselves to bp)
