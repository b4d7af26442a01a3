"""Staff accounts in the web pages: organisers invite people by email with a role (and,
for facilitators, their rooms), change roles, resend invitations and deactivate."""

from flask import Blueprint

bp = Blueprint("staff", __name__)
