from flask import Blueprint

bp = Blueprint("invites", __name__, cli_group=None)
