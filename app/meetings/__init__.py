"""The bridge to the video meeting: Zoom's breakout pre-assignment file and a printable
room list for Teams, Zoom's poll and Q&A reports, and the day-of view of the rooms."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, cli_group=None)

from app.meetings import routes  # noqa: E402,F401  (they attach themselves to bp)
