"""The shared follow-up log of a placement: timeline, weekly logs and their approval,
feedback and notes, comments, evidence, competence registrations, the matrix, rubric
scores and the training plan.
"""

from flask import Blueprint

bp = Blueprint("followup", __name__, template_folder="templates")

from app.followup import routes  # noqa: E402,F401  (routes register themselves on bp)
