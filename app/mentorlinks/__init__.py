"""Quick links for mentors: a signed link in a mentor's e-mail that does one thing (approve
a week, give this week's feedback, confirm a visit report) without a password, and
nothing else. It never logs anyone in.
"""

from flask import Blueprint

bp = Blueprint("mentorlinks", __name__, template_folder="templates")

from app.mentorlinks import routes  # noqa: E402,F401  (routes register themselves on bp)
