"""Breakout rooms: assignment, facilitators and note-takers, and structured notes."""

from flask import Blueprint

bp = Blueprint("breakouts", __name__)
