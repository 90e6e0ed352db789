"""The caseload: the coach's placements sorted by what needs attention, and the
coordinator's overview of a school's placements with a CSV export.
"""

from flask import Blueprint

bp = Blueprint("caseload", __name__, template_folder="templates")

from app.caseload import routes  # noqa: E402,F401  (routes register themselves on bp)
