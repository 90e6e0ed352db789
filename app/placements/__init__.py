"""Placements as their people see them: the home page list and one placement's page."""

from flask import Blueprint

bp = Blueprint("placements", __name__, template_folder="templates")

from app.placements import routes  # noqa: E402,F401  (routes register themselves on bp)
