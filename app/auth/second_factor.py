"""The second factor: six-digit codes from an authenticator app (TOTP, RFC 6238) and
one-time recovery codes for when the phone is lost.

Who must use one: coordinators and admins, and coaches of a school that asks it, unless
the installation switches the requirement off (LEERSPOOR_REQUIRE_TWO_FACTOR, off in
development). Whoever has set one up uses it, required or not.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, exists, func, or_, select, update

from app import audit
from app.extensions import db
from app.models import RecoveryCode, Role, SchoolSettings, User
from app.models.columns import utcnow

ISSUER = "Leerspoor"
RECOVERY_CODE_COUNT = 10
CODE_DIGITS = 6  # what authenticator apps show, and pyotp's default
# A code of the step before or after the current one still counts: phones' clocks drift.
TOLERATED_STEPS = 1


class CodeCheck(enum.StrEnum):
    """What became of a code typed at the second step."""

    ACCEPTED = "accepted"
    RECOVERY_CODE = "recovery_code"
    REUSED = "reused"
    WRONG = "wrong"

    @property
    def passed(self) -> bool:
        return self in (CodeCheck.ACCEPTED, CodeCheck.RECOVERY_CODE)


def required_for(user: User) -> bool:
    """Whether `user` must log in with a second factor."""
    if not current_app.config["REQUIRE_TWO_FACTOR"]:
        return False
    if user.has_role(Role.ADMIN, Role.COORDINATOR):
        return True
    schools = user.organisation_ids(Role.COACH)
    if not schools:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    SchoolSettings.school_id.in_(schools), SchoolSettings.coaches_second_factor
                )
            )
        )
    )


# -- enrolment --------------------------------------------------------------------------


def pending_secret(user: User) -> str:
    """The secret being set up: made once and kept until a code confirms it, so reloading
    the page shows the same key as the app already scanned.
    """
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()  # 32 characters: 160 bits
        db.session.commit()
    return user.totp_secret


def grouped_key(secret: str) -> str:
    """The key as a person types it into an app: groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The QR code of `uri` as an SVG data: URI, drawn here (no script, no request)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#16213e")


def confirm_enrolment(user: User, code: str, now: datetime | None = None) -> list[str] | None:
    """Confirm the pending secret with a first code from the app.

    Returns the new recovery codes (to be shown once), or None when the code is wrong.
    """
    now = now or utcnow()
    step = _matching_step(user.totp_secret, _digits(code), now)
    if step is None:
        return None
    user.totp_confirmed_at = now
    user.totp_last_step = step
    codes = _replace_recovery_codes(user)
    audit.record(user, "two_factor_enrolled", user)
    db.session.commit()
    return codes


def renew_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    codes = _replace_recovery_codes(user)
    audit.record(user, "recovery_codes_renewed", user)
    db.session.commit()
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def reset(actor: User, user: User) -> None:
    """Remove `user`'s second factor (a lost phone): they set up a new one at their next
    login, and every session of theirs ends now.
    """
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.session_version += 1
    audit.record(actor, "two_factor_reset", user)
    db.session.commit()


# -- the second step of logging in ------------------------------------------------------


def check_code(user: User, code: str, now: datetime | None = None) -> CodeCheck:
    """Check a code typed at the second step: an app's code, once, or a recovery code."""
    now = now or utcnow()
    digits = _digits(code)
    if len(digits) == CODE_DIGITS:
        step = _matching_step(user.totp_secret, digits, now)
        if step is not None and _claim_step(user, step):
            db.session.commit()
            return CodeCheck.ACCEPTED
        result = CodeCheck.WRONG if step is None else CodeCheck.REUSED
    elif _use_recovery_code(user, code, now):
        audit.record(user, "recovery_code_used", user)
        db.session.commit()
        return CodeCheck.RECOVERY_CODE
    else:
        result = CodeCheck.WRONG
    audit.record(user, "two_factor_failed", user, reused=result is CodeCheck.REUSED)
    db.session.commit()
    return result


def _digits(code: str) -> str:
    """A code as typed, without the spaces some apps show in the middle."""
    return "".join(code.split())


def _matching_step(secret: str | None, digits: str, now: datetime) -> int | None:
    """The time step whose code `digits` is (around `now`), or None."""
    if secret is None or not digits.isascii() or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - TOLERATED_STEPS, current + TOLERATED_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def _claim_step(user: User, step: int) -> bool:
    """Record `step` as used unless it, or a later one, already was. One UPDATE, so two
    requests carrying the same code cannot both pass.
    """
    claimed = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def _new_recovery_code() -> str:
    """Sixteen characters (80 random bits) in groups of four: 'k7qm-2xdp-…'."""
    text = base64.b32encode(secrets.token_bytes(10)).decode().lower()
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def _recovery_code_hash(code: str) -> str:
    plain = "".join(code.split()).replace("-", "").lower()
    return hashlib.sha256(plain.encode()).hexdigest()


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_recovery_code_hash(code)) for code in codes
    )
    return codes


def _use_recovery_code(user: User, code: str, now: datetime) -> bool:
    """Spend an unused recovery code of `user`; one UPDATE, so it is spent only once."""
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1
