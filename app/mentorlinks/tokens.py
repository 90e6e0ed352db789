"""The signed token of a mentor's quick link: which action, for whom, on what, since when.

A token is signed with the app's SECRET_KEY under its own salt, so no other signed value
of the app (a session, an invitation) can pass for one. It carries its issue time rather
than relying on the signer's clock, so the moment it expires is decided with a `now` the
caller passes (a test moves it). Whether it may still be used is not decided here: that
depends on the database (`app.mentorlinks.services`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "leerspoor-mentor-link"


class QuickAction(enum.StrEnum):
    """The one thing a quick link does."""

    APPROVE_WEEK = "approve_week"  # approve or return a submitted weekly log (an entry)
    GIVE_FEEDBACK = "give_feedback"  # give feedback for a week (a placement and a week)
    CONFIRM_REPORT = "confirm_report"  # read and confirm a visit report (a visit)


@dataclass(frozen=True)
class Link:
    """What a token says: `object_id` is the entry, the placement or the visit of its
    action; `week` the Monday of the week feedback is asked for.
    """

    action: QuickAction
    mentor_id: int
    object_id: int
    issued_at: datetime
    week: date | None = None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(link: Link) -> str:
    data = {
        "a": link.action.value,
        "u": link.mentor_id,
        "o": link.object_id,
        "t": int(link.issued_at.timestamp()),
    }
    if link.week is not None:
        data["w"] = link.week.isoformat()
    return _serializer().dumps(data)


def read_token(token: str) -> Link | None:
    """The link a token describes, or None when it was not made here (forged, altered,
    cut short) or does not say what a link says.
    """
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    try:
        action = QuickAction(data["a"])
        week = date.fromisoformat(data["w"]) if "w" in data else None
        link = Link(
            action,
            int(data["u"]),
            int(data["o"]),
            datetime.fromtimestamp(int(data["t"]), UTC),
            week,
        )
    except (KeyError, TypeError, ValueError):
        return None
    if (action is QuickAction.GIVE_FEEDBACK) != (week is not None):
        return None
    return link
