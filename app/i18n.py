"""Which language and time zone a request is served in."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
DEFAULT_TIMEZONE = "Europe/Brussels"


def select_locale() -> str:
    """The user's setting, then the switcher's choice, then the browser, then Dutch."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI, the scheduler, a service called by a test
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return locale_without_user()


def locale_without_user() -> str:
    """The switcher's choice in this browser, then the browser's language, then Dutch: what
    a request can be served in without reading the user from the database.
    """
    languages = current_app.config["LANGUAGES"]
    if session.get("locale") in languages:
        return session["locale"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str:
    return DEFAULT_TIMEZONE
