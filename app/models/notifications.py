"""Notifications: one row per person per thing to tell them, written when it happens and
e-mailed separately.

A row holds facts, not text: its kind, the ids and numbers of its payload and the page it
leads to (an endpoint and its values). Its title and e-mail are written when they are
shown or sent, in the reader's language, and never carry what someone wrote.

`key` says who, what, which object and which period; the unique constraint on
(user_id, key) makes telling someone the same thing twice impossible, whichever process
or rerun tries.

`subject` names the thing a notification is about (`week:2026-12-07`, `entry:42`,
`visit:7`, `goal:3`…): doing the work it asks for resolves the notifications of that
placement, kind and subject at once (`app/notifications/resolutions.py`).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.people import User


class NotificationKind(enum.StrEnum):
    ENTRY_ADDED = "entry_added"
    COMMENT_ADDED = "comment_added"
    GOAL_SUGGESTED = "goal_suggested"
    ACTION_SUGGESTED = "action_suggested"
    VISIT_PLANNED = "visit_planned"
    VISIT_REPORT_TO_CONFIRM = "visit_report_to_confirm"
    PRACTICE_TO_REVIEW = "practice_to_review"
    VISIT_MOVED = "visit_moved"
    # Reminders, decided on a schedule (app/notifications/reminders.py).
    LOG_DUE = "log_due"
    LOG_MISSING = "log_missing"
    FEEDBACK_MISSING = "feedback_missing"
    VISIT_TOMORROW = "visit_tomorrow"
    VISIT_OVERDUE = "visit_overdue"
    ACTION_DUE = "action_due"
    ACTION_OVERDUE = "action_overdue"
    MODULE_NOT_STARTED = "module_not_started"
    NEEDS_ATTENTION = "needs_attention"
    # An item of a mobility file is due soon, or overdue (its owner).
    MOBILITY_ITEM_DUE = "mobility_item_due"
    MOBILITY_ITEM_OVERDUE = "mobility_item_overdue"
    # Closing a mobility abroad: the stage report handed in (to the coach and monitor), sent
    # back (to the participant), the mobility closed (to the participant).
    STAGE_REPORT_SUBMITTED = "stage_report_submitted"
    STAGE_REPORT_RETURNED = "stage_report_returned"
    MOBILITY_CLOSED = "mobility_closed"
    # To the admins: a scheduled job failed (app/scheduling/runs.py).
    JOB_FAILED = "job_failed"


class EmailStatus(enum.StrEnum):
    """Where a notification's e-mail stands: waiting (also between retries), sent, not
    wanted (the person chose no e-mail), or given up after the last retry.
    """

    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    # The work it asked for was done before the e-mail went out: not sent.
    RESOLVED = "resolved"


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="one_notification_per_key"),
        # The bell: a person's unread ones; the list: a person's newest first.
        Index("ix_notification_unread", "user_id", "read_at"),
        Index("ix_notification_list", "user_id", "created_at"),
        # The dispatcher: e-mails that wait, by when they are due.
        Index("ix_notification_delivery", "email_status", "next_attempt_at"),
        # Resolving: the notifications of a placement about one thing.
        Index("ix_notification_subject", "placement_id", "kind", "subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind))
    key: Mapped[str] = mapped_column(String(200))
    placement_id: Mapped[int | None] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), index=True
    )
    # Ids and numbers only: whatever someone wrote stays behind the link.
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    # What it is about, e.g. `week:2026-12-07` or `visit:7`: what resolving looks for.
    subject: Mapped[str] = mapped_column(String(80), default="")
    target_endpoint: Mapped[str] = mapped_column(String(64))
    target_values: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the work it asked for was done (by its reader or anyone else who may).
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    email_status: Mapped[EmailStatus] = mapped_column(
        str_enum(EmailStatus), default=EmailStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} user={self.user_id} key={self.key}>"
