"""What someone typed into a form and has not saved yet: kept when a session ended under
a form that was being sent, or autosaved while typing (`app.drafts`).

One row per person and page: the page the form is on, the form's fields as they were
typed (never a password, a CSRF token or a file), and the version of the object the
form was opened at, so that a draft older than what is saved now says so instead of
overwriting it. A draft is deleted when its form is saved, and after `RETENTION_DAYS`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.columns import UTCDateTime, utcnow


class FormDraft(db.Model):
    __tablename__ = "form_draft"
    __table_args__ = (UniqueConstraint("user_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # The page the form is on, and the address it is sent to (often the same).
    path: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(300))
    # {field name: [values]}, as the browser sent them.
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    # The version of the object the form was opened at; None for a form that creates.
    version: Mapped[int | None]
    # True: kept from a form sent after the session had ended; False: autosaved.
    kept: Mapped[bool] = mapped_column(default=False)
    # A random name of the browser session that autosaved it: saving the form in that
    # session ends the draft, saving it on another device leaves it to be offered there.
    session_key: Mapped[str] = mapped_column(String(32), default="")
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<FormDraft {self.id} user={self.user_id} {self.path}>"
