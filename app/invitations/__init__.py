"""The invitation list: who the steering committee means to reach, their personal
invitations and one reminder, opt-outs, and the funnel from invited to attended."""

from flask import Blueprint

bp = Blueprint("invitations", __name__)
