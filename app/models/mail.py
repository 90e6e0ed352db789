"""E-mail about one's account that waits to be sent: written by the request that asks for
it, sent by the scheduler (`app.auth.mail_queue`).

A row holds only what is needed to write the e-mail when it is sent: whose account, what
kind of e-mail, and when it was asked for. A reset link is a secret, so it is never
stored: it is signed when the e-mail is written, dated from the moment it was asked for.
A row lives only while its e-mail waits; it is deleted once sent or given up.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum
from app.models.people import User


class QueuedMailKind(enum.StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105  (a kind of e-mail, not a password)


class QueuedMail(db.Model):
    __tablename__ = "queued_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[QueuedMailKind] = mapped_column(str_enum(QueuedMailKind))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Retries after a failed send: how many were made, when the next is due, the last error.
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<QueuedMail {self.id} {self.kind} user={self.user_id}>"
