"""Administration for school coordinators (their school) and admins (everything)."""

from flask import Blueprint, abort
from flask_login import current_user, login_required

from app import policy

bp = Blueprint("admin", __name__, template_folder="templates")


@bp.before_request
@login_required
def require_administrator():
    """Only coordinators and admins use these pages; others are refused, not redirected."""
    if not policy.is_administrator(current_user):
        abort(403)


from app.admin import routes  # noqa: E402,F401  (routes register themselves on bp)
