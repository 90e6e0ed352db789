"""What a new password may be: long enough, and not on the list of common passwords.

No composition rules (a digit, a capital…): they make passwords harder to remember, not
to guess. The list ships with the app (`app/data/common-passwords.txt`), so checking a
password needs no network.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask_babel import lazy_gettext as _l

from app.models.people import normalise_password

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


def comparable(password: str) -> str:
    """How a password is looked up in the list: NFKC, then case-folded."""
    return normalise_password(password).casefold()


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list, read once per process."""
    with COMMON_PASSWORDS.open(encoding="utf-8") as lines:
        return frozenset(
            comparable(line.rstrip("\n")) for line in lines if line.strip() and line[0] != "#"
        )


def is_common(password: str) -> bool:
    return comparable(password) in common_passwords()


LENGTH_MESSAGE = _l(
    "Choose a password of %(min)d to %(max)d characters.",
    min=MIN_PASSWORD_LENGTH,
    max=MAX_PASSWORD_LENGTH,
)
COMMON_MESSAGE = _l(
    "This password is one of the most used ones, so it is among the first an "
    "attacker tries. Choose another one."
)


def password_problem(password: str):
    """Why `password` will not do (the forms' messages), or None when it will."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return LENGTH_MESSAGE
    if is_common(password):
        return COMMON_MESSAGE
    return None
