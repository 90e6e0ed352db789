"""Privacy: the registry of what is stored about people (`registry`), the privacy page
generated from it, and the access export (`services`).
"""

from flask import Blueprint

bp = Blueprint("privacy", __name__, template_folder="templates")

from app.privacy import routes  # noqa: E402,F401  (routes register themselves on bp)
