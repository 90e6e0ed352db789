"""Reading placements for the people who may see them, and the partnership between a
school and a workplace that placing a student there makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from app import policy
from app.extensions import db
from app.followup.entries import monday_of
from app.models import (
    Action,
    ActionState,
    Actor,
    Goal,
    GoalState,
    LogEntry,
    Organisation,
    Partnership,
    Placement,
    PlacementStatus,
    ReviewStatus,
    User,
    Visit,
    VisitConfirmation,
    VisitStatus,
    live_actions,
)

PLACEMENT_CARD_LOADING = (
    joinedload(Placement.student),
    joinedload(Placement.mentor),
    joinedload(Placement.coach),
    joinedload(Placement.school),
    joinedload(Placement.workplace),
)


def placements_page(
    user: User,
    *,
    page: int,
    per_page: int,
    search: str = "",
    status: PlacementStatus | None = None,
):
    """One page of the placements `user` may see, newest start first, with their people."""
    query = policy.visible_placements(user).options(*PLACEMENT_CARD_LOADING)
    if status is not None:
        query = query.where(Placement.status == status)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        student = aliased(User)
        workplace = aliased(Organisation)
        query = (
            query.join(student, Placement.student_id == student.id)
            .join(workplace, Placement.workplace_id == workplace.id)
            .where(
                or_(
                    db.func.lower(student.name).like(pattern),
                    db.func.lower(workplace.name).like(pattern),
                )
            )
        )
    query = query.order_by(Placement.start_date.desc(), Placement.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


@dataclass
class Waiting:
    """What waits for the reader in one placement: in its log, its visits and its plan."""

    to_approve: int = 0  # weeks the mentor has to approve
    returned: int = 0  # weeks returned to the student
    first_returned: int | None = None  # the id of one of them, opened from the home page
    week_to_write: date | None = None  # the student's log of this week is not there yet
    next_visit: Visit | None = None  # the coming visit of the coach
    to_confirm: Visit | None = None  # a final visit report waiting for the reader's confirmation
    to_finish: Visit | None = None  # the coach's visit report that is still a draft
    actions: list[Action] = field(default_factory=list)  # the reader's open actions, soonest first
    suggestions: int = 0  # suggestions in the student's plan waiting for an answer

    @property
    def anything(self) -> bool:
        return bool(
            self.to_approve
            or self.returned
            or self.week_to_write
            or self.next_visit
            or self.to_confirm
            or self.to_finish
            or self.actions
            or self.suggestions
        )


def what_waits(user: User, placements: list[Placement], today: date) -> dict[int, Waiting]:
    """What waits for `user` in each placement where they are one of the trio, in at most
    six queries whatever the number of placements. A coach's own agreements are here;
    the rest of what a coach follows is in the caseload.
    """
    mentoring = {p.id for p in placements if p.mentor_id == user.id}
    learning = {p.id for p in placements if p.student_id == user.id}
    coaching = {p.id for p in placements if p.coach_id == user.id}
    found = {placement_id: Waiting() for placement_id in mentoring | learning | coaching}
    if not found:
        return {}
    actors = {p.id: policy.actor_in(user, p) for p in placements if p.id in found}
    _actions_waiting(found, actors, learning)
    _visits_waiting(found, actors, today, confirming=bool(mentoring or learning))
    if mentoring or learning:
        in_the_log = {placement_id: found[placement_id] for placement_id in mentoring | learning}
        _log_waiting(in_the_log, mentoring, learning, placements, today)
    return found


def _log_waiting(
    found: dict[int, Waiting],
    mentoring: set[int],
    learning: set[int],
    placements: list[Placement],
    today: date,
) -> None:
    """Weeks to approve (mentor), weeks returned and this week's log (student)."""
    rows = db.session.execute(
        select(
            LogEntry.placement_id,
            LogEntry.review_status,
            func.count(LogEntry.id),
            func.min(LogEntry.id),
        )
        .where(
            LogEntry.placement_id.in_(found),
            LogEntry.review_status.in_((ReviewStatus.SUBMITTED, ReviewStatus.RETURNED)),
        )
        .group_by(LogEntry.placement_id, LogEntry.review_status)
    )
    for placement_id, status, count, first in rows:
        if status == ReviewStatus.SUBMITTED and placement_id in mentoring:
            found[placement_id].to_approve = count
        elif status == ReviewStatus.RETURNED and placement_id in learning:
            found[placement_id].returned = count
            found[placement_id].first_returned = first
    this_week = monday_of(today)
    running = {p.id for p in placements if p.id in learning and p.phase_on(today) == "running"}
    if running:
        written = set(
            db.session.scalars(
                select(LogEntry.placement_id).where(
                    LogEntry.placement_id.in_(running), LogEntry.week_start == this_week
                )
            )
        )
        for placement_id in running - written:
            found[placement_id].week_to_write = this_week


