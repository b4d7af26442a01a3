from flask import Blueprint

bp = Blueprint("organiser", __name__, url_prefix="/organiser")

from app.organiser import history, people_routes, routes  # noqa: E402,F401
