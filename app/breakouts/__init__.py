from flask import Blueprint

bp = Blueprint("breakouts", __name__, cli_group=None)
