"""The mentor's to-do list at the top of the home page: one tap per thing to do.

A mentor opens Leerspoor on a phone between two tasks. Whatever waits for them in any
of their placements (in every company they mentor for) is one line here, in the order
it matters: weeks to approve, a visit report to confirm, feedback on the latest
approved week. The recommended training module is added by the page. Everything is
read in four queries, whatever the number of placements and entries.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select

from app import policy
from app.dates import local_day
from app.extensions import db
from app.models import (
    Actor,
    EntryKind,
    LogEntry,
    Placement,
    PlacementStatus,
    ReviewStatus,
    Role,
    User,
    Visit,
)
from app.models.visits import awaiting_confirmation


class TaskKind(enum.StrEnum):
    APPROVE = "approve"
    CONFIRM = "confirm"
    FEEDBACK = "feedback"


@dataclass
class MentorTask:
    """One thing to do: its kind, the placement, and the week or visit it is about."""

    kind: TaskKind
    placement: Placement
    student_name: str
    week: date | None = None
    entry_id: int | None = None
    visit: Visit | None = None


def mentor_tasks(user: User, today: date) -> list[MentorTask]:
    """What waits for `user` as a mentor, oldest first within each kind. A host monitor
    abroad has the same list for the placements they monitor, without the weeks to
    approve (the workplace mentor approves them), and feedback only where they give it
    (`Placement.monitor_scores`).
    """
    if not user.has_role(Role.MENTOR, Role.MONITOR):  # a coach's or a student's: no query
        return []
    host_side = or_(
        Placement.mentor_id == user.id,
        and_(Placement.monitor_id == user.id, Placement.monitor_scores.is_(True)),
    )
    followed = or_(Placement.mentor_id == user.id, Placement.monitor_id == user.id)
    active = Placement.status == PlacementStatus.ACTIVE
    mentored = policy.mentored_placements(user).where(active).with_only_columns(Placement.id)
    # The student's name only: loading the students would load their memberships too.
    placements = {
        placement.id: (placement, student_name)
        for placement, student_name in db.session.execute(
            select(Placement)
            .where(followed, active)
            .add_columns(User.name)
            .join(User, Placement.student_id == User.id)
        )
    }
    if not placements:
        return []
    ids = select(Placement.id).where(followed, active)
    tasks = _weeks_to_approve(placements, mentored)
    tasks += _reports_to_confirm(placements, ids)
    tasks += _feedback_due(placements, ids.where(host_side), today)
    return tasks


def _weeks_to_approve(placements: dict[int, tuple[Placement, str]], mentored) -> list[MentorTask]:
    rows = db.session.execute(
        select(LogEntry.id, LogEntry.placement_id, LogEntry.week_start)
        .where(
            LogEntry.placement_id.in_(mentored),
            LogEntry.kind == EntryKind.WEEKLY_LOG,
            LogEntry.review_status == ReviewStatus.SUBMITTED,
        )
        .order_by(LogEntry.week_start, LogEntry.id)
    )
    return [
        MentorTask(TaskKind.APPROVE, *placements[placement_id], week=week, entry_id=entry_id)
        for entry_id, placement_id, week in rows
    ]


def _reports_to_confirm(placements: dict[int, tuple[Placement, str]], mentored) -> list[MentorTask]:
    """Final visit reports the mentor has not confirmed yet."""
    visits = db.session.scalars(
        select(Visit)
        .where(Visit.placement_id.in_(mentored), awaiting_confirmation(Actor.MENTOR))
        .order_by(Visit.planned_on, Visit.id)
    )
    return [
        MentorTask(TaskKind.CONFIRM, *placements[visit.placement_id], visit=visit)
        for visit in visits
    ]


def _feedback_due(
    placements: dict[int, tuple[Placement, str]], mentored, today: date
) -> list[MentorTask]:
    """Per running placement: the latest approved week, when the mentor wrote no
    feedback in the log since that week began and left no comment when approving it.
    """
    approved = and_(
        LogEntry.kind == EntryKind.WEEKLY_LOG,
        LogEntry.review_status == ReviewStatus.APPROVED,
    )
    feedback = and_(LogEntry.kind == EntryKind.FEEDBACK, LogEntry.author_role == Actor.MENTOR)
    commented = and_(approved, LogEntry.review_comment != "")
    rows = db.session.execute(
        select(
            LogEntry.placement_id,
            func.max(case((approved, LogEntry.week_start))),
            func.max(case((commented, LogEntry.week_start))),
            func.max(case((feedback, LogEntry.created_at))),
        )
        .where(LogEntry.placement_id.in_(mentored))
        .group_by(LogEntry.placement_id)
    )
    tasks = []
    for placement_id, week, latest_commented, given in rows:
        if week is None or week == latest_commented:
            continue
        if given is not None and local_day(given) >= week:
            continue
        placement, student_name = placements[placement_id]
        if placement.phase_on(today) == "running":
            tasks.append(MentorTask(TaskKind.FEEDBACK, placement, student_name, week=week))
    return sorted(tasks, key=lambda task: (task.week, task.placement.id))
