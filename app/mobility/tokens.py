"""The guardian's approval of a minor's stay abroad as a purpose of `app.guardianlinks`:
its table, the signature of its token and its page.

The salt and the key are those the links had before they shared the mechanism with the
blog's consent links, so a link e-mailed then still opens its page.
"""

from __future__ import annotations

from app.guardianlinks import Purpose
from app.models.mobility import GuardianLink

APPROVAL = Purpose(
    name="guardian_link",
    model=GuardianLink,
    salt="leerspoor-guardian-link",
    key="g",
    endpoint="mobility.answer_guardian_link",
)

make_token = APPROVAL.make_token
read_token = APPROVAL.read_token
