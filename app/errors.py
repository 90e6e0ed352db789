"""Error pages in the user's language; never a stack trace outside debug mode.

When the database cannot be reached every page answers 503 with `Retry-After`, through a
page that needs nothing from the database (docs/reliability.md).
"""

from __future__ import annotations

from contextlib import suppress
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from app.database import is_unavailable
from app.domain import DomainError
from app.extensions import db
from app.forms import typed_fields
from app.i18n import locale_without_user

# What a 503 asks clients (and the health check's callers) to wait before trying again.
RETRY_AFTER_SECONDS = 30

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please try again.")),
    403: (_l("Not allowed"), _l("You are logged in, but this action is not yours to take.")),
    404: (
        _l("Page not found"),
        _l("This page does not exist, or it is not shared with you."),
    ),
    405: (_l("Not allowed"), _l("This page cannot be used this way.")),
    413: (
        _l("File too large"),
        _l("What you sent is larger than this site accepts. Try a smaller file."),
    ),
    429: (
        _l("Too many attempts"),
        _l("Too many attempts in a short time. Wait a minute, then try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("Something went wrong on our side. What you saved before is safe; please try again."),
    ),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def render_error(code: int, message: str | None = None):
    title, default_message = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])
    return (
        render_template(
            "errors/error.html", code=code, title=title, message=message or default_message
        ),
        code,
    )


def _csrf_error(_error: CSRFError):
    """A form the session cannot vouch for (it ended, or another person logged in on
    this browser meanwhile): nothing is stored, for nobody knows whose text it is; the
    answer shows the text to the browser that just sent it, to copy (docs/security.md).
    """
    typed = typed_fields(request.form) if request.method == "POST" and _from_this_site() else {}
    texts = [
        value
        for values in typed.values()
        for value in values
        if any(char.isalpha() for char in value)
    ]
    message = _l(
        "This form was open too long or was sent from somewhere else. "
        "Go back, reload the page and send it again."
    )
    if texts:
        message = _l(
            "This form was sent after your session had ended, so nothing was saved. "
            "What you typed is below: copy it, log in and paste it into the form again."
        )
    title, _default = MESSAGES[400]
    return render_template(
        "errors/error.html", code=400, title=title, message=str(message), typed_texts=texts
    ), 400


def _from_this_site() -> bool:
    """Whether the browser says the form was on a page of this site (`Origin`, else the
    `Referer` it sends to its own site): another site's form, whose text its author
    chose, is not shown back as if the reader had typed it.
    """
    origin = request.headers.get("Origin")
    if origin:
        return urlsplit(origin).netloc == request.host
    return urlsplit(request.referrer or "").netloc == request.host


def _domain_error(error: DomainError):
    """A service's refusal that its route did not put next to a field: nothing was
    changed; the message is shown on top of the page the person came from (else the
    home page, so that a page that refuses is not asked again), as `show_error` does,
    and never as a server error.
    """
    db.session.rollback()
    flash(str(error.message), "error")
    came_from = request.referrer if _from_this_site() else None
    if not came_from or came_from == request.url:
        came_from = url_for("placements.index")
    return redirect(came_from, code=303)


def _http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    response = render_error(error.code)
    if error.code == 405 and error.valid_methods:
        return response[0], 405, {"Allow": ", ".join(error.valid_methods)}
    return response


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    if is_unavailable(error):
        return _database_unavailable(error)
    if current_app.debug:
        raise error
    db.session.rollback()
    current_app.logger.error("Unhandled error", exc_info=error)
    return render_error(InternalServerError.code)


def _database_unavailable(error: Exception):
    """A plain 503 page, rendered without the layout: the layout and the template context
    read the logged-in user, which would ask the unreachable database again.
    """
    current_app.logger.error(
        "Database unavailable (%s %s): %s",
        request.method,
        request.path,
        str(getattr(error, "orig", None) or error).strip(),
    )
    # The connection is gone or was never made; rolling back must not raise a second error.
    with suppress(SQLAlchemyError):
        db.session.rollback()
    if request.method == "GET":
        retry_url = request.full_path.rstrip("?")
    else:
        retry_url = url_for("placements.index")
    locale = locale_without_user()
    with force_locale(locale):
        page = current_app.jinja_env.get_template("errors/unavailable.html").render(
            locale=locale, retry_url=retry_url
        )
    return page, ServiceUnavailable.code, {"Retry-After": str(RETRY_AFTER_SECONDS)}
