"""Mentor training: the catalogue of micro-modules, a module with its quiz, reflection and
assignment, and progress through the learning paths.
"""

from flask import Blueprint

bp = Blueprint("training", __name__, template_folder="templates")

from app.training import routes  # noqa: E402,F401  (routes register themselves on bp)
