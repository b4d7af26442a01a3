"""Our organisation's own name, contact, logo and accent colour, kept in the database."""

from flask import Blueprint

bp = Blueprint("organisation", __name__)
