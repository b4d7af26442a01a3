"""Messages to registrants: the composer, scheduled reminders, the wording of the standard
emails and the sent log."""

from flask import Blueprint

bp = Blueprint("messages", __name__, url_prefix="/organiser")
