"""Notifications: the bell on every page, the list of one's notifications, and opening
one (which marks it read and leads to its page). Deciding whom to tell is in `events`
and `services`, resolving what was done in `resolutions` (both listen to the features'
domain events, `app.signals`); e-mailing them in `delivery`.
"""

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__, template_folder="templates")

from app.notifications import events, resolutions, routes  # noqa: E402,F401  (routes register themselves)


def init_app(app: Flask) -> None:
    """Listen to the features' domain events: tell the people concerned, and resolve what
    asked for the work that was done.
    """
    events.subscribe()
    resolutions.subscribe()
