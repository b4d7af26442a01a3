"""Our organisation's own name, contact, logo and accent colour, kept in the database."""

from flask import Blueprint

bp = Blueprint("organisation", __name__)

from app.organisation import routes  # noqa: E402,F401
