"""Deciding to notify, and reading one's notifications.

`notify` writes one row per recipient and never a second for the same (person, key),
whichever process or rerun tries: the insert skips a row the unique constraint already
holds (INSERT … ON CONFLICT DO NOTHING, on PostgreSQL and SQLite alike). E-mail is sent
later and separately (`app.notifications.delivery`).

Time is an argument (`now`) so tests and the `reminders run` command can set the clock;
only the events of a request default to the present.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Notification, NotificationKind, User
from app.models.columns import utcnow


@dataclass(frozen=True)
class Target:
    """The page a notification leads to: an endpoint and its values (an `_anchor` too),
    built into a link only when shown, in the reader's language and address.
    """

    endpoint: str
    values: dict = field(default_factory=dict)


def _insert():
    """INSERT … ON CONFLICT for the database in use (both dialects speak it)."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(Notification.__table__)


@dataclass(frozen=True)
class Pending:
    """One notification to write: for whom, what, its idempotency key, where it leads,
    and what it is about (its subject, which resolving looks for).
    """

    user_id: int
    kind: NotificationKind
    key: str
    target: Target
    payload: dict
    placement_id: int | None = None
    subject: str = ""


# Rows per INSERT statement: many reminders at once stay a handful of statements.
CHUNK = 1000


def notify(
    user_ids: Iterable[int],
    kind: NotificationKind,
    key: str,
    target: Target,
    payload: dict,
    placement_id: int | None = None,
    *,
    subject: str = "",
    actor_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Tell each of `user_ids` about `kind` once per `key`; returns how many rows were new.

    The person who caused it (`actor_id`) is never told; their id goes in the payload so
    the title can name them. `payload` holds ids and numbers, never what someone wrote.
    Commits.
    """
    recipients = sorted({uid for uid in user_ids if uid is not None and uid != actor_id})
    facts = dict(payload, actor_id=actor_id) if actor_id is not None else dict(payload)
    pending = [Pending(uid, kind, key, target, facts, placement_id, subject) for uid in recipients]
    return sum(write(pending, now or utcnow()).values())


def write(pending: list[Pending], now: datetime) -> Counter[NotificationKind]:
    """Write the rows that are new (a (person, key) already there is skipped, in the
    database, whoever wrote it first); returns how many were new, per kind. Commits.
    """
    written: Counter[NotificationKind] = Counter()
    statement = (
        _insert()
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(Notification.kind)
    )
    for start in range(0, len(pending), CHUNK):
        rows = [
            {
                "user_id": item.user_id,
                "kind": item.kind,
                "key": item.key,
                "placement_id": item.placement_id,
                "payload": item.payload,
                "subject": item.subject,
                "target_endpoint": item.target.endpoint,
                "target_values": dict(item.target.values),
                "created_at": now,
                "next_attempt_at": now,
                "attempts": 0,
                "last_error": "",
            }
            for item in pending[start : start + CHUNK]
        ]
        written.update(db.session.scalars(statement, rows).all())
    db.session.commit()
    return written


# -- reading ----------------------------------------------------------------------------


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def notifications_page(user: User, *, page: int, per_page: int):
    """One page of the user's notifications, newest first."""
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def notification_of(user: User, notification_id: int) -> Notification | None:
    """The user's own notification, or None (someone else's is not theirs to see)."""
    return db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )


def mark_read(notification: Notification, now: datetime) -> None:
    """Opening a notification reads it; reading it again keeps the first moment."""
    if notification.read_at is None:
        notification.read_at = now
        db.session.commit()


def mark_all_read(user: User, now: datetime) -> int:
    """Mark every unread notification of `user` read; returns how many there were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    db.session.commit()
    return result.rowcount
