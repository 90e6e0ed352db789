"""The Erasmus+ learning agreement of a mobility abroad: drafted by the school, signed in
the app by the sending school, the participant and the host organisation (the host's
signer may sign by an e-mailed link), kept in versions, exported as PDF.
"""

from flask import Blueprint

bp = Blueprint("agreements", __name__, template_folder="templates")

from app.agreements import routes  # noqa: E402,F401  (routes register themselves on bp)
