"""A CSV file a coordinator uploaded to import, kept between its preview and the import.

The preview is a page of its own (post/redirect/get), so the browser's Back never asks
to send the file again. A row is the uploader's only: nobody else opens its preview. It
lives a day at most (`app.privacy.retention`), and once imported it only says so.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.columns import UTCDateTime, utcnow


class PendingImport(db.Model):
    __tablename__ = "pending_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
