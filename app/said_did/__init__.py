"""'You said, we did': the public page per gathering of what became of its recommendations,
its Atom feed, and the organiser's page that publishes it."""

from flask import Blueprint

bp = Blueprint("said_did", __name__)
