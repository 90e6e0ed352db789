"""Competence follow-up of a placement: the training plan, each actor's registrations of
the framework's indicators, the three-actor matrix, evolution over time and the
soft-skill rubric scores.
"""

from flask import Blueprint

bp = Blueprint("competences", __name__, template_folder="templates")

from app.competences import routes  # noqa: E402,F401  (routes register themselves on bp)
