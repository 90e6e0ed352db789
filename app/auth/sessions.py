"""Flask-Login wiring and what a session may do.

A session ends server-side when the user's session version moves on (logout, a new
password), after an idle time and after an absolute age. Someone who must use a second
factor is only half logged in after the password: until the code is given (or, without
a second factor yet, until one is set up) every other page is closed to them.
"""

from __future__ import annotations

import time

from blinker import Namespace
from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_login.utils import decode_cookie

from app.auth import second_factor
from app.extensions import db, login_manager
from app.models import Role, User

# Keys of the session cookie; Flask-Login keeps its own ("_user_id", "_fresh", …).
STARTED = "started_at"
SEEN = "seen_at"
SECOND_FACTOR_DONE = "second_factor_done"

# Only write the last-seen moment when it moved this much: not a new cookie per request.
SEEN_RESOLUTION_SECONDS = 60

# Sent when a session ends under a request that sent a form, with the `user` it was
# of; a receiver that keeps the form answers with the page to return to after login
# (`app.drafts`).
form_sent_after_session = Namespace().signal("form-sent-after-session")

# What a half-logged-in person may still reach: the second step itself, logging out,
# the language buttons and the files every page needs.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "static",
        "competences.show_scale_stylesheet",
        "auth.second_step",
        "auth.enrol_second_factor",
        "auth.logout",
        "auth.set_language",
    }
)


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    # "basic", not "strong": phones switch between Wi-Fi and mobile data all day.
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    app.before_request(enforce_session_limits)
    app.before_request(require_second_factor)


def load_user(session_id: str) -> User | None:
    """Load the user of a session id `"<id>:<version>"`; an old version is no session."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def now() -> float:
    """The clock sessions are measured with (tests move it)."""
    return time.time()


def is_staff(user: User) -> bool:
    """School staff and admins: shorter idle time, no "keep me logged in"."""
    return user.has_role(Role.COACH, Role.COORDINATOR, Role.ADMIN)


def session_started(*, second_factor_done: bool = False) -> dict:
    """What a new session holds besides Flask-Login's keys."""
    moment = int(now())
    started = {STARTED: moment, SEEN: moment}
    if second_factor_done:
        started[SECOND_FACTOR_DONE] = True
    return started


# -- idle time and absolute age ---------------------------------------------------------


def enforce_session_limits():
    """End a session that was idle too long or is too old; the login page says which."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    moment = int(now())
    staff = is_staff(user)
    if _kept_by_remember_cookie(user):
        if staff:  # a cookie from before staff stopped getting one: it does not count
            return _end_session(None)
        if STARTED not in session:  # Flask-Login just restored the session from it
            session.update(session_started())
        _touch(moment)
        return None
    started = session.get(STARTED)
    if started is None:
        return _end_session(None)
    config = current_app.config
    idle_minutes = config["SESSION_IDLE_MINUTES_STAFF" if staff else "SESSION_IDLE_MINUTES"]
    if moment - session.get(SEEN, started) > idle_minutes * 60:
        return _end_session(
            _("You were logged out after %(minutes)d minutes without activity. Log in again.")
            % {"minutes": idle_minutes}
        )
    max_hours = config["SESSION_MAX_HOURS"]
    if moment - started > max_hours * 3600:
        return _end_session(
            _("You were logged out %(hours)d hours after you logged in. Log in again.")
            % {"hours": max_hours}
        )
    _touch(moment)
    return None


def _kept_by_remember_cookie(user: User) -> bool:
    """Whether this browser holds a valid "keep me logged in" cookie of `user`."""
    value = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    return bool(value) and decode_cookie(value) == user.get_id()


def _touch(moment: int) -> None:
    if moment - session.get(SEEN, 0) >= SEEN_RESOLUTION_SECONDS:
        session[SEEN] = moment


def _end_session(reason: str | None):
    """Log out; a form sent with the session is kept as its writer's draft, and logging
    in again leads back to its page, filled in.
    """
    kept = None
    if request.method == "POST":
        answers = form_sent_after_session.send(
            current_app._get_current_object(), user=current_user._get_current_object()
        )
        kept = next((page for _receiver, page in answers if page), None)
    locale = session.get("locale")
    session.clear()
    logout_user()  # after clearing: it leaves the note that deletes the remember cookie
    if locale:
        session["locale"] = locale
    if reason:
        flash(reason, "info")
    if kept:
        flash(_("What you typed is kept: log in again and it is back in the form."), "info")
        return redirect(url_for("auth.login", next=kept))
    if request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return redirect(url_for("auth.login"))


# -- the second factor ------------------------------------------------------------------


def second_step_for(user: User) -> str | None:
    """The endpoint `user` must pass before anything else, or None."""
    if user.has_second_factor:
        return "auth.second_step"
    if second_factor.required_for(user):
        return "auth.enrol_second_factor"
    return None


def require_second_factor():
    """Half logged in: a page opened in the browser leads to the second step; anything
    else (a form sent, a fragment fetched) is refused.
    """
    if request.endpoint in OPEN_BEFORE_SECOND_FACTOR or session.get(SECOND_FACTOR_DONE):
        return None
    if not current_user.is_authenticated:
        return None
    step = second_step_for(current_user._get_current_object())
    if step is None:
        return None
    if request.method != "GET" or "HX-Request" in request.headers:
        abort(403)
    return redirect(url_for(step, next=request.full_path.rstrip("?")))
