"""Portfolio routes: check access through `policy`, then let the service build the file."""

from __future__ import annotations

from datetime import date

from flask import Response, render_template, request
from flask_login import current_user, login_required

from app import audit, dates, policy
from app.extensions import limiter
from app.models import Placement, User
from app.portfolio import bp, services
from app.portfolio.forms import PortfolioForm


def _per_user() -> str:
    return f"portfolio:{current_user.get_id()}"


def _form(placement: Placement, user: User, today: date) -> PortfolioForm:
    first, last = services.portfolio_period(placement, today)
    return PortfolioForm(
        request.args,
        first=first,
        last=last,
        wellbeing=policy.sees_wellbeing(user, placement),
        student=user.id == placement.student_id,
    )


@bp.route("/placements/<int:placement_id>/portfolio")
@login_required
def choose_portfolio(placement_id: int):
    """What goes into the portfolio, chosen before the download."""
    user = current_user._get_current_object()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    return render_template(
        "portfolio/choose_portfolio.html",
        placement=placement,
        form=_form(placement, user, dates.today(placement.school)),
    )


@bp.route("/placements/<int:placement_id>/portfolio.pdf")
@login_required
# Building a PDF of a whole log takes seconds of a web worker: no one needs more than this.
@limiter.limit("10/minute", key_func=_per_user)
def export_portfolio(placement_id: int):
    """Whoever reads the log downloads it, with exactly the entries they may read and
    the parts they chose; a choice that does not hold comes back with its message.
    """
    user = current_user._get_current_object()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    today = dates.today(placement.school)
    form = _form(placement, user, today)
    if not form.validate():
        page = render_template("portfolio/choose_portfolio.html", placement=placement, form=form)
        return page, 422
    return Response(
        services.portfolio_pdf(placement, user, today, form.choice()),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{services.portfolio_filename(placement, today)}"'
            ),
        },
    )
