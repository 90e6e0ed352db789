"""During a stay abroad: the participant's travel blog and its publication consent (with
a guardian's for a minor, given through a single-use link), the socio-cultural programme
the host plans with the participant's reflections, the language goal with its CEFR
self-assessments, and the accompanying teacher's trip that groups visits.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.guardian_links import GuardianLinkBase
from app.models.organisations import Organisation
from app.models.people import User
from app.models.placements import Placement


class BlogPost(db.Model):
    """A short post of the participant's travel blog, with at most one photo (checked
    and stripped of its metadata like evidence in the log).
    """

    __tablename__ = "blog_post"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int | None]
    storage_key: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    placement: Mapped[Placement] = relationship()
    author: Mapped[User] = relationship()

    @property
    def has_photo(self) -> bool:
        return self.storage_key is not None


class BlogConsent(db.Model):
    """Whether a participant's blog may be published beyond those who follow the stay
    (the school's internal page, the promoter's dissemination): the participant's
    consent, and for a minor a guardian's. Either can be withdrawn; the audit trail keeps
    every change.
    """

    __tablename__ = "blog_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), unique=True
    )
    participant_consents: Mapped[bool] = mapped_column(default=False)
    participant_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    guardian_consents: Mapped[bool] = mapped_column(default=False)
    # The name the guardian typed with their last answer.
    guardian_name: Mapped[str] = mapped_column(String(200), default="")
    guardian_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    placement: Mapped[Placement] = relationship()


class ConsentAnswer(enum.StrEnum):
    CONSENTS = "consents"
    REFUSES = "refuses"


class BlogConsentLink(GuardianLinkBase, db.Model):
    """A link e-mailed to a parent or guardian to consent to publishing a minor's blog
    (or to withdraw that consent), once (`app.guardianlinks`).
    """

    __tablename__ = "blog_consent_link"

    decision: Mapped[ConsentAnswer | None] = mapped_column(str_enum(ConsentAnswer))


class Activity(db.Model):
    """An activity of the socio-cultural programme the host plans for a participant,
    and the participant's short reflection on it after the day.
    """

    __tablename__ = "stay_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), index=True
    )
    planned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    day: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    reflection: Mapped[str] = mapped_column(Text, default="")
    reflected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Changed by the host and reflected on by the participant: an edit from an older
    # version is refused.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    placement: Mapped[Placement] = relationship()
    planned_by: Mapped[User | None] = relationship()


class Skill(enum.StrEnum):
    """The skills of the Europass self-assessment grid."""

    LISTENING = "listening"
    READING = "reading"
    SPOKEN_INTERACTION = "spoken_interaction"
    SPOKEN_PRODUCTION = "spoken_production"
    WRITING = "writing"

    @property
    def label(self):
        return SKILL_LABELS[self]


SKILL_LABELS = {
    Skill.LISTENING: _l("Listening"),
    Skill.READING: _l("Reading"),
    Skill.SPOKEN_INTERACTION: _l("Spoken interaction"),
    Skill.SPOKEN_PRODUCTION: _l("Spoken production"),
    Skill.WRITING: _l("Writing"),
}

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")


class LanguageGoal(db.Model):
    """The participant's language goal for the stay and their CEFR self-assessment per
    skill before the stay and at its end ({skill: level}).
    """

    __tablename__ = "language_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), unique=True
    )
    language: Mapped[str] = mapped_column(String(60))
    goal: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    placement: Mapped[Placement] = relationship()


class Trip(db.Model):
    """An accompanying teacher's trip abroad: one coach, one destination, a few days,
    and a visit planned for each participant of their school met there.
    """

    __tablename__ = "trip"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="trip_ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    destination: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    coach: Mapped[User] = relationship()
    school: Mapped[Organisation] = relationship()
