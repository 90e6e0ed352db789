"""Competence-coaching visits: planned by the coach, reported in a structured report
that opens with an agenda drawn from the log, confirmed by mentor and student, then
locked. Later amendments and comments sit beside the report, never over it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    and_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.followup import Actor
from app.models.people import User
from app.models.placements import Placement


class VisitStatus(enum.StrEnum):
    PLANNED = "planned"
    REPORTING = "reporting"  # the coach is writing the report (a draft)
    FINAL = "final"  # waiting for mentor and student to confirm
    LOCKED = "locked"  # confirmed by all three
    CANCELLED = "cancelled"

    @property
    def label(self):
        return VISIT_STATUS_LABELS[self]


VISIT_STATUS_LABELS = {
    VisitStatus.PLANNED: _l("Planned"),
    VisitStatus.REPORTING: _l("Report in progress"),
    VisitStatus.FINAL: _l("Waiting for confirmation"),
    VisitStatus.LOCKED: _l("Confirmed by all three"),
    VisitStatus.CANCELLED: _l("Cancelled"),
}

# A visit is held once its report exists; these statuses count as a visit that happened.
HELD_STATUSES = (VisitStatus.REPORTING, VisitStatus.FINAL, VisitStatus.LOCKED)
# A report's agreements count once it is final: before that they are the coach's draft.
AGREED_STATUSES = (VisitStatus.FINAL, VisitStatus.LOCKED)


class AdditionKind(enum.StrEnum):
    COMMENT = "comment"  # by anyone of the trio, on the report
    AMENDMENT = "amendment"  # by the coach, correcting or adding to a final report

    @property
    def label(self):
        return {
            AdditionKind.COMMENT: _l("Comment"),
            AdditionKind.AMENDMENT: _l("Amendment"),
        }[self]


class Visit(db.Model):
    """One visit of the coach to the workplace.

    `report` holds the text per section of the report; `coach_only` lists the sections
    that mentor and student do not see. `agenda` is the agenda as it stood when the
    report was made final, so the report keeps showing what was discussed.
    """

    __tablename__ = "visit"
    __table_args__ = (Index("ix_visit_placement_date", "placement_id", "planned_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"))
    planned_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # The accompanying teacher's trip abroad this visit is part of, if any.
    trip_id: Mapped[int | None] = mapped_column(
        ForeignKey("trip.id", ondelete="SET NULL"), index=True
    )
    planned_on: Mapped[date] = mapped_column(Date)
    planned_time: Mapped[time | None] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[list[str]] = mapped_column(JSON, default=list)
    other_attendees: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[VisitStatus] = mapped_column(str_enum(VisitStatus), default=VisitStatus.PLANNED)
    held_on: Mapped[date | None] = mapped_column(Date)
    report: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    coach_only: Mapped[list[str]] = mapped_column(JSON, default=list)
    agenda: Mapped[list[dict] | None] = mapped_column(JSON)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    placement: Mapped[Placement] = relationship()
    planned_by: Mapped[User] = relationship()
    confirmations: Mapped[list[VisitConfirmation]] = relationship(
        back_populates="visit", order_by="VisitConfirmation.id"
    )
    additions: Mapped[list[VisitAddition]] = relationship(
        back_populates="visit", order_by="VisitAddition.id"
    )

    @property
    def is_final(self) -> bool:
        return self.status in (VisitStatus.FINAL, VisitStatus.LOCKED)

    def confirmed_by(self, actor: Actor) -> VisitConfirmation | None:
        return next((c for c in self.confirmations if c.actor == actor), None)


class VisitConfirmation(db.Model):
    """One of the trio confirms they read the final report (optionally with a comment)."""

    __tablename__ = "visit_confirmation"
    __table_args__ = (UniqueConstraint("visit_id", "actor", name="one_confirmation_per_actor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"))
    actor: Mapped[Actor] = mapped_column(str_enum(Actor))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="confirmations")
    user: Mapped[User] = relationship()


def awaiting_confirmation(actor: Actor) -> ColumnElement[bool]:
    """A condition on `Visit`: its report is final and `actor` of the trio has not
    confirmed reading it (the mentor's to-do list and the company's signals ask it).
    """
    confirmed = select(VisitConfirmation.visit_id).where(VisitConfirmation.actor == actor)
    return and_(Visit.status == VisitStatus.FINAL, Visit.id.not_in(confirmed))


class VisitAddition(db.Model):
    """A comment on a final report, or the coach's amendment of it: recorded beside the
    report with author and time, never written over it.
    """

    __tablename__ = "visit_addition"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    kind: Mapped[AdditionKind] = mapped_column(str_enum(AdditionKind))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    author_role: Mapped[Actor] = mapped_column(str_enum(Actor))
    section: Mapped[str] = mapped_column(String(32), default="")
    body: Mapped[str] = mapped_column(Text)
    coach_only: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="additions")
    author: Mapped[User] = relationship()
