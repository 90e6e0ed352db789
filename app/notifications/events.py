"""Who hears at once of what happened: one function per event, subscribed to the domain
event the feature's service sends right after its commit (`app.signals`), from when the
app is created (`subscribe`).

Each decides the recipients with the same rules as the pages (`app.policy`), so nobody
is told of something they could not open: the mentor never hears of a student's concern
or a note for the coach only. The person who did it is never told (`notify` drops them).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from app import policy, signals
from app.extensions import db
from app.i18n import DEFAULT_TIMEZONE
from app.models import (
    Action,
    ActionState,
    Actor,
    Comment,
    Goal,
    GoalState,
    JobRun,
    LogEntry,
    NotificationKind,
    Placement,
    PracticePost,
    ReviewStatus,
    StageReport,
    User,
    Visit,
)
from app.notifications.services import Target, notify


def _trio(placement: Placement) -> list[User]:
    return [placement.student, placement.mentor, placement.coach]


def _log_readers(placement: Placement) -> list[User]:
    """The trio and, abroad, the host monitor, who reads the log beside the mentor."""
    monitor = [placement.monitor] if placement.monitor_id is not None else []
    return _trio(placement) + monitor


def _host_side(placement: Placement) -> list[int]:
    """Who hears what the workplace mentor hears of visits: the mentor and, abroad, the
    host monitor (the participant's contact person there).
    """
    return [placement.mentor_id] + (
        [placement.monitor_id] if placement.monitor_id is not None else []
    )


def _visit_target(visit: Visit, anchor: str = "") -> Target:
    values = {"placement_id": visit.placement_id, "visit_id": visit.id}
    if anchor:
        values["_anchor"] = anchor
    return Target("visits.show_visit", values)


# -- the log ----------------------------------------------------------------------------


def entry_shared(entry: LogEntry) -> None:
    """A new entry in the log, to the others of the trio who may read it. A weekly log is
    news once it is submitted; a draft is its author's alone.
    """
    if entry.review_status == ReviewStatus.DRAFT:
        return
    readers = [
        user.id for user in _log_readers(entry.placement) if policy.can_read_entry(user, entry)
    ]
    notify(
        readers,
        NotificationKind.ENTRY_ADDED,
        f"entry:{entry.id}",
        Target("followup.show_entry", {"placement_id": entry.placement_id, "entry_id": entry.id}),
        {"entry_id": entry.id, "entry_kind": entry.kind.value},
        entry.placement_id,
        subject=f"entry:{entry.id}",
        actor_id=entry.author_id,
    )


def comment_added(comment: Comment) -> None:
    """A comment, to the entry's author and earlier commenters who still read the entry."""
    entry = comment.entry
    earlier = select(Comment.author_id).where(Comment.entry_id == entry.id, Comment.id < comment.id)
    people = db.session.scalars(
        select(User).where((User.id == entry.author_id) | User.id.in_(earlier))
    ).all()
    readers = [
        user.id
        for user in people
        if policy.can_view_placement_log(user, entry.placement)
        and policy.can_read_entry(user, entry)
    ]
    notify(
        readers,
        NotificationKind.COMMENT_ADDED,
        f"comment:{comment.id}",
        Target(
            "followup.show_entry",
            {"placement_id": entry.placement_id, "entry_id": entry.id, "_anchor": "comments"},
        ),
        {"entry_id": entry.id, "comment_id": comment.id, "entry_kind": entry.kind.value},
        entry.placement_id,
        subject=f"entry:{entry.id}",
        actor_id=comment.author_id,
    )


# -- the development plan ---------------------------------------------------------------


def goal_suggested(goal: Goal) -> None:
    """Mentor or coach suggested a goal: the student answers it."""
    if goal.state != GoalState.SUGGESTED:
        return
    placement = db.session.get(Placement, goal.placement_id)
    notify(
        [placement.student_id],
        NotificationKind.GOAL_SUGGESTED,
        f"goal:{goal.id}",
        Target("plans.show_goal", {"placement_id": goal.placement_id, "goal_id": goal.id}),
        {"goal_id": goal.id},
        goal.placement_id,
        subject=f"goal:{goal.id}",
        actor_id=goal.author_id,
    )


def action_suggested(action: Action) -> None:
    """Mentor or coach suggested an action under a goal: the student answers it."""
    if action.state != ActionState.SUGGESTED:
        return
    placement = db.session.get(Placement, action.placement_id)
    notify(
        [placement.student_id],
        NotificationKind.ACTION_SUGGESTED,
        f"action:{action.id}",
        Target(
            "plans.show_goal",
            {"placement_id": action.placement_id, "goal_id": action.goal_id, "_anchor": "actions"},
        ),
        {"goal_id": action.goal_id, "action_id": action.id},
        action.placement_id,
        subject=f"action:{action.id}",
        actor_id=action.author_id,
    )


# -- visits -----------------------------------------------------------------------------


def visit_planned(visit: Visit) -> None:
    """The coach planned a visit: student and mentor put it in their diaries."""
    placement = visit.placement
    notify(
        [placement.student_id, *_host_side(placement)],
        NotificationKind.VISIT_PLANNED,
        f"visit:{visit.id}:planned",
        _visit_target(visit),
        {"visit_id": visit.id, "day": visit.planned_on.isoformat()},
        visit.placement_id,
        subject=f"visit:{visit.id}",
        actor_id=visit.planned_by_id,
    )


def visit_moved(visit: Visit, actor_id: int | None) -> None:
    """A planned visit moved to another day or time: student and mentor hear of its new
    moment (once per moment, so moving it back and forth tells them each time it lands).
    """
    placement = visit.placement
    moment = visit.planned_on.isoformat()
    if visit.planned_time is not None:
        moment += f"T{visit.planned_time.strftime('%H:%M')}"
    notify(
        [placement.student_id, *_host_side(placement)],
        NotificationKind.VISIT_MOVED,
        f"visit:{visit.id}:moved:{moment}",
        _visit_target(visit),
        {"visit_id": visit.id, "day": visit.planned_on.isoformat()},
        visit.placement_id,
        subject=f"visit:{visit.id}",
        actor_id=actor_id,
    )


def visit_report_final(visit: Visit, coach: User) -> None:
    """The report is final: the mentor (and abroad the host monitor: either confirms for
    the host) reads and confirms it first.
    """
    _ask_to_confirm(visit, _host_side(visit.placement), actor_id=coach.id)


def visit_confirmed(visit: Visit, user: User) -> None:
    """The mentor confirmed the report: now the student reads and confirms it."""
    if policy.confirming_actor(user, visit.placement) != Actor.MENTOR:
        return
    if visit.confirmed_by(Actor.MENTOR) is None:
        return
    _ask_to_confirm(visit, [visit.placement.student_id], actor_id=user.id)


def _ask_to_confirm(visit: Visit, user_ids: list[int], *, actor_id: int) -> None:
    notify(
        user_ids,
        NotificationKind.VISIT_REPORT_TO_CONFIRM,
        f"visit:{visit.id}:confirm",
        _visit_target(visit),  # the report first: it is read before it is confirmed
        {"visit_id": visit.id, "day": (visit.held_on or visit.planned_on).isoformat()},
        visit.placement_id,
        subject=f"visit:{visit.id}",
        actor_id=actor_id,
    )


# -- mentors' training ------------------------------------------------------------------


def practice_shared(post: PracticePost) -> None:
    """A mentor shared a tip: those who approve it are told it waits for them."""
    notify(
        db.session.scalars(policy.practice_reviewers(post)).all(),
        NotificationKind.PRACTICE_TO_REVIEW,
        f"practice:{post.id}",
        Target("training.review_practice"),
        {"post_id": post.id, "module_id": post.module_id},
        subject=f"practice:{post.id}",
        actor_id=post.author_id,
    )


# -- closing a mobility abroad ------------------------------------------------------------


def _closing_target(placement_id: int, anchor: str = "") -> Target:
    values: dict = {"placement_id": placement_id}
    if anchor:
        values["_anchor"] = anchor
    return Target("closing.show_closing", values)


def stage_report_submitted(report: StageReport, by: User) -> None:
    """The participant handed in the stage report: the coach reads it (and may send it
    back), the monitor reads it before confirming the final scores.
    """
    placement = report.placement
    readers = [
        user.id
        for user in (placement.coach, placement.monitor)
        if user is not None and policy.can_view_closing(user, placement)
    ]
    notify(
        readers,
        NotificationKind.STAGE_REPORT_SUBMITTED,
        f"stage-report:{report.id}:submitted:{report.version}",
        _closing_target(placement.id, "stage-report"),
        {"report_id": report.id},
        placement.id,
        subject=f"stage-report:{report.id}",
        actor_id=by.id,
    )


def stage_report_returned(report: StageReport, by: User) -> None:
    """The coach sent the stage report back with a note: the participant rewrites it."""
    placement = report.placement
    notify(
        [placement.student_id],
        NotificationKind.STAGE_REPORT_RETURNED,
        f"stage-report:{report.id}:returned:{report.version}",
        _closing_target(placement.id, "stage-report"),
        {"report_id": report.id},
        placement.id,
        subject=f"stage-report:{report.id}",
        actor_id=by.id,
    )


def mobility_closed(placement: Placement, by: User) -> None:
    """The coach closed the mobility: the participant's Europass record is ready."""
    notify(
        [placement.student_id],
        NotificationKind.MOBILITY_CLOSED,
        f"mobility:{placement.id}:closed",
        _closing_target(placement.id, "record"),
        {},
        placement.id,
        subject=f"mobility:{placement.id}",
        actor_id=by.id,
    )


# -- scheduled jobs ---------------------------------------------------------------------


def job_failed(run: JobRun) -> None:
    """A scheduled job failed: the admins hear of it once per job and day (Brussels), so
    a job that fails every five minutes is one notification, and a failure that lasts
    into the next day is told again. What failed is on /admin/jobs, where this leads.
    """
    day = run.started_at.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date().isoformat()
    notify(
        db.session.scalars(policy.job_watchers()).all(),
        NotificationKind.JOB_FAILED,
        f"job:{run.job}:failed:{day}",
        Target("admin.list_jobs", {"_anchor": f"job-{run.job}"}),
        {"job": run.job, "run_id": run.id, "day": day},
        subject=f"job:{run.job}",
    )


# -- subscriptions ----------------------------------------------------------------------
# The features announce; these listen (`subscribe`, when the app is created). Each adapter
# passes on what its event carries.


def _on_entry_shared(entry, **_) -> None:
    entry_shared(entry)


def _on_comment_added(comment, **_) -> None:
    comment_added(comment)


def _on_goal_added(goal, **_) -> None:
    goal_suggested(goal)


def _on_action_added(action, **_) -> None:
    action_suggested(action)


def _on_visit_planned(visit, **_) -> None:
    visit_planned(visit)


def _on_visit_moved(visit, *, by_id, **_) -> None:
    visit_moved(visit, by_id)


def _on_report_final(visit, *, by, **_) -> None:
    visit_report_final(visit, by)


def _on_report_confirmed(visit, *, by, **_) -> None:
    visit_confirmed(visit, by)


def _on_practice_shared(post, **_) -> None:
    practice_shared(post)


def _on_stage_report_submitted(report, *, by, **_) -> None:
    stage_report_submitted(report, by)


def _on_stage_report_returned(report, *, by, **_) -> None:
    stage_report_returned(report, by)


def _on_mobility_closed(placement, *, by, **_) -> None:
    mobility_closed(placement, by)


def subscribe() -> None:
    """Tell people at once of what the features announce. Signals are the process's:
    subscribing again (another app in the same process) changes nothing.
    """
    signals.entry_shared.connect(_on_entry_shared)
    signals.comment_added.connect(_on_comment_added)
    signals.goal_added.connect(_on_goal_added)
    signals.action_added.connect(_on_action_added)
    signals.visit_planned.connect(_on_visit_planned)
    signals.visit_moved.connect(_on_visit_moved)
    signals.report_final.connect(_on_report_final)
    signals.report_confirmed.connect(_on_report_confirmed)
    signals.practice_shared.connect(_on_practice_shared)
    signals.stage_report_submitted.connect(_on_stage_report_submitted)
    signals.stage_report_returned.connect(_on_stage_report_returned)
    signals.mobility_closed.connect(_on_mobility_closed)
