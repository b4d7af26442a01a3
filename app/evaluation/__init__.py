from flask import Blueprint

bp = Blueprint("evaluation", __name__, cli_group=None)
