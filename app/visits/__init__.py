"""Competence-coaching visits: the coach plans a visit, writes a structured report that
opens with an agenda drawn from the log, records agreements that land in the student's
plan or on the mentor's and coach's lists, and makes the report final; mentor and
student confirm it, which locks it.
"""

from flask import Blueprint

bp = Blueprint("visits", __name__, template_folder="templates")

from app.visits import routes  # noqa: E402,F401  (routes register themselves on bp)
