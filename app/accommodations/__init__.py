"""Accessibility, closed loop: each need a registration gave becomes a request someone
owns, arranges, confirms to the person, delivers and learns about; facilitators see
their room's arrangements; anyone may report a barrier through the public feedback page."""

from flask import Blueprint

bp = Blueprint("accommodations", __name__)
