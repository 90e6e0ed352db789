"""Closing a mobility abroad: the participant's stage report, and the closing steps kept
per mobility (the EU participant survey confirmed, the final scores confirmed by the
coach and the monitor, the coach's sign-off of the Europass record when the mobility is
closed).

A score confirmation keeps a digest of the levels it confirmed: when a level changes
afterwards the digest no longer matches and the confirmation is void.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.people import User
from app.models.placements import Placement


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"  # the participant writes; nobody else reads it yet
    SUBMITTED = "submitted"  # read-only to the participant
    RETURNED = "returned"  # sent back by the coach with a note: the participant edits again

    @property
    def label(self):
        return REPORT_STATUS_LABELS[self]


REPORT_STATUS_LABELS = {
    ReportStatus.DRAFT: _l("Draft"),
    ReportStatus.SUBMITTED: _l("Submitted"),
    ReportStatus.RETURNED: _l("Sent back"),
}

# The parts of a stage report, in the order the participant writes them.
REPORT_PARTS = ("professional", "language", "intercultural", "personal", "advice")


class StageReport(db.Model):
    """The participant's stage report of a mobility, one per placement."""

    __tablename__ = "stage_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), unique=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    professional: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(Text, default="")
    intercultural: Mapped[str] = mapped_column(Text, default="")
    personal: Mapped[str] = mapped_column(Text, default="")
    advice: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus), default=ReportStatus.DRAFT)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_note: Mapped[str] = mapped_column(String(1000), default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    placement: Mapped[Placement] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])

    @property
    def is_submitted(self) -> bool:
        return self.status == ReportStatus.SUBMITTED


class MobilityClosing(db.Model):
    """The closing steps of one mobility: who confirmed what, and when."""

    __tablename__ = "mobility_closing"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), unique=True
    )
    # The EU participant survey: the participant says on which day they filled it in.
    survey_filled_on: Mapped[date | None] = mapped_column(Date)
    survey_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    survey_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The final scores, confirmed by the coach and by the monitor, each with the digest
    # of the levels they saw.
    coach_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    coach_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    coach_scores: Mapped[str] = mapped_column(String(64), default="")
    monitor_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    monitor_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    monitor_scores: Mapped[str] = mapped_column(String(64), default="")
    # Closing the mobility is the coach's sign-off of its Europass record.
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signed_off_name: Mapped[str] = mapped_column(String(200), default="")
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    placement: Mapped[Placement] = relationship()
    survey_confirmed_by: Mapped[User | None] = relationship(foreign_keys=[survey_confirmed_by_id])
    coach_confirmed_by: Mapped[User | None] = relationship(foreign_keys=[coach_confirmed_by_id])
    monitor_confirmed_by: Mapped[User | None] = relationship(foreign_keys=[monitor_confirmed_by_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])
