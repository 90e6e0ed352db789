"""The Erasmus+ learning agreement of a mobility abroad: what the participant will learn
at the host workplace, how it is assessed and recognised at home, and who answers for
liability, insurance and guidance, signed by the sending school, the participant and the
host organisation.

An agreement is kept in versions. A version is the school's draft until its first
signature; from then on its text is fixed (`locked_at`), and a change is a new version
that needs all three signatures again. Earlier versions stay, readable.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.people import User
from app.models.placements import Placement


class Party(enum.StrEnum):
    """The three parties of a learning agreement."""

    SCHOOL = "school"  # the sending school: the coach or a school coordinator
    PARTICIPANT = "participant"  # the student
    HOST = "host"  # the host organisation: mentor, monitor, host coordinator or a signer by link

    @property
    def label(self):
        return PARTY_LABELS[self]


PARTY_LABELS = {
    Party.SCHOOL: _l("Sending school"),
    Party.PARTICIPANT: _l("Participant"),
    Party.HOST: _l("Host organisation"),
}


class LearningAgreement(db.Model):
    """One version of a placement's learning agreement (`number` 1, 2, …)."""

    __tablename__ = "learning_agreement"
    __table_args__ = (UniqueConstraint("placement_id", "number", name="one_agreement_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Competence ids of the placement's framework (its id and version kept beside them).
    outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    framework_id: Mapped[str | None] = mapped_column(String(64))
    framework_version: Mapped[int | None]
    language_goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    cultural_goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    tasks: Mapped[str] = mapped_column(Text, default="")
    assessment: Mapped[str] = mapped_column(Text, default="")
    recognition: Mapped[str] = mapped_column(Text, default="")
    liability: Mapped[str] = mapped_column(Text, default="")
    insurance: Mapped[str] = mapped_column(Text, default="")
    guidance: Mapped[str] = mapped_column(Text, default="")
    # Set by the first signature: the text no longer changes.
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    placement: Mapped[Placement] = relationship()
    author: Mapped[User] = relationship()
    signatures: Mapped[list[AgreementSignature]] = relationship(
        back_populates="agreement", order_by="AgreementSignature.id"
    )

    def signature_of(self, party: Party) -> AgreementSignature | None:
        return next((s for s in self.signatures if s.party == party), None)

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_signed(self) -> bool:
        """Signed by all three parties."""
        return {s.party for s in self.signatures} == set(Party)


class AgreementSignature(db.Model):
    """A party's signature: the name the signer typed, their consent (no row without it)
    and the moment. A signer by link has no account: their e-mail address says who was
    asked.
    """

    __tablename__ = "agreement_signature"
    __table_args__ = (UniqueConstraint("agreement_id", "party", name="one_signature_per_party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("learning_agreement.id"), index=True)
    party: Mapped[Party] = mapped_column(str_enum(Party))
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # In which capacity: coach, coordinator, student, mentor, monitor, host_coordinator, link.
    capacity: Mapped[str] = mapped_column(String(32))
    typed_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement: Mapped[LearningAgreement] = relationship(back_populates="signatures")
    signer: Mapped[User | None] = relationship()
