"""Portfolio routes: check access through `policy`, then let the service build the file."""

from __future__ import annotations

from datetime import date

from flask import Response
from flask_login import current_user, login_required

from app import policy
from app.extensions import limiter
from app.portfolio import bp, services


def _per_user() -> str:
    return f"portfolio:{current_user.get_id()}"


@bp.route("/placements/<int:placement_id>/portfolio.pdf")
@login_required
# Building a PDF of a whole log takes seconds of a web worker: no one needs more than this.
@limiter.limit("10/minute", key_func=_per_user)
def export_portfolio(placement_id: int):
    """Whoever reads the log downloads it, with exactly the entries they may read."""
    user = current_user._get_current_object()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    today = date.today()
    return Response(
        services.portfolio_pdf(placement, user, today),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{services.portfolio_filename(placement, today)}"'
            ),
        },
    )
