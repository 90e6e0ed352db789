"""What reaches the logs: one line per record, and no secrets.

Links with tokens (invitations, password resets, quick links in reminders) are logged
without their token, query strings without their values, and a line break in anything a
user typed cannot start a line that looks like another record. Passwords, cookies and
the content of entries are never logged by the app; the database engine keeps the
values of its statements out of error messages (`hide_parameters`).
"""

from __future__ import annotations

import logging
import re

from flask import Flask
from flask.logging import default_handler

# The loggers of the servers in front of the app: the built-in one (`leerspoor serve`)
# logs each request line, gunicorn's access log does when it is switched on.
SERVER_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")

# A signed, timestamped token (itsdangerous): payload, time and signature joined by dots,
# wherever it stands; a host name or module path never has a 20-character last part.
_SIGNED_TOKEN = re.compile(r"\.?[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{20,}")
# The path segment after a route that carries a token, whatever the token looks like.
_TOKEN_ROUTE = re.compile(r"(/(?:invitation|password/reset|quick)/)[^\s/?#\"]+")
# A query string: its values may hold tokens or what someone searched for.
_QUERY_VALUES = re.compile(r"([?&][^=&\s\"#]+=)[^&\s\"#]*")

REDACTED = "[…]"


def redact(message: str) -> str:
    """`message` without tokens and query values."""
    message = _TOKEN_ROUTE.sub(r"\1" + REDACTED, message)
    message = _QUERY_VALUES.sub(r"\1" + REDACTED, message)
    return _SIGNED_TOKEN.sub(REDACTED, message)


def one_line(text: str) -> str:
    """Line breaks written out, so a record stays one line whatever was typed."""
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


class RedactingFilter(logging.Filter):
    """Rewrites each record's message: no tokens, no query values, one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "leerspoor_redacted", False):
            record.msg = one_line(redact(record.getMessage()))
            record.args = None
            record.leerspoor_redacted = True
        return True


class OneLineFormatter(logging.Formatter):
    """Keeps a traceback on the record's line too (its breaks written out). The message
    itself was made one line by the filter already; its backslashes are left alone.
    """

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "\\r").replace("\n", "\\n")


FORMAT = "[%(asctime)s] %(levelname)s in %(module)s: %(message)s"


def init_app(app: Flask) -> None:
    """Put the filter on the app's log handler and on the servers' loggers."""
    _add_filter_once(default_handler)
    default_handler.setFormatter(OneLineFormatter(FORMAT))
    _add_filter_once(app.logger)
    for name in SERVER_LOGGERS:
        _add_filter_once(logging.getLogger(name))


def _add_filter_once(filterer: logging.Filterer) -> None:
    if not any(isinstance(f, RedactingFilter) for f in filterer.filters):
        filterer.addFilter(RedactingFilter())
