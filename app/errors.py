"""Error pages in the user's language; never a stack trace outside debug mode."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db

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
    return render_error(
        400,
        str(
            _l(
                "This form was open too long or was sent from somewhere else. "
                "Go back, reload the page and send it again."
            )
        ),
    )


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
    if current_app.debug:
        raise error
    db.session.rollback()
    current_app.logger.error("Unhandled error", exc_info=error)
    return render_error(InternalServerError.code)
