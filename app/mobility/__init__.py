"""The mobility file of a placement abroad: the documents and approvals it needs before
it starts, each with its owner, deadline, status and proof; the training company's and
the participant's approvals; a guardian's approval through a single-purpose link.
"""

from flask import Blueprint

bp = Blueprint("mobility", __name__, template_folder="templates")

from app.mobility import routes  # noqa: E402,F401  (routes register themselves on bp)
