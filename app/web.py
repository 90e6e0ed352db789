"""What every response shares: security headers and the template context."""

from __future__ import annotations

import re
import uuid
from contextlib import nullcontext
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request, session, url_for
from flask_babel import force_locale, format_decimal, get_locale
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app import policy
from app.content.services import localised
from app.i18n import LANGUAGE_NAMES
from app.rendering import render_content, render_markdown

# Ids and page numbers beyond what the database stores are simply not found.
LARGEST_ID = 2**31 - 1
LARGEST_PAGE = 100_000

# Endpoints whose answers hold nothing personal and are the same for everyone, so a cache
# may keep them: the static files and the colours of the content's scales.
SHARED_WITH_EVERYONE = frozenset({"static", "competences.show_scale_stylesheet"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` in routes: a positive id that fits a database integer, or a 404."""

    def __init__(self, url_map, **kwargs) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, **kwargs)


def init_app(app: Flask) -> None:
    """Call before the blueprints are registered: their routes use the converter."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    if app.config.get("PROXY_HOPS"):
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["content_markdown"] = render_content
    app.jinja_env.filters["localised"] = localised
    # A mean level such as 2.5 is written "2,5" in Dutch.
    app.jinja_env.filters["decimal"] = lambda value: format_decimal(value, format="#,##0.#")
    # First of all: the CSRF check, registered earlier, reads every field's name too.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_malformed_fields)
    app.before_request(_name_the_request)
    app.after_request(_security_headers)
    app.after_request(_tell_the_request_id)
    app.context_processor(_template_context)


def safe_next(target: str | None, default: str = "placements.index") -> str:
    """A `next` target only ever leads to a path on this site."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith(("//", "/\\"))
        ):
            return target
    return url_for(default)


def page_argument() -> int:
    """The `page` query argument, within bounds whatever was typed."""
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), LARGEST_PAGE)


def _refuse_malformed_fields():
    """No text field holds a NUL character (PostgreSQL refuses them), and every field of
    a form has a name (a multipart part whose name cannot be read has none): a bad request.
    """
    if None in request.files:
        abort(400)
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if key is None or "\x00" in key + value:
                abort(400)


REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,32}")


def _name_the_request() -> None:
    """Each request gets an id (the proxy's `X-Request-ID` when it sends a sane one),
    recorded with the audit events it causes and sent back, to find it in the logs.
    """
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


def _tell_the_request_id(response):
    if "request_id" in g:
        response.headers.setdefault("X-Request-ID", g.request_id)
    return response


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    # Pages and files carry personal data (photos of minors, portfolios, exports), CSRF
    # tokens or links with tokens: no cache keeps them, not the browser's on a shared
    # school computer after logging out, nor one on the way. This wins over what a view
    # chose (`send_file` would make a file public when SEND_FILE_MAX_AGE_DEFAULT is set);
    # only what is the same for everyone keeps its own caching.
    if request.endpoint not in SHARED_WITH_EVERYONE:
        headers["Cache-Control"] = "no-store"
    hsts_seconds = current_app.config["HSTS_SECONDS"]
    if hsts_seconds:
        headers.setdefault(
            "Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains"
        )
    return response


def _template_context() -> dict:
    return {
        "language_names": LANGUAGE_NAMES,
        "current_locale": str(get_locale()),
        "can_administer": current_user.is_authenticated and policy.is_administrator(current_user),
        "can_train": current_user.is_authenticated and policy.can_train(current_user),
        "can_see_calls": current_user.is_authenticated and policy.can_see_calls(current_user),
        "sees_wellbeing": lambda placement: policy.sees_wellbeing(current_user, placement),
    }


# -- pages opened from a link e-mailed to someone without an account (a guardian) --------


def emailed_link_limit() -> str:
    """How often one address may try such links: twice the login attempts per minute."""
    return f"{current_app.config['LOGIN_ATTEMPTS_PER_MINUTE'] * 2}/minute"


def emailed_link_refused(response) -> bool:
    """Only links that do not work count towards the limit, as failed logins do."""
    return response.status_code in (404, 410)


def in_language_of_email(language: str):
    """The page speaks the e-mail's language, unless the visitor chose one."""
    if current_user.is_authenticated or session.get("locale"):
        return nullcontext()
    if language not in current_app.config["LANGUAGES"]:
        return nullcontext()
    return force_locale(language)
