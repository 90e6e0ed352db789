"""Closing a mobility abroad: the participant's stage report, the EU participant survey
confirmed, the final scores confirmed by the coach and the monitor, the coach closing the
mobility, and its Europass-ready record as PDF and JSON.
"""

from flask import Blueprint

bp = Blueprint("closing", __name__, template_folder="templates")

from app.closing import routes  # noqa: E402,F401  (routes register themselves on bp)
