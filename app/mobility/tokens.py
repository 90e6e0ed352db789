"""The signed token of a guardian's link: which link (a row of `guardian_link`).

It is signed with the app's SECRET_KEY under its own salt, so no other signed value of
the app (a session, a mentor's quick link, an invitation) passes for one. Whether the
link still works (answered, expired, replaced by a newer one) is the row's to say.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.models.mobility import GuardianLink

SALT = "leerspoor-guardian-link"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(link: GuardianLink) -> str:
    return _serializer().dumps({"g": link.id})


def read_token(token: str) -> int | None:
    """The id of the link a token names, or None when it was not made here."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("g"), int):
        return None
    return data["g"]
