"""Value created, months later: the follow-up survey to attendees who agreed to be
contacted, its scheduling (with the organiser's confirmation) and its results."""

from flask import Blueprint

bp = Blueprint("value", __name__)
