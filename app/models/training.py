"""Mentor training: each person's progress through the micro-modules.

Modules themselves are content files (`modules/`), referred to by id; a completion
stores the module's version, so a later edit of the module can be pointed out
("updated since you completed it") without changing what was completed.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.people import User


class ModuleProgress(db.Model):
    """One person in one module: the quiz, their private reflection, the assignment."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id", name="one_progress_per_module"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    module_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    quiz_attempts: Mapped[int] = mapped_column(default=0)
    best_score: Mapped[int] = mapped_column(default=0)
    # Private to its author: nobody else reads a reflection, not even an admin's page.
    reflection: Mapped[str] = mapped_column(Text, default="")
    assignment_tried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignment_note: Mapped[str] = mapped_column(String(1000), default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_version: Mapped[int | None]

    @property
    def done(self) -> bool:
        return self.completed_at is not None


class Certificate(db.Model):
    """Proof that a person completed a learning path, checkable by anyone with its code.

    What it certifies is copied in when it is issued (the name, each module's version
    and completion date), so later edits of the person or the modules never change it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    path_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    modules: Mapped[list[dict]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "path_id", name="one_certificate_per_path"),)


class Recommendation(db.Model):
    """A coach or coordinator recommends a module to the mentor of one of their placements."""

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    module_id: Mapped[str] = mapped_column(String(64))
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"))
    recommended_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recommended_by: Mapped[User] = relationship(foreign_keys=[recommended_by_id])


class MentorRecord(db.Model):
    """What a recognised mentor needs on file: experience, good conduct, since when they
    are a mentor (the basic training is due within 12 months of that date).
    """

    __tablename__ = "mentor_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    years_experience: Mapped[int | None]
    good_conduct_on: Mapped[date | None] = mapped_column(Date)
    mentor_since: Mapped[date | None] = mapped_column(Date)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PostStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class PracticePost(db.Model):
    """A tip or template a mentor shares under a module; others see it once approved."""

    __tablename__ = "practice_post"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[str] = mapped_column(String(64), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[PostStatus] = mapped_column(str_enum(PostStatus), default=PostStatus.PENDING)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
