"""Notifications: the bell on every page, the list of one's notifications, and opening
one (which marks it read and leads to its page). Deciding whom to tell is in `events`
and `services`; e-mailing them in `delivery`.
"""

from flask import Blueprint

bp = Blueprint("notifications", __name__, template_folder="templates")

from app.notifications import resolutions, routes  # noqa: E402,F401  (they register themselves)
