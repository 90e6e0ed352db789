"""The privacy page, generated from the registry, for everyone (also before logging in:
a parent or a company asks before they have an account); downloading one's own data;
a coordinator or admin exporting someone's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, render_template
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app import policy
from app.privacy import bp, services
from app.privacy.registry import CATEGORIES


@bp.route("/privacy")
def show_privacy():
    return render_template("privacy/show_privacy.html", categories=CATEGORIES)


@bp.route("/privacy/my-data", methods=["GET", "POST"])
@login_required
def export_own_data():
    form = FlaskForm()
    if form.validate_on_submit():
        return _download(current_user._get_current_object())
    return render_template("privacy/export_own_data.html", form=form)


@bp.route("/privacy/people/<int:user_id>/export", methods=["POST"])
@login_required
def export_person(user_id: int):
    actor = current_user._get_current_object()
    person = policy.user_or_404(user_id, actor)
    if not policy.can_export_person(actor, person):
        abort(403)
    if not FlaskForm().validate_on_submit():
        abort(400)
    return _download(person)


def _download(person) -> Response:
    now = datetime.now(UTC)
    archive = services.export_person(current_user._get_current_object(), person, now)
    filename = services.export_filename(person, now)
    return Response(
        archive,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
