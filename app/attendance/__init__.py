from flask import Blueprint

bp = Blueprint("attendance", __name__, cli_group=None)

from app.attendance import cli, routes  # noqa: E402, F401
