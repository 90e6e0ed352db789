"""The shared follow-up log of a placement: the timeline, weekly logs and their
approval, feedback, notes, agreements and concerns, comments, edit history and evidence.
Competences (registrations, the matrix, rubric scores, the training plan) build on it in
`app.competences`.
"""

from flask import Blueprint

bp = Blueprint("followup", __name__, template_folder="templates")

from app.followup import routes  # noqa: E402,F401  (routes register themselves on bp)
