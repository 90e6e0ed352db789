"""What a new password may be: long enough, and not on the list of common passwords.

No composition rules (a digit, a capital…): they make passwords harder to remember, not
to guess. The list ships with the app (`app/data/common-passwords.txt`), so checking a
password needs no network.
"""

from __future__ import annotations

import functools
from pathlib import Path

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
