"""The shared follow-up log of a placement: entries, comments, evidence, registrations of
competence indicators, soft-skill rubric scores and the training plan.

Registrations and rubric scores are never updated: every judgement is a new row, so the
history is the table and "the current level" is the latest row per actor and indicator.
Entries and training-plan items are edited in place; their `version` column makes a
second, stale edit fail instead of silently overwriting the first.
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
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.people import User
from app.models.placements import Placement


class Actor(enum.StrEnum):
    """The three people who keep a placement's log, each registering as themselves."""

    STUDENT = "student"
    MENTOR = "mentor"
    COACH = "coach"

    @property
    def label(self):
        return ACTOR_LABELS[self]


ACTOR_LABELS = {
    Actor.STUDENT: _l("Student"),
    Actor.MENTOR: _l("Mentor"),
    Actor.COACH: _l("Coach"),
}


class EntryKind(enum.StrEnum):
    WEEKLY_LOG = "weekly_log"
    FEEDBACK = "feedback"
    VISIT_NOTE = "visit_note"
    AGREEMENT = "agreement"
    CONCERN = "concern"

    @property
    def label(self):
        return ENTRY_KIND_LABELS[self]


ENTRY_KIND_LABELS = {
    EntryKind.WEEKLY_LOG: _l("Weekly log"),
    EntryKind.FEEDBACK: _l("Feedback"),
    EntryKind.VISIT_NOTE: _l("Visit note"),
    EntryKind.AGREEMENT: _l("Agreement"),
    EntryKind.CONCERN: _l("Concern"),
}


class ReviewStatus(enum.StrEnum):
    """Where a student's weekly log stands with the mentor."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"

    @property
    def label(self):
        return REVIEW_STATUS_LABELS[self]


REVIEW_STATUS_LABELS = {
    ReviewStatus.DRAFT: _l("Draft"),
    ReviewStatus.SUBMITTED: _l("Waiting for approval"),
    ReviewStatus.APPROVED: _l("Approved"),
    ReviewStatus.RETURNED: _l("Returned"),
}


class Setting(enum.StrEnum):
    """Where an indicator came up: the learning environments of dual learning."""

    SCHOOL = "school"
    WORKPLACE = "workplace"
    BOTH = "both"
    NOT_POSSIBLE = "not_possible"

    @property
    def label(self):
        return SETTING_LABELS[self]


SETTING_LABELS = {
    Setting.SCHOOL: _l("At school"),
    Setting.WORKPLACE: _l("At the workplace"),
    Setting.BOTH: _l("At school and at the workplace"),
    Setting.NOT_POSSIBLE: _l("Not possible at this workplace"),
}


class LogEntry(db.Model):
    """One entry in a placement's log. Its text lives in `sections`, one per prompt of
    its kind (a weekly log has four, a note one), each Markdown written by its author.
    """

    __tablename__ = "log_entry"
    __table_args__ = (
        # One weekly log per week; other kinds have no week (NULLs never collide).
        UniqueConstraint("placement_id", "week_start", name="one_log_per_week"),
        CheckConstraint("wellbeing BETWEEN 1 AND 5", name="wellbeing_on_scale"),
        # A weekly log, and only a weekly log, has a week and a review status.
        CheckConstraint(
            "(kind = 'weekly_log') = (week_start IS NOT NULL)", name="week_of_weekly_logs"
        ),
        CheckConstraint(
            "(kind = 'weekly_log') = (review_status IS NOT NULL)", name="review_of_weekly_logs"
        ),
        Index("ix_log_entry_timeline", "placement_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    author_role: Mapped[Actor] = mapped_column(str_enum(Actor))
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind))
    sections: Mapped[dict[str, str]] = mapped_column(JSON)
    week_start: Mapped[date | None] = mapped_column(Date)
    wellbeing: Mapped[int | None]
    review_status: Mapped[ReviewStatus | None] = mapped_column(str_enum(ReviewStatus))
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the student last handed the week in (first submission or a change to a week
    # that left draft): the caseload counts the student's silence from it, so a review or
    # any other change by someone else never looks like the student writing.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    coach_only: Mapped[bool] = mapped_column(default=False)
    # A concern stays open until the coach marks it dealt with.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    placement: Mapped[Placement] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    comments: Mapped[list[Comment]] = relationship(
        back_populates="entry", order_by="Comment.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="entry", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    revisions: Mapped[list[EntryRevision]] = relationship(
        back_populates="entry", order_by="EntryRevision.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<LogEntry {self.id} {self.kind} placement={self.placement_id}>"


class EntryRevision(db.Model):
    """What an entry said before an edit, and who changed it when."""

    __tablename__ = "entry_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("log_entry.id"), index=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    sections: Mapped[dict[str, str]] = mapped_column(JSON)
    wellbeing: Mapped[int | None]
    review_status: Mapped[ReviewStatus | None] = mapped_column(str_enum(ReviewStatus))
    # Who could read this text: a note that was coach only stays so in its history.
    coach_only: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[LogEntry] = relationship(back_populates="revisions")
    editor: Mapped[User] = relationship()


class Comment(db.Model):
    __tablename__ = "entry_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("log_entry.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[LogEntry] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class Attachment(db.Model):
    """A photo or PDF attached to an entry as evidence; the bytes live in file storage."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("log_entry.id"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[LogEntry] = relationship(back_populates="attachments")
    uploader: Mapped[User] = relationship()


class Registration(db.Model):
    """One actor's judgement of one indicator on one day: where it came up and the level.

    Stores the framework id and version it was made against, so a later edit of the
    framework file never changes what a past registration meant.
    """

    __tablename__ = "registration"
    __table_args__ = (
        CheckConstraint(
            "level IS NOT NULL OR setting = 'not_possible'", name="level_unless_not_possible"
        ),
        Index("ix_registration_latest", "placement_id", "actor", "indicator_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor: Mapped[Actor] = mapped_column(str_enum(Actor))
    framework_id: Mapped[str] = mapped_column(String(64))
    framework_version: Mapped[int]
    competence_id: Mapped[str] = mapped_column(String(64))
    indicator_id: Mapped[str] = mapped_column(String(64))
    setting: Mapped[Setting] = mapped_column(str_enum(Setting))
    level: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(500), default="")
    baseline: Mapped[bool] = mapped_column(default=False)
    observed_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class RubricScore(db.Model):
    """One actor's level for one criterion of the placement's soft-skill rubric."""

    __tablename__ = "rubric_score"
    __table_args__ = (
        Index("ix_rubric_score_latest", "placement_id", "actor", "criterion_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor: Mapped[Actor] = mapped_column(str_enum(Actor))
    rubric_id: Mapped[str] = mapped_column(String(64))
    rubric_version: Mapped[int]
    criterion_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[int]
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class PlanItem(db.Model):
    """The training plan: where and roughly when a competence is to be learned."""

    __tablename__ = "plan_item"
    __table_args__ = (UniqueConstraint("placement_id", "competence_id", name="one_plan_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), index=True)
    competence_id: Mapped[str] = mapped_column(String(64))
    setting: Mapped[Setting] = mapped_column(str_enum(Setting))
    period: Mapped[str] = mapped_column(String(80), default="")
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}
