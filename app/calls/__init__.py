"""Erasmus+ calls: the promoter's consortium and calls, the candidates a member school
registers (or who apply themselves) with their CV and expectations form, the interview
scores, the ranking per school with the priority rule, the decisions and the selection
report.
"""

from flask import Blueprint

bp = Blueprint("calls", __name__, template_folder="templates")

from app.calls import routes  # noqa: E402,F401  (routes register themselves on bp)
