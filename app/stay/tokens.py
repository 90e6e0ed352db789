"""The signed token of a guardian's consent link for a travel blog: which link (a row of
`blog_consent_link`), signed under its own salt so no other signed value of the app passes
for one. Whether the link still works is the row's to say.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.models import BlogConsentLink

SALT = "leerspoor-blog-consent-link"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(link: BlogConsentLink) -> str:
    return _serializer().dumps({"b": link.id})


def read_token(token: str) -> int | None:
    """The id of the link a token names, or None when it was not made here."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("b"), int):
        return None
    return data["b"]
