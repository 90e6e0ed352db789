"""Organisations: schools, companies (training companies), host partners abroad and
the promoters of mobility consortia."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow


class OrganisationKind(enum.StrEnum):
    SCHOOL = "school"
    COMPANY = "company"
    HOST_ABROAD = "host_abroad"
    # Coordinates a consortium of sending schools for Erasmus+ mobility.
    PROMOTER = "promoter"

    @property
    def label(self):
        return ORGANISATION_KIND_LABELS[self]


ORGANISATION_KIND_LABELS = {
    OrganisationKind.SCHOOL: _l("School or training centre"),
    OrganisationKind.COMPANY: _l("Company"),
    OrganisationKind.HOST_ABROAD: _l("Host partner abroad"),
    OrganisationKind.PROMOTER: _l("Mobility promoter"),
}

WORKPLACE_KINDS = (OrganisationKind.COMPANY, OrganisationKind.HOST_ABROAD)


class Organisation(db.Model):
    """A school, a company (leerbedrijf) or a host partner abroad."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind))
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(2), default="BE")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_school(self) -> bool:
        return self.kind == OrganisationKind.SCHOOL

    @property
    def is_workplace(self) -> bool:
        return self.kind in WORKPLACE_KINDS

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r} {self.kind.value}>"


class Partnership(db.Model):
    """A school works with a company or host partner: its coordinators may place students there.

    A company works with several schools; each school sees only its own partners.
    """

    __table_args__ = (UniqueConstraint("school_id", "workplace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    workplace_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[Organisation] = relationship(foreign_keys=[school_id])
    workplace: Mapped[Organisation] = relationship(foreign_keys=[workplace_id])


# When a placement needs attention, unless its school says otherwise.
DEFAULT_THRESHOLDS = {
    "feedback_days": 14,
    "reflection_days": 7,
    "divergence_levels": 2,
    "visit_interval_weeks": 6,
}

# When and about what a school's reminders go out, unless it says otherwise.
DEFAULT_REMINDERS = {
    "log_due_weekday": 4,  # the weekly log is due on Friday (Monday is 0)
    "module_start_days": 14,
    "reminders_from_hour": 8,
    "reminders_until_hour": 18,
    "reminders_on_weekends": False,
    "mentor_links": True,
}


# Which placements of a minor need a guardian's approval (see SchoolSettings).
GUARDIAN_RULES = ("none", "abroad", "all")
DEFAULT_GUARDIAN_APPROVAL = "abroad"

# Who at the school must log in with a second factor, beyond coordinators (always).
DEFAULT_SECURITY = {
    "coaches_second_factor": False,
}


class SchoolSettings(db.Model):
    """A school's thresholds for when a placement needs attention, when and how its
    reminders go out, and whether its coaches use a second factor. A school without a row
    uses `DEFAULT_THRESHOLDS`, `DEFAULT_REMINDERS` and `DEFAULT_SECURITY`.
    """

    __tablename__ = "school_settings"

    school_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    feedback_days: Mapped[int] = mapped_column(default=DEFAULT_THRESHOLDS["feedback_days"])
    reflection_days: Mapped[int] = mapped_column(default=DEFAULT_THRESHOLDS["reflection_days"])
    divergence_levels: Mapped[int] = mapped_column(default=DEFAULT_THRESHOLDS["divergence_levels"])
    visit_interval_weeks: Mapped[int] = mapped_column(
        default=DEFAULT_THRESHOLDS["visit_interval_weeks"]
    )
    log_due_weekday: Mapped[int] = mapped_column(default=DEFAULT_REMINDERS["log_due_weekday"])
    module_start_days: Mapped[int] = mapped_column(default=DEFAULT_REMINDERS["module_start_days"])
    # Reminders are decided only from this hour until that one (the school's time), and
    # on Saturday and Sunday only when the school says so.
    reminders_from_hour: Mapped[int] = mapped_column(
        default=DEFAULT_REMINDERS["reminders_from_hour"]
    )
    reminders_until_hour: Mapped[int] = mapped_column(
        default=DEFAULT_REMINDERS["reminders_until_hour"]
    )
    reminders_on_weekends: Mapped[bool] = mapped_column(
        default=DEFAULT_REMINDERS["reminders_on_weekends"]
    )
    # Whether a mentor's reminder may carry a signed link that does its one action
    # without a password.
    mentor_links: Mapped[bool] = mapped_column(default=DEFAULT_REMINDERS["mentor_links"])
    # Which placements of a minor need a guardian's approval before they start: none,
    # those abroad (the workplace in another country than the school) or all.
    guardian_approval: Mapped[str] = mapped_column(
        String(16), default=DEFAULT_GUARDIAN_APPROVAL, server_default=DEFAULT_GUARDIAN_APPROVAL
    )
    # Whether the school's coaches log in with a second factor too.
    coaches_second_factor: Mapped[bool] = mapped_column(
        default=DEFAULT_SECURITY["coaches_second_factor"]
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @classmethod
    def defaults(cls, school_id: int) -> SchoolSettings:
        """The thresholds of a school that has not set its own (not added to the session)."""
        return cls(
            school_id=school_id,
            guardian_approval=DEFAULT_GUARDIAN_APPROVAL,
            **DEFAULT_THRESHOLDS,
            **DEFAULT_REMINDERS,
            **DEFAULT_SECURITY,
        )
