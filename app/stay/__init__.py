"""During a stay abroad: the travel blog and its publication consent, the socio-cultural
programme, the language goal with its CEFR self-assessments, and the accompanying
teacher's trips.
"""

from flask import Blueprint

bp = Blueprint("stay", __name__, template_folder="templates")

from app.stay import routes  # noqa: E402,F401  (routes register themselves on bp)
