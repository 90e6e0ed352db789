"""Hosting a participant abroad: where they stay during their mobility.

The host partner abroad matches each participant assigned to it: the host workplace, the
mentor there and the monitor are the placement's own columns; the lodging is here, one
row per place the participant stays (a stay may move from a hotel to a host family).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.people import User
from app.models.placements import Placement


class LodgingKind(enum.StrEnum):
    HOST_FAMILY = "host_family"
    BED_AND_BREAKFAST = "bed_and_breakfast"
    HOTEL = "hotel"
    OTHER = "other"

    @property
    def label(self):
        return LODGING_KIND_LABELS[self]


LODGING_KIND_LABELS = {
    LodgingKind.HOST_FAMILY: _l("Host family"),
    LodgingKind.BED_AND_BREAKFAST: _l("B&B"),
    LodgingKind.HOTEL: _l("Hotel"),
    LodgingKind.OTHER: _l("Other lodging"),
}


class Lodging(db.Model):
    """Where a participant stays abroad from one day until another, within the stay; the
    host partner arranges it.
    """

    __tablename__ = "lodging"
    __table_args__ = (CheckConstraint("until_date >= from_date", name="leaves_after_arriving"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), index=True)
    kind: Mapped[LodgingKind] = mapped_column(str_enum(LodgingKind))
    address: Mapped[str] = mapped_column(String(300))
    from_date: Mapped[date] = mapped_column(Date)
    until_date: Mapped[date] = mapped_column(Date)
    arranged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    arranged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    placement: Mapped[Placement] = relationship()
    arranged_by: Mapped[User | None] = relationship(foreign_keys=[arranged_by_id])

    def __repr__(self) -> str:
        return f"<Lodging {self.id} placement={self.placement_id} {self.kind.value}>"
