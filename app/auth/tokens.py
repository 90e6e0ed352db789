"""Signed, expiring, single-use links for invitations, password resets and confirming a
new e-mail address.

A token carries a fingerprint of the user's e-mail address and password hash.
Setting a password changes the hash (it is salted), so a link works once: afterwards
its fingerprint no longer matches, and it is recognised as used, not as forged. A
corrected e-mail address voids the links sent to the old one the same way, and a new
password voids a link that would change the address.

A link written later than it was asked for (a reset link in a queued e-mail) is dated
from the moment it was asked for, so it expires as if it had been written then.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app.extensions import db
from app.models import User


class Purpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password-reset"  # noqa: S105  (a purpose, not a password)
    EMAIL_CHANGE = "email-change"


class TokenProblem(enum.StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


class TokenError(Exception):
    """A link that cannot be used; `problem` says why."""

    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


class _DatedSigner(TimestampSigner):
    """Signs with a given moment instead of the present one."""

    def __init__(self, *args, issued_at: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.issued_at = issued_at

    def get_timestamp(self) -> int:
        return self.issued_at


def _serializer(purpose: Purpose, issued_at: datetime | None = None) -> URLSafeTimedSerializer:
    if issued_at is None:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"leerspoor-{purpose}")
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"],
        salt=f"leerspoor-{purpose}",
        signer=_DatedSigner,
        signer_kwargs={"issued_at": int(issued_at.timestamp())},
    )


def fingerprint(user: User) -> str:
    """What a link (or a known device) remembers of the account: it no longer matches
    once the e-mail address or the password changed.
    """
    material = f"{user.email}\n{user.password_hash or '-'}"
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def max_age_seconds(purpose: Purpose) -> int:
    config = current_app.config
    if purpose is Purpose.INVITATION:
        return config["INVITATION_MAX_AGE_DAYS"] * 24 * 3600
    # A password reset, and a new address confirmed: both asked for a moment ago.
    return config["PASSWORD_RESET_MAX_AGE_MINUTES"] * 60


def make_token(
    user: User, purpose: Purpose, *, issued_at: datetime | None = None, **extra: str
) -> str:
    """A link's token for `user`; dated `issued_at` when given, else now."""
    return _serializer(purpose, issued_at).dumps({"u": user.id, "f": fingerprint(user), **extra})


def user_for_token(token: str, purpose: Purpose) -> User:
    """The user a valid, unexpired, unused token belongs to, or a `TokenError`."""
    return token_data(token, purpose)[0]


def token_data(token: str, purpose: Purpose) -> tuple[User, dict]:
    """The user of a valid, unexpired, unused token and what else it carries."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age_seconds(purpose))
    except SignatureExpired as error:
        raise TokenError(TokenProblem.EXPIRED) from error
    except BadSignature as error:
        raise TokenError(TokenProblem.INVALID) from error
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise TokenError(TokenProblem.INVALID)
    if data.get("f") != fingerprint(user):
        raise TokenError(TokenProblem.USED)
    return user, data
