"""Known devices: a browser where someone logged in before keeps a signed cookie naming
their account, so that the login limits, which anyone can set off, lock nobody out of a
browser they logged in with before (OWASP, "Slow down online guessing attacks with
device cookies").

The limits per account and per client address stop guessing, but an attacker who types
five wrong passwords a minute locks a person out, and ten a minute a whole school behind
one address. With this cookie the right password gets through while those limits are
reached; the browser's wrong passwords count on a counter of its own (per device and
account, as large as the account's), so a stolen cookie gives no unlimited guesses.
Without it, the limits hold as before.

The cookie is set once a login is complete (after the second factor, where one is
used). It holds a random id of the device (the key of its counter) and, for each account
that logged in there (up to `MAX_ACCOUNTS`: a shared computer), the account's id, a
fingerprint of its e-mail address and password hash (a new password or address ends
the entry) and when it last logged in there. It is signed with the secret key (a forged
or altered cookie counts for nothing), HttpOnly, SameSite=Strict, Secure where session
cookies are, and kept `KNOWN_DEVICE_DAYS` after the last login.
"""

from __future__ import annotations

import secrets
import time

from flask import after_this_request, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from app.auth.tokens import fingerprint
from app.extensions import db
from app.models import User, normalise_email

COOKIE = "known_device"
# The whole site: it is also renewed where a password is set (a reset or invitation link,
# My account), and a cookie a browser did not send there would be replaced, not renewed.
COOKIE_PATH = "/"
MAX_ACCOUNTS = 10


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="leerspoor-known-device")


def _max_age() -> int:
    return current_app.config["KNOWN_DEVICE_DAYS"] * 24 * 3600


def _read() -> tuple[str, list[tuple[int, str, int]]] | None:
    """This browser's device id and its accounts (id, fingerprint, last login), with the
    entries that are too old left out; None without a valid cookie.
    """
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        data = _serializer().loads(value)
        device_id = str(data["d"])
        oldest = time.time() - _max_age()
        entries = [
            (int(user_id), str(print_), int(moment))
            for user_id, print_, moment in data["a"]
            if int(moment) >= oldest
        ]
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return device_id, entries


def known_for(email: str) -> str | None:
    """`<device>:<account>` when this browser is a known device of the active account
    with `email`, else None; worked out once per request.
    """
    if "known_device" not in g:
        g.known_device = _known_for(email)
    return g.known_device


def _known_for(email: str) -> str | None:
    device = _read()
    if device is None:
        return None
    device_id, entries = device
    user = db.session.scalar(
        select(User).where(User.email == normalise_email(email)).options(lazyload(User.memberships))
    )
    if user is None or not user.active:
        return None
    if (user.id, fingerprint(user)) in {(user_id, print_) for user_id, print_, _ in entries}:
        return f"{device_id}:{user.id}"
    return None


def remember(user: User) -> None:
    """Make this browser a known device of `user`: the cookie goes with the response."""
    device_id, entries = _read() or (secrets.token_urlsafe(16), [])
    entries = [(user.id, fingerprint(user), int(time.time()))] + [
        entry for entry in entries if entry[0] != user.id
    ]
    value = _serializer().dumps({"d": device_id, "a": entries[:MAX_ACCOUNTS]})

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            COOKIE,
            value,
            max_age=_max_age(),
            path=COOKIE_PATH,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Strict",
        )
        return response
