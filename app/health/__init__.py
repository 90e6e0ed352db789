"""`/healthz`: whether this web process can serve, for load balancers and monitoring."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from app.health import routes  # noqa: E402,F401  (routes register themselves on bp)
