"""The organiser's email outbox pages and the `send-mail` command."""

from flask import Blueprint

bp = Blueprint("outbox", __name__)
