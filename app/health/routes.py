"""The health check: no login, no session, and nothing about an error in the answer."""

from __future__ import annotations

from flask import current_app, jsonify

from app.errors import RETRY_AFTER_SECONDS
from app.extensions import db
from app.health import bp

# Within this time the check answers, whatever the database does (a monitor gives up at 2 s).
DEADLINE_SECONDS = 1.5


@bp.get("/healthz")
def check_health():
    """200 `{"status": "ok"}` when the database runs `SELECT 1` in time; 503 otherwise."""
    probe = current_app.extensions["database_probe"]
    if probe.answers(db.engine, DEADLINE_SECONDS):
        response = jsonify(status="ok")
    else:
        response = jsonify(status="unavailable")
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response
