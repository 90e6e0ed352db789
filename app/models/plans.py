"""The student's personal development plan (POP): goals linked to the placement's
competences and rubric criteria, actions under them, evidence from the log, and the
agreements of visits, which are actions too (owned by the student, the mentor or the
coach).

Mentor and coach may suggest a goal or an action; a suggestion is a goal or action in
the state `suggested` until the student accepts or declines it, so nothing suggested is
lost and the plan shows who proposed what.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.followup import Actor, LogEntry
from app.models.people import User
from app.models.placements import Placement
from app.models.visits import AGREED_STATUSES, Visit


class PlanStatus(enum.StrEnum):
    """A plan is the student's draft until the coach approves it."""

    DRAFT = "draft"
    ACTIVE = "active"

    @property
    def label(self):
        return PLAN_STATUS_LABELS[self]


PLAN_STATUS_LABELS = {PlanStatus.DRAFT: _l("Draft"), PlanStatus.ACTIVE: _l("Active")}


class GoalState(enum.StrEnum):
    SUGGESTED = "suggested"
    OPEN = "open"
    REACHED = "reached"
    DROPPED = "dropped"
    DECLINED = "declined"

    @property
    def label(self):
        return GOAL_STATE_LABELS[self]


GOAL_STATE_LABELS = {
    GoalState.SUGGESTED: _l("Suggested"),
    GoalState.OPEN: _l("Working on it"),
    GoalState.REACHED: _l("Reached"),
    GoalState.DROPPED: _l("Dropped"),
    GoalState.DECLINED: _l("Suggestion declined"),
}


class ActionState(enum.StrEnum):
    SUGGESTED = "suggested"
    OPEN = "open"
    DONE = "done"
    DECLINED = "declined"

    @property
    def label(self):
        return ACTION_STATE_LABELS[self]


ACTION_STATE_LABELS = {
    ActionState.SUGGESTED: _l("Suggested"),
    ActionState.OPEN: _l("To do"),
    ActionState.DONE: _l("Done"),
    ActionState.DECLINED: _l("Suggestion declined"),
}


class DevelopmentPlan(db.Model):
    """One plan per placement; its goals and actions hang off the placement."""

    __tablename__ = "development_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), unique=True)
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus), default=PlanStatus.DRAFT)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    placement: Mapped[Placement] = relationship()
    approved_by: Mapped[User | None] = relationship()


class Goal(db.Model):
    """A goal of the student's plan. `links` names what it works on: `competence:<id>`
    of the placement's framework or `criterion:<id>` of its soft-skill rubric.
    """

    __tablename__ = "goal"
    __table_args__ = (
        # Applying a template twice to the same placement adds its goals once.
        UniqueConstraint(
            "placement_id", "template_id", "template_index", name="goal_from_template"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    author_role: Mapped[Actor] = mapped_column(str_enum(Actor))
    title: Mapped[str] = mapped_column(String(200))
    why: Mapped[str] = mapped_column(Text, default="")
    success: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[date | None] = mapped_column(Date)
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    state: Mapped[GoalState] = mapped_column(str_enum(GoalState), default=GoalState.OPEN)
    reflection: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("plan_template.id"))
    template_index: Mapped[int | None]
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    author: Mapped[User] = relationship()
    actions: Mapped[list[Action]] = relationship(
        back_populates="goal", order_by="Action.due_date, Action.id"
    )
    comments: Mapped[list[GoalComment]] = relationship(
        back_populates="goal", order_by="GoalComment.id", cascade="all, delete-orphan"
    )
    evidence: Mapped[list[GoalEvidence]] = relationship(
        back_populates="goal", order_by="GoalEvidence.id", cascade="all, delete-orphan"
    )

    @property
    def is_closed(self) -> bool:
        return self.state in (GoalState.REACHED, GoalState.DROPPED, GoalState.DECLINED)


class Action(db.Model):
    """Something to do by a date: a step towards a goal of the plan, or an agreement
    made during a visit (then `visit_id` is set and the owner may be mentor or coach).
    """

    __tablename__ = "plan_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goal.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    author_role: Mapped[Actor] = mapped_column(str_enum(Actor))
    owner: Mapped[Actor] = mapped_column(str_enum(Actor), default=Actor.STUDENT)
    title: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[date | None] = mapped_column(Date)
    state: Mapped[ActionState] = mapped_column(str_enum(ActionState), default=ActionState.OPEN)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    goal: Mapped[Goal | None] = relationship(back_populates="actions")
    visit: Mapped[Visit | None] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    def is_overdue(self, today: date) -> bool:
        return (
            self.state == ActionState.OPEN and self.due_date is not None and self.due_date < today
        )


def live_actions() -> ColumnElement[bool]:
    """SQL: the actions that count in lists of what to do: not under a closed goal, and,
    for a visit's agreement, only once its report is final.
    """
    return and_(
        or_(
            Action.goal_id.is_(None),
            Action.goal_id.in_(select(Goal.id).where(Goal.state == GoalState.OPEN)),
        ),
        or_(
            Action.visit_id.is_(None),
            Action.visit_id.in_(select(Visit.id).where(Visit.status.in_(AGREED_STATUSES))),
        ),
    )


class GoalComment(db.Model):
    __tablename__ = "goal_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    author_role: Mapped[Actor] = mapped_column(str_enum(Actor))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class GoalEvidence(db.Model):
    """A log entry the student points to as evidence for a goal."""

    __tablename__ = "goal_evidence"
    __table_args__ = (UniqueConstraint("goal_id", "entry_id", name="evidence_once_per_goal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("log_entry.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="evidence")
    entry: Mapped[LogEntry] = relationship()


class PlanTemplate(db.Model):
    """Goals common to a programme, which a coach applies to a whole cohort at once.

    `goals` is a list of {title, why, success, links}; links name competences and
    criteria by id, and are kept only where a placement's framework has them.
    """

    __tablename__ = "plan_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    programme: Mapped[str] = mapped_column(String(120), default="")
    goals: Mapped[list[dict]] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()
