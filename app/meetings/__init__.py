"""The bridge to the video meeting: Zoom's breakout pre-assignment file and a printable
room list for Teams, Zoom's poll and Q&A reports, and the day-of view of the rooms."""

from flask import Blueprint

bp = Blueprint("meetings", __name__)
