"""Saving a draft while the person types, and throwing one away."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.drafts import bp, services
from app.drafts.pages import may_autosave
from app.forms import CsrfForm
from app.models import User
from app.web import safe_next


def _user() -> User:
    return current_user._get_current_object()


@bp.route("/drafts", methods=["POST"])
@login_required
def autosave():
    """The fields of a long text form, sent by the site script a few seconds after the
    person stopped typing (`?page=` names the form's page). Like any request it counts as
    activity: it is sent only while someone types.
    """
    user = _user()
    page = request.args.get("page", "")[: services.MAX_PATH_LENGTH]
    if not may_autosave(user, page):
        abort(404)
    fields = services.typed_fields(request.form)
    if not fields:  # everything was erased: nothing left to keep
        services.discard(user, page)
        return jsonify(saved=False)
    draft = services.save(user, path=page, action=page, fields=fields, kept=False)
    return jsonify(
        saved=True,
        message=_("Draft saved %(time)s", time=format_time(draft.saved_at, "short")),
    )


@bp.route("/drafts/discard", methods=["POST"])
@login_required
def discard_draft():
    """Throw away one's own draft of a page (no one else's can be named)."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    page = safe_next(request.args.get("page"))
    services.discard(_user(), page.partition("?")[0])
    flash(_("What you typed earlier is thrown away."), "success")
    return redirect(page)
