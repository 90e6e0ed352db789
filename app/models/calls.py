"""Erasmus+ calls of a consortium: the promoter's consortium of member schools, its
calls (destinations, places per school, criteria and weights), the candidates the
member schools register, their interview scores, the schools' decisions and the
selection report each sending school writes.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.organisations import Organisation
from app.models.people import User
from app.models.placements import Placement

# The call's selection criteria and their weights as the seed's call states them; a
# promoter may change them, as long as the weights add up to 100.
DEFAULT_CRITERIA = (
    ("motivation", _l("Motivation"), 40),
    ("maturity", _l("Personal and professional maturity"), 30),
    ("language", _l("Basic knowledge of the destination's language"), 15),
    ("arrangements", _l("Agreement with the practical arrangements"), 15),
)
# A score of the interview, per criterion.
SCORE_MIN, SCORE_MAX = 0, 10
# The self-assessed levels of the Common European Framework of Reference for Languages.
CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")


class ConsortiumMembership(db.Model):
    """A school is a member of a promoter's consortium, by a mandate that runs from one
    day (until another, or open-ended). Only a school whose mandate runs registers
    candidates for the promoter's calls.
    """

    __tablename__ = "consortium_membership"
    __table_args__ = (
        UniqueConstraint("promoter_id", "school_id"),
        CheckConstraint(
            "mandate_until IS NULL OR mandate_until >= mandate_from", name="mandate_ends_after"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    promoter_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    mandate_from: Mapped[date] = mapped_column(Date)
    mandate_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    promoter: Mapped[Organisation] = relationship(foreign_keys=[promoter_id])
    school: Mapped[Organisation] = relationship(foreign_keys=[school_id])

    def runs_on(self, day: date) -> bool:
        return self.mandate_from <= day and (
            self.mandate_until is None or day <= self.mandate_until
        )


class MobilityCall(db.Model):
    """A promoter's call for mobilities: when the placements abroad take place, the
    deadlines, how candidates are scored and who goes first.
    """

    __tablename__ = "mobility_call"
    __table_args__ = (
        CheckConstraint("placement_end >= placement_start", name="window_ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    promoter_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    placement_start: Mapped[date] = mapped_column(Date)
    placement_end: Mapped[date] = mapped_column(Date)
    # The schools' expressions of interest, then the candidates' files.
    interest_deadline: Mapped[date] = mapped_column(Date)
    candidate_deadline: Mapped[date] = mapped_column(Date)
    # [{"key": "motivation", "label": "Motivation", "weight": 40}, …]; weights add up to 100.
    criteria: Mapped[list] = mapped_column(JSON, default=list)
    # The priority rule: dual learners are ranked before the others.
    dual_learners_first: Mapped[bool] = mapped_column(default=True)
    # Whether the host monitors of the call's placements score like a mentor
    # (`Placement.monitor_scores` of each placement made from the call).
    monitor_scores: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    promoter: Mapped[Organisation] = relationship(foreign_keys=[promoter_id])
    destinations: Mapped[list[CallDestination]] = relationship(
        back_populates="call",
        cascade="all, delete-orphan",
        order_by="CallDestination.id",
        lazy="selectin",
    )
    places: Mapped[list[CallPlaces]] = relationship(
        back_populates="call",
        cascade="all, delete-orphan",
        order_by="CallPlaces.id",
        lazy="selectin",
    )

    def open_on(self, day: date) -> bool:
        """Whether candidates may still be registered on `day`."""
        return day <= self.candidate_deadline

    def places_for(self, school_id: int) -> int:
        return next((row.places for row in self.places if row.school_id == school_id), 0)

    def __repr__(self) -> str:
        return f"<MobilityCall {self.id} {self.title!r}>"


class CallDestination(db.Model):
    """Where a call sends participants: a country and city, and the host partner there."""

    __tablename__ = "call_destination"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(
        ForeignKey("mobility_call.id", ondelete="CASCADE"), index=True
    )
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str] = mapped_column(String(120), default="")
    host_partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )

    call: Mapped[MobilityCall] = relationship(back_populates="destinations")
    host_partner: Mapped[Organisation | None] = relationship(lazy="joined")


class CallPlaces(db.Model):
    """How many participants a member school may send in a call."""

    __tablename__ = "call_places"
    __table_args__ = (
        UniqueConstraint("call_id", "school_id"),
        CheckConstraint("places >= 0", name="places_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("mobility_call.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    places: Mapped[int] = mapped_column(default=0)

    call: Mapped[MobilityCall] = relationship(back_populates="places")
    school: Mapped[Organisation] = relationship(lazy="joined")


class Decision(enum.StrEnum):
    SELECTED = "selected"
    RESERVE = "reserve"
    NOT_SELECTED = "not_selected"

    @property
    def label(self):
        return DECISION_LABELS[self]


DECISION_LABELS = {
    Decision.SELECTED: _l("Selected"),
    Decision.RESERVE: _l("Reserve"),
    Decision.NOT_SELECTED: _l("Not selected"),
}


class Candidate(db.Model):
    """A student of a member school who applies for a call: their CV and expectations
    (in English, for the host), and the school's decision with its reason.

    A selected candidate is made ready for matching by their school (the destination and
    the coach, whether they have fewer opportunities); the host partner then chooses
    the host workplace and creates the placement abroad (`placement_id`).
    """

    __table_args__ = (
        UniqueConstraint("call_id", "student_id"),
        UniqueConstraint("placement_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(
        ForeignKey("mobility_call.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The CV and expectations form: {"education": …, "work_experience": …,
    # "languages": [{"language": …, "level": "B1"}, …], "expectations": …,
    # "practical_needs": …}.
    cv: Mapped[dict] = mapped_column(JSON, default=dict)
    cv_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[Decision | None] = mapped_column(str_enum(Decision))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Ready for matching: the school's choice of destination and coach.
    destination_id: Mapped[int | None] = mapped_column(
        ForeignKey("call_destination.id", ondelete="SET NULL"), index=True
    )
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Fewer opportunities in the Erasmus+ sense, with the school's short explanation:
    # sensitive, seen by the school's coordinators, the promoter and admins only.
    fewer_opportunities: Mapped[bool] = mapped_column(default=False, server_default=false())
    fewer_opportunities_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    prepared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The placement abroad the host partner created for the participant.
    placement_id: Mapped[int | None] = mapped_column(
        ForeignKey("placement.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[MobilityCall] = relationship()
    student: Mapped[User] = relationship(foreign_keys=[student_id])
    school: Mapped[Organisation] = relationship(foreign_keys=[school_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    destination: Mapped[CallDestination | None] = relationship()
    coach: Mapped[User | None] = relationship(foreign_keys=[coach_id])
    placement: Mapped[Placement | None] = relationship()
    scores: Mapped[list[InterviewScore]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def ready(self) -> bool:
        """Ready for matching: selected, with a destination and a coach."""
        return (
            self.decision == Decision.SELECTED
            and self.destination_id is not None
            and self.coach_id is not None
        )

    def __repr__(self) -> str:
        return f"<Candidate {self.id} call={self.call_id} student={self.student_id}>"


class InterviewScore(db.Model):
    """One scorer's score of a candidate's interview on one criterion, with a note."""

    __tablename__ = "interview_score"
    __table_args__ = (
        UniqueConstraint("candidate_id", "scorer_id", "criterion"),
        CheckConstraint(f"score BETWEEN {SCORE_MIN} AND {SCORE_MAX}", name="score_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    scorer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(32))
    score: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="scores")
    scorer: Mapped[User] = relationship()


class SelectionReport(db.Model):
    """The short report of the selection a sending school writes for a call (the seed
    requires one): its text, pre-filled from the scores and edited by the school.
    """

    __tablename__ = "selection_report"
    __table_args__ = (UniqueConstraint("call_id", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("mobility_call.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
