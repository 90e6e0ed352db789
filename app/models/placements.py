"""Placements: one student learning at one workplace, followed by a mentor and a coach."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.organisations import Organisation
from app.models.people import User


class PlacementKind(enum.StrEnum):
    DUAL_LEARNING = "dual_learning"
    INTERNSHIP = "internship"
    BOL = "bol"
    BBL = "bbl"
    GRADUATE_WORKPLACE_LEARNING = "graduate_workplace_learning"
    MOBILITY_ABROAD = "mobility_abroad"

    @property
    def label(self):
        return PLACEMENT_KIND_LABELS[self]


PLACEMENT_KIND_LABELS = {
    PlacementKind.DUAL_LEARNING: _l("Dual learning"),
    PlacementKind.INTERNSHIP: _l("Internship"),
    PlacementKind.BOL: _l("BOL (school-based pathway)"),
    PlacementKind.BBL: _l("BBL (work-based pathway)"),
    PlacementKind.GRADUATE_WORKPLACE_LEARNING: _l("Graduate programme workplace learning"),
    PlacementKind.MOBILITY_ABROAD: _l("Mobility abroad"),
}


class PlacementStatus(enum.StrEnum):
    # Not followed yet: what it needs before it starts (a guardian's approval) is missing.
    PREPARING = "preparing"
    ACTIVE = "active"
    COMPLETED = "completed"
    STOPPED = "stopped"

    @property
    def label(self):
        return PLACEMENT_STATUS_LABELS[self]


PLACEMENT_STATUS_LABELS = {
    PlacementStatus.PREPARING: _l("In preparation"),
    PlacementStatus.ACTIVE: _l("Active"),
    PlacementStatus.COMPLETED: _l("Completed"),
    PlacementStatus.STOPPED: _l("Stopped early"),
}


class Placement(db.Model):
    """The unit of access: its trio and its school's coordinators may see it, nobody else."""

    __table_args__ = (CheckConstraint("end_date >= start_date", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    workplace_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # A mobility abroad has, beside the mentor at the host company, the host partner that
    # found the workplace and lodging, and its monitor: the participant's fixed contact.
    monitor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    host_partner_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # Whether the monitor gives feedback and scores like a mentor (the call's choice); the
    # monitor reads the log and confirms visit reports either way.
    monitor_scores: Mapped[bool] = mapped_column(default=True, server_default=true())
    kind: Mapped[PlacementKind] = mapped_column(str_enum(PlacementKind))
    status: Mapped[PlacementStatus] = mapped_column(
        str_enum(PlacementStatus), default=PlacementStatus.ACTIVE
    )
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(String(2000), default="")
    # The programme (opleiding) and cohort (e.g. the school year the group started), so a
    # coordinator can filter by them and a coach can give a whole cohort the same goals.
    programme: Mapped[str] = mapped_column(String(120), default="", server_default="")
    cohort: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # The competence framework and soft-skill rubric this placement is followed with,
    # by id and content version, so a later edit of the file never changes their meaning.
    framework_id: Mapped[str | None] = mapped_column(String(64))
    framework_version: Mapped[int | None]
    rubric_id: Mapped[str | None] = mapped_column(String(64))
    rubric_version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    student: Mapped[User] = relationship(foreign_keys=[student_id])
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    coach: Mapped[User] = relationship(foreign_keys=[coach_id])
    monitor: Mapped[User | None] = relationship(foreign_keys=[monitor_id])
    host_partner: Mapped[Organisation | None] = relationship(foreign_keys=[host_partner_id])
    school: Mapped[Organisation] = relationship(foreign_keys=[school_id])
    workplace: Mapped[Organisation] = relationship(foreign_keys=[workplace_id])

    def phase_on(self, day: date) -> str:
        """Where the placement stands on `day`: upcoming, running, ended or its status."""
        if self.status != PlacementStatus.ACTIVE:
            return self.status.value
        if day < self.start_date:
            return "upcoming"
        if day > self.end_date:
            return "ended"
        return "running"

    def __repr__(self) -> str:
        return f"<Placement {self.id} student={self.student_id} workplace={self.workplace_id}>"
