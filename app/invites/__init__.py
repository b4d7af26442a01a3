"""Calendar downloads: the public feed, personal invites and the organiser files."""

from flask import Blueprint

bp = Blueprint("invites", __name__)
