"""A placement's portfolio for the school file: the log as its reader may read it, the
competence matrix, the soft-skill rubric comparison and the evidence list, as one PDF.
"""

from flask import Blueprint

bp = Blueprint("portfolio", __name__, template_folder="templates")

from app.portfolio import routes  # noqa: E402,F401  (routes register themselves on bp)
