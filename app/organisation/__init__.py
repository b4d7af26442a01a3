"""Our organisation's own name, contact, logo and accent colour, kept in the database."""

from flask import Blueprint

from app.organisation.services import Organisation, current_organisation

bp = Blueprint("organisation", __name__)

__all__ = ["Organisation", "bp", "current_organisation"]

from app.organisation import routes  # noqa: E402,F401
