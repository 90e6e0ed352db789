"""The student's personal development plan (POP): goals linked to the placement's
competences, actions, suggestions of mentor and coach, evidence from the log, the coach's
approval, a printable PDF, and templates of goals common to a programme.
"""

from flask import Blueprint

bp = Blueprint("plans", __name__, template_folder="templates")

from app.plans import routes  # noqa: E402,F401  (routes register themselves on bp)
