"""Routes of the notification centre: the list, opening one, marking all read.

Every notification is its reader's own: someone else's answers 404.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.models import User
from app.models.columns import utcnow
from app.notifications import bp, services, texts
from app.web import page_argument


def _user() -> User:
    return current_user._get_current_object()


@bp.app_context_processor
def _bell() -> dict:
    return {"unread_notifications": unread_notifications}


def unread_notifications() -> int:
    """The bell's count: one query per request, and none for a visitor."""
    if "unread_notifications" not in g:
        g.unread_notifications = (
            services.unread_count(_user()) if current_user.is_authenticated else 0
        )
    return g.unread_notifications


@bp.route("/notifications")
@login_required
def list_notifications():
    user = _user()
    pagination = services.notifications_page(
        user, page=page_argument(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template(
        "notifications/list_notifications.html",
        pagination=pagination,
        items=texts.describe(pagination.items, user),
        form=FlaskForm(),
    )


@bp.route("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Mark the notification read and go to its page (the link of the list and e-mails)."""
    notification = services.notification_of(_user(), notification_id)
    if notification is None:
        abort(404)
    services.mark_read(notification, utcnow())
    return redirect(texts.target_url(notification) or url_for(".list_notifications"))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_all_read():
    if services.mark_all_read(_user(), utcnow()):
        flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for(".list_notifications"))
