"""Logging in and out, invitations, password resets and the user's own settings."""

from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from app.auth import routes  # noqa: E402,F401  (routes register themselves on bp)