def _visits_waiting(
    found: dict[int, Waiting], actors: dict[int, Actor], today: date, *, confirming: bool
) -> None:
    """The coming visit; a final report waiting for the reader (the mentor first, then
    the student; only when `confirming`, one query more); the coach's draft reports.
    One or two queries, whether or not there are visits.
    """
    visits = db.session.scalars(
        select(Visit)
        .where(
            Visit.placement_id.in_(found),
            or_(
                and_(Visit.status == VisitStatus.PLANNED, Visit.planned_on >= today),
                Visit.status.in_((VisitStatus.FINAL, VisitStatus.REPORTING)),
            ),
        )
        .order_by(Visit.planned_on)
    ).all()
    confirmed = set()
    if confirming:
        final = [visit.id for visit in visits if visit.status == VisitStatus.FINAL]
        confirmed = set(
            db.session.execute(
                select(VisitConfirmation.visit_id, VisitConfirmation.actor).where(
                    VisitConfirmation.visit_id.in_(final)
                )
            ).all()
        )
    for visit in visits:
        waiting = found[visit.placement_id]
        actor = actors[visit.placement_id]
        if visit.status == VisitStatus.PLANNED:
            waiting.next_visit = waiting.next_visit or visit
        elif visit.status == VisitStatus.REPORTING:
            if actor == Actor.COACH:
                waiting.to_finish = visit
        elif (
            confirming
            and (visit.id, actor) not in confirmed
            and (
                actor == Actor.MENTOR
                or (actor == Actor.STUDENT and (visit.id, Actor.MENTOR) in confirmed)
            )
        ):
            waiting.to_confirm = visit


def _actions_waiting(found: dict[int, Waiting], actors: dict[int, Actor], learning: set[int]):
    """The reader's open actions and agreements, and the suggestions waiting for the
    student's answer.
    """
    actions = db.session.scalars(
        select(Action)
        .where(
            Action.placement_id.in_(found),
            Action.state.in_((ActionState.OPEN, ActionState.SUGGESTED)),
            live_actions(),
        )
        .order_by(Action.due_date.is_(None), Action.due_date, Action.id)
    )
    for action in actions:
        waiting = found[action.placement_id]
        if action.state == ActionState.SUGGESTED:
            if action.placement_id in learning:
                waiting.suggestions += 1
        elif action.owner == actors[action.placement_id]:
            waiting.actions.append(action)
    if learning:
        goals = db.session.execute(
            select(Goal.placement_id, func.count(Goal.id))
            .where(Goal.placement_id.in_(learning), Goal.state == GoalState.SUGGESTED)
            .group_by(Goal.placement_id)
        )
        for placement_id, count in goals:
            found[placement_id].suggestions += count


def ensure_partnership(school: Organisation, workplace: Organisation) -> None:
    """Make `workplace` a partner of `school` (not committed here)."""
    exists = db.session.scalar(
        select(Partnership.id).where(
            Partnership.school_id == school.id, Partnership.workplace_id == workplace.id
        )
    )
    if exists is None:
        db.session.add(Partnership(school_id=school.id, workplace_id=workplace.id))
