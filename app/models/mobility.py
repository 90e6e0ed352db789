"""The mobility file: what a placement abroad needs before it may start, item by item
(the CV and expectations form, the approvals, the four insurances, the signed learning
agreement), and the single-purpose links a guardian approves with.

An item's row is written the first time something happens to it (a file delivered, an
approval given, a deadline moved); until then it is missing, with the deadline counted
back from the start of the stay (`DEFAULT_DAYS_BEFORE`).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.guardian_links import GuardianLinkBase
from app.models.people import User
from app.models.placements import Placement


class ItemKind(enum.StrEnum):
    """The documents and approvals the call asks of every participant, in its order."""

    CV_EXPECTATIONS = "cv_expectations"
    COMPANY_APPROVAL = "company_approval"  # the Flemish training company, for dual learners
    PARTICIPANT_APPROVAL = "participant_approval"
    GUARDIAN_APPROVAL = "guardian_approval"  # for a minor, at the start of the stay
    HEALTH_INSURANCE = "health_insurance"  # the mutuality and the EHIC
    ACCIDENT_INSURANCE = "accident_insurance"  # occupational accidents at the workplace
    WORKPLACE_LIABILITY = "workplace_liability"  # civil liability at the workplace
    GENERAL_LIABILITY = "general_liability"  # general civil liability
    LEARNING_AGREEMENT = "learning_agreement"  # signed by school, participant and host

    @property
    def label(self):
        return ITEM_KIND_LABELS[self]


ITEM_KIND_LABELS = {
    ItemKind.CV_EXPECTATIONS: _l("CV and expectations form"),
    ItemKind.COMPANY_APPROVAL: _l("Approval of the training company"),
    ItemKind.PARTICIPANT_APPROVAL: _l("Approval of the participant"),
    ItemKind.GUARDIAN_APPROVAL: _l("Approval of a parent or guardian"),
    ItemKind.HEALTH_INSURANCE: _l("Health insurance and European Health Insurance Card"),
    ItemKind.ACCIDENT_INSURANCE: _l("Insurance against occupational accidents"),
    ItemKind.WORKPLACE_LIABILITY: _l("Civil liability insurance at the workplace"),
    ItemKind.GENERAL_LIABILITY: _l("General civil liability insurance"),
    ItemKind.LEARNING_AGREEMENT: _l("Signed learning agreement"),
}

INSURANCES = (
    ItemKind.HEALTH_INSURANCE,
    ItemKind.ACCIDENT_INSURANCE,
    ItemKind.WORKPLACE_LIABILITY,
    ItemKind.GENERAL_LIABILITY,
)


class ItemOwner(enum.StrEnum):
    """Who must deliver an item."""

    PARTICIPANT = "participant"
    SCHOOL = "school"  # the sending school: the coach follows it up
    COMPANY = "company"  # the training company of a dual learner
    GUARDIAN = "guardian"  # a parent or guardian, through the school

    @property
    def label(self):
        return ITEM_OWNER_LABELS[self]


ITEM_OWNER_LABELS = {
    ItemOwner.PARTICIPANT: _l("The participant"),
    ItemOwner.SCHOOL: _l("The sending school"),
    ItemOwner.COMPANY: _l("The training company"),
    ItemOwner.GUARDIAN: _l("A parent or guardian"),
}

# Who delivers each item: the call says the sending school takes out the insurances
# against accidents and for civil liability; the participant gets the EHIC from the
# mutuality.
OWNERS = {
    ItemKind.CV_EXPECTATIONS: ItemOwner.PARTICIPANT,
    ItemKind.COMPANY_APPROVAL: ItemOwner.COMPANY,
    ItemKind.PARTICIPANT_APPROVAL: ItemOwner.PARTICIPANT,
    ItemKind.GUARDIAN_APPROVAL: ItemOwner.GUARDIAN,
    ItemKind.HEALTH_INSURANCE: ItemOwner.PARTICIPANT,
    ItemKind.ACCIDENT_INSURANCE: ItemOwner.SCHOOL,
    ItemKind.WORKPLACE_LIABILITY: ItemOwner.SCHOOL,
    ItemKind.GENERAL_LIABILITY: ItemOwner.SCHOOL,
    ItemKind.LEARNING_AGREEMENT: ItemOwner.SCHOOL,
}

# The default deadline of each item, in days before the stay starts: the candidate's
# papers first, the approvals next, the insurances and the agreement last.
DEFAULT_DAYS_BEFORE = {
    ItemKind.CV_EXPECTATIONS: 14,
    ItemKind.COMPANY_APPROVAL: 14,
    ItemKind.PARTICIPANT_APPROVAL: 14,
    ItemKind.GUARDIAN_APPROVAL: 14,
    ItemKind.HEALTH_INSURANCE: 10,
    ItemKind.ACCIDENT_INSURANCE: 10,
    ItemKind.WORKPLACE_LIABILITY: 10,
    ItemKind.GENERAL_LIABILITY: 10,
    ItemKind.LEARNING_AGREEMENT: 7,
}


class ItemStatus(enum.StrEnum):
    MISSING = "missing"
    DELIVERED = "delivered"  # a proof or form is in, the school has not checked it yet
    APPROVED = "approved"  # checked by the school, or an approval given
    NOT_NEEDED = "not_needed"  # an adult needs no guardian, a non-dual learner no company

    @property
    def label(self):
        return ITEM_STATUS_LABELS[self]


ITEM_STATUS_LABELS = {
    ItemStatus.MISSING: _l("Missing"),
    ItemStatus.DELIVERED: _l("Delivered"),
    ItemStatus.APPROVED: _l("Approved"),
    ItemStatus.NOT_NEEDED: _l("Not needed"),
}


class MobilityItem(db.Model):
    """One item of a placement's mobility file, once something happened to it."""

    __tablename__ = "mobility_item"
    __table_args__ = (UniqueConstraint("placement_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind))
    status: Mapped[ItemStatus] = mapped_column(str_enum(ItemStatus), default=ItemStatus.MISSING)
    # None: the default, counted back from the start of the stay.
    deadline: Mapped[date | None] = mapped_column(Date)
    # Who last changed the status, when, with the name they typed (an approval) and a
    # note (why a file was sent back, why a company declined).
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_name: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    # A company that said no: the item stays missing, and the file says so.
    declined: Mapped[bool] = mapped_column(default=False)
    # The proof (a photo or a PDF), checked like evidence in the log.
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int | None]
    storage_key: Mapped[str | None] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    placement: Mapped[Placement] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])

    @property
    def has_file(self) -> bool:
        return self.storage_key is not None


class GuardianAnswer(enum.StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"


class GuardianLink(GuardianLinkBase, db.Model):
    """A link e-mailed to a parent or guardian to approve a minor's mobility, once
    (`app.guardianlinks`).
    """

    __tablename__ = "guardian_link"

    decision: Mapped[GuardianAnswer | None] = mapped_column(str_enum(GuardianAnswer))
    # What the guardian added to their answer, and the approval an approval became.
    note: Mapped[str] = mapped_column(String(500), default="")
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("guardian_approval.id"))
