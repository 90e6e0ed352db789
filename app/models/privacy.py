"""Privacy requests: a person asks for their data or for its erasure; the school (or an
admin) answers within one month, and the request keeps when it was asked, by whom, when
it is due and how it was answered.
"""

from __future__ import annotations

import calendar
import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.organisations import Organisation
from app.models.people import User


class RequestKind(enum.StrEnum):
    ACCESS = "access"
    ERASURE = "erasure"

    @property
    def label(self):
        return REQUEST_KIND_LABELS[self]


REQUEST_KIND_LABELS = {
    RequestKind.ACCESS: _l("Access to their data"),
    RequestKind.ERASURE: _l("Erasure of their data"),
}


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    REFUSED = "refused"

    @property
    def label(self):
        return REQUEST_STATUS_LABELS[self]


REQUEST_STATUS_LABELS = {
    RequestStatus.OPEN: _l("Open"),
    RequestStatus.DONE: _l("Done"),
    RequestStatus.REFUSED: _l("Refused"),
}


def one_month_after(day: date) -> date:
    """The same day a month later, or that month's last day (31 January: 28 February)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class PrivacyRequest(db.Model):
    __tablename__ = "privacy_request"
    __table_args__ = (Index("ix_privacy_request_open", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RequestKind] = mapped_column(str_enum(RequestKind))
    subject_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The school that answers (its coordinators); none: the platform's admins.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[date]
    # How it came in when someone else recorded it ("the mother, by phone").
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus), default=RequestStatus.OPEN
    )
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why it was refused, or what was kept and for how long.
    answer: Mapped[str] = mapped_column(Text, default="")

    subject: Mapped[User] = relationship(foreign_keys=[subject_id])
    school: Mapped[Organisation | None] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def is_open(self) -> bool:
        return self.status is RequestStatus.OPEN

    def is_overdue(self, today: date) -> bool:
        return self.is_open and today > self.due_on


class RetentionPeriod(db.Model):
    """How many school years after a placement ends a school keeps one category of its
    record (see `app/privacy/retention.py`); a category without a row keeps the default.
    """

    __tablename__ = "retention_period"

    school_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    years: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ApprovalMethod(enum.StrEnum):
    PAPER = "paper"
    EMAIL = "email"
    IN_PERSON = "in_person"
    # Given by the guardian through the link the school e-mailed (app/mobility/).
    ONLINE = "online"

    @property
    def label(self):
        return APPROVAL_METHOD_LABELS[self]


APPROVAL_METHOD_LABELS = {
    ApprovalMethod.PAPER: _l("Signed on paper"),
    ApprovalMethod.EMAIL: _l("By e-mail"),
    ApprovalMethod.IN_PERSON: _l("In person at school"),
    ApprovalMethod.ONLINE: _l("Online, through the link the school e-mailed"),
}


class GuardianApproval(db.Model):
    """A guardian's approval of a minor's placement, as the school's rules require (a
    school rule, not GDPR consent): who approved, which version of the school's text,
    how and when, who recorded it, and its revocation.
    """

    __tablename__ = "guardian_approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), index=True)
    guardian_name: Mapped[str] = mapped_column(String(200))
    text_version: Mapped[str] = mapped_column(String(64))
    method: Mapped[ApprovalMethod] = mapped_column(str_enum(ApprovalMethod))
    approved_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_on: Mapped[date | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revocation_note: Mapped[str] = mapped_column(String(500), default="")

    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_on is not None
