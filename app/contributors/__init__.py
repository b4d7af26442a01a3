"""The people who make a gathering possible: contributors' recognition plans (organisers
only), each contributor's own private page, the finance CSV and the report's sections."""

from flask import Blueprint

bp = Blueprint("contributors", __name__)
