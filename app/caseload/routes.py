"""Caseload routes: check access through `policy`, read the filters, call the service."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required

from app import dates, policy
from app.caseload import bp, services
from app.caseload.forms import OverviewFilterForm
from app.models import User
from app.privacy import minors
from app.spreadsheets import csv_download
from app.web import page_argument

# A compact list: one screen on a laptop holds about this many placements.
PER_PAGE = 50


def _viewer() -> User:
    user = current_user._get_current_object()
    if not policy.can_view_caseload(user):
        abort(403)
    return user


def _filtered(user: User) -> tuple[OverviewFilterForm, object]:
    """The filter form (choices from the user's placements) and the filtered select."""
    scope = policy.caseload_placements(user)
    form = OverviewFilterForm(request.args)
    form.fill(services.filter_choices(scope))
    return form, form.filters().apply(scope)


def _order() -> tuple[str, str, str]:
    """The view (cards or table) and the table's sort column and direction, from the
    query string; anything unknown falls back to the caseload's own order.
    """
    view = "table" if request.args.get("view") == "table" else "cards"
    sort = request.args.get("sort", "status")
    if sort not in services.SORTS:
        sort = "status"
    direction = "desc" if request.args.get("dir") == "desc" else "asc"
    return view, sort, direction


@bp.route("/caseload")
@login_required
def show_overview():
    user = _viewer()
    form, placements = _filtered(user)
    view, sort, direction = _order()
    today = dates.today()
    rows = form.filters().keep(
        services.assess(placements, today, wellbeing=policy.wellbeing_placements(user))
    )
    if view == "table":
        rows = services.sort_rows(rows, sort, direction == "desc")
    pagination = services.caseload_page(rows, page=page_argument(), per_page=PER_PAGE)
    shown = [row.placement for row in pagination.items]
    services.flag_missing_approvals(
        pagination.items, minors.missing_approvals_seen_by(user, shown, today)
    )
    return render_template(
        "caseload/show_overview.html",
        form=form,
        pagination=pagination,
        arguments=form.arguments(),
        today=today,
        view=view,
        sort=sort,
        direction=direction,
    )


@bp.route("/caseload.csv")
@login_required
def export_overview():
    user = _viewer()
    form, placements = _filtered(user)
    today = dates.today()
    document = services.caseload_csv(
        placements, today, wellbeing=policy.wellbeing_placements(user), keep=form.filters().keep
    )
    return csv_download(document, f"caseload-{today}.csv")
