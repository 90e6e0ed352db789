"""The student's personal development plan (POP): goals, actions, suggestions from
mentor and coach, evidence from the log, the coach's approval, and templates a coach
applies to a whole cohort.

Services take plain arguments, check the domain rules, raise `DomainError` (nothing
changed) or `StaleEdit`, and own the commit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app import audit, policy, signals
from app.competences.services import (
    ACTORS,
    framework_of,
    latest_registrations,
    latest_scores,
    rubric_of,
)
from app.content.services import localised
from app.dates import SHORT_DATE, format_day
from app.domain import DomainError, StaleEdit, check_in_placement, commit_versioned
from app.extensions import db
from app.models import (
    Action,
    ActionState,
    Actor,
    DevelopmentPlan,
    Goal,
    GoalComment,
    GoalEvidence,
    GoalState,
    LogEntry,
    Placement,
    PlacementStatus,
    PlanStatus,
    PlanTemplate,
    ReviewStatus,
    User,
    live_actions,
)
from app.models.columns import utcnow

COMPETENCE = "competence"
CRITERION = "criterion"


# -- what a goal can be linked to -------------------------------------------------------


@dataclass(frozen=True)
class LinkChoice:
    key: str  # "competence:<id>" or "criterion:<id>"
    title: str
    group: str  # the framework's or rubric's title
    scale: str  # the framework's or rubric's id, which names its colours


def link_choices(placement: Placement) -> list[LinkChoice]:
    """The competences of the placement's framework and the criteria of its rubric."""
    choices = []
    if framework := framework_of(placement):
        group = localised(framework.title)
        choices += [
            LinkChoice(f"{COMPETENCE}:{c.id}", localised(c.title), group, framework.id)
            for c in framework.competences
        ]
    if rubric := rubric_of(placement):
        group = localised(rubric.title)
        choices += [
            LinkChoice(f"{CRITERION}:{c.id}", localised(c.title), group, rubric.id)
            for c in rubric.criteria
        ]
    return choices


def _check_links(placement: Placement, links: list[str]) -> list[str]:
    known = {choice.key for choice in link_choices(placement)}
    unknown = [link for link in links if link not in known]
    if unknown:
        raise DomainError(
            "links",
            _l(
                "“%(link)s” is not a competence or criterion of this placement. Choose from "
                "the list.",
                link=unknown[0].partition(":")[2] or unknown[0],
            ),
        )
    if not links:
        raise DomainError("links", _l("Link the goal to at least one competence or soft skill."))
    return list(dict.fromkeys(links))


def _check_title(title: str) -> None:
    if not title.strip():
        raise DomainError("title", _l("Give the goal a short title."))


# -- reading ----------------------------------------------------------------------------


# What a goal's page and the plan show of each goal, loaded with it (no query per row).
GOAL_DETAILS = (
    joinedload(Goal.author),
    selectinload(Goal.actions).joinedload(Action.author),
    selectinload(Goal.comments).joinedload(GoalComment.author),
    selectinload(Goal.evidence).joinedload(GoalEvidence.entry),
)


def goal_with_details(goal: Goal) -> Goal:
    """`goal` with what its page shows, in three queries."""
    return db.session.scalars(
        select(Goal)
        .where(Goal.id == goal.id)
        .options(*GOAL_DETAILS)
        .execution_options(populate_existing=True)
    ).one()


def plan_of(placement: Placement) -> DevelopmentPlan | None:
    return db.session.scalar(
        select(DevelopmentPlan).where(DevelopmentPlan.placement_id == placement.id)
    )


def goals_of(placement: Placement) -> list[Goal]:
    """The plan's goals with their actions, comments and evidence: open goals first, by
    target date; closed ones after.
    """
    goals = db.session.scalars(
        select(Goal)
        .where(Goal.placement_id == placement.id)
        .options(*GOAL_DETAILS)
        .order_by(Goal.id)
    ).all()
    order = {GoalState.SUGGESTED: 0, GoalState.OPEN: 1, GoalState.REACHED: 2}
    return sorted(
        goals,
        key=lambda g: (order.get(g.state, 3), g.target_date or date.max, g.id),
    )


def agreements_of(placement: Placement, owner: Actor | None = None) -> list[Action]:
    """Actions agreed during visits whose report is final, optionally of one owner."""
    query = select(Action).where(
        Action.placement_id == placement.id, Action.visit_id.is_not(None), live_actions()
    )
    if owner is not None:
        query = query.where(Action.owner == owner)
    return list(db.session.scalars(query.order_by(Action.due_date, Action.id)))


@dataclass
class LinkLevels:
    """The current levels of one linked competence or criterion, per actor."""

    choice: LinkChoice
    levels: dict[Actor, float | None]


@dataclass
class Progress:
    goals_by_state: Counter = field(default_factory=Counter)
    overdue: list[Action] = field(default_factory=list)
    open_actions: int = 0
    done_actions: int = 0


def progress(goals: list[Goal], agreements: list[Action], today: date) -> Progress:
    """Goals by state and the overdue actions, for the plan's summary."""
    result = Progress(Counter(goal.state for goal in goals))
    actions = [(a, g.state == GoalState.OPEN) for g in goals for a in g.actions] + [
        (a, True) for a in agreements if a.owner == Actor.STUDENT
    ]
    for action, live in actions:
        if action.state == ActionState.DONE:
            result.done_actions += 1
        elif action.state == ActionState.OPEN and live:
            result.open_actions += 1
            if action.is_overdue(today):
                result.overdue.append(action)
    result.overdue.sort(key=lambda a: a.due_date)
    return result


def goal_levels(placement: Placement, goals: list[Goal]) -> dict[int, list[LinkLevels]]:
    """For each goal, the current levels of what it is linked to (two queries): for a
    competence the mean of each actor's latest levels over its indicators, for a
    criterion each actor's latest rubric level.
    """
    choices = {choice.key: choice for choice in link_choices(placement)}
    registrations = latest_registrations(placement)
    scores = latest_scores(placement)
    framework = framework_of(placement)
    indicators = (
        {c.id: [i.id for i in c.indicators] for c in framework.competences} if framework else {}
    )
    result = {}
    for goal in goals:
        rows = []
        for link in goal.links:
            if link not in choices:
                continue  # the framework changed: the link no longer means anything
            kind, _, target = link.partition(":")
            levels: dict[Actor, float | None] = {}
            for actor in ACTORS:
                if kind == COMPETENCE:
                    found = [
                        r.level
                        for i in indicators.get(target, [])
                        if (r := registrations.get((actor, i))) and r.level is not None
                    ]
                    levels[actor] = round(sum(found) / len(found), 1) if found else None
                else:
                    score = scores.get((actor, target))
                    levels[actor] = score.level if score else None
            rows.append(LinkLevels(choices[link], levels))
        result[goal.id] = rows
    return result


def _shared_with_the_trio():
    """SQL: entries all three read: no drafts, nothing meant for the coach or school only.
    Evidence in the plan is read by the mentor too.
    """
    return and_(
        LogEntry.coach_only.is_(False),
        or_(LogEntry.review_status.is_(None), LogEntry.review_status != ReviewStatus.DRAFT),
    )


def entry_label(entry: LogEntry) -> str:
    """How the plan names an entry of the log: a week by its week, others by kind and day."""
    if entry.week_start is not None:
        return str(_l("Weekly log of %(date)s", date=format_day(entry.week_start, SHORT_DATE)))
    return f"{entry.kind.label} · {format_day(entry.created_at, SHORT_DATE)}"


def evidence_choices(placement: Placement, goal: Goal) -> list[LogEntry]:
    """The log entries the student may point to as evidence for `goal`, newest first
    (not those it has already).
    """
    linked = [evidence.entry_id for evidence in goal.evidence]
    return list(
        db.session.scalars(
            select(LogEntry)
            .where(
                LogEntry.placement_id == placement.id,
                _shared_with_the_trio(),
                LogEntry.id.not_in(linked),
            )
            .order_by(LogEntry.created_at.desc())
            .limit(50)
        )
    )


# -- writing the plan -------------------------------------------------------------------


def _ensure_plan(placement: Placement) -> DevelopmentPlan:
    plan = plan_of(placement)
    if plan is None:
        plan = DevelopmentPlan(placement_id=placement.id, status=PlanStatus.DRAFT)
        db.session.add(plan)
    return plan


@dataclass
class GoalText:
    title: str
    why: str
    success: str
    target_date: date | None
    links: list[str]


def create_goal(placement: Placement, author: User, text: GoalText) -> Goal:
    """The student adds a goal; a goal from mentor or coach is a suggestion the student
    accepts or declines.
    """
    actor = policy.actor_in(author, placement)
    _check_title(text.title)
    links = _check_links(placement, text.links)
    check_in_placement(placement, text.target_date, "target_date")
    _ensure_plan(placement)
    goal = Goal(
        placement_id=placement.id,
        author_id=author.id,
        author_role=actor,
        title=text.title.strip(),
        why=text.why.strip(),
        success=text.success.strip(),
        target_date=text.target_date,
        links=links,
        state=GoalState.OPEN if actor == Actor.STUDENT else GoalState.SUGGESTED,
    )
    db.session.add(goal)
    db.session.flush()  # its id, for the audit trail
    audit.record(author, "goal_created", goal)
    db.session.commit()
    signals.goal_added.send(goal)
    return goal


def update_goal(goal: Goal, placement: Placement, text: GoalText, *, expected_version: int):
    """The student changes a goal; an edit based on an older version is refused, unless
    it is what is saved now (a double tap), which changes nothing.
    """
    _check_title(text.title)
    links = _check_links(placement, text.links)
    check_in_placement(placement, text.target_date, "target_date")
    sent = (text.title.strip(), text.why.strip(), text.success.strip(), text.target_date)
    if (*sent, links) == (goal.title, goal.why, goal.success, goal.target_date, goal.links):
        return
    if goal.version != expected_version:
        raise StaleEdit()
    goal.title, goal.why, goal.success, goal.target_date = sent
    goal.links = links
    commit_versioned()


def close_goal(goal: Goal, state: GoalState, reflection: str, *, expected_version: int) -> None:
    """Reached or dropped, with a short reflection on what the student learned."""
    if goal.version != expected_version:
        raise StaleEdit()
    if goal.state != GoalState.OPEN:
        raise DomainError("state", _l("Only a goal you are working on can be closed."))
    if not reflection.strip():
        raise DomainError(
            "reflection", _l("Write a few lines: what did you learn, or why do you stop?")
        )
    goal.state = state
    goal.reflection = reflection.strip()
    goal.closed_at = utcnow()
    commit_versioned()


def reopen_goal(goal: Goal, *, expected_version: int) -> None:
    if goal.version != expected_version:
        raise StaleEdit()
    if goal.state not in (GoalState.REACHED, GoalState.DROPPED):
        raise DomainError("state", _l("This goal is not closed."))
    goal.state = GoalState.OPEN
    goal.closed_at = None
    commit_versioned()


def respond_to_goal(goal: Goal, accept: bool) -> None:
    """The student accepts a suggested goal (it becomes theirs) or declines it (it stays
    visible as declined, so the suggestion is not lost).
    """
    if goal.state != GoalState.SUGGESTED:
        raise DomainError("state", _l("This suggestion has already been answered."))
    goal.state = GoalState.OPEN if accept else GoalState.DECLINED
    if not accept:
        goal.closed_at = utcnow()
    commit_versioned()
    signals.goal_answered.send(goal)


def add_action(
    placement: Placement, goal: Goal, author: User, title: str, due_date: date | None
) -> Action:
    """An action under a goal: the student's own, or a suggestion of mentor or coach."""
    actor = policy.actor_in(author, placement)
    suggesting = actor != Actor.STUDENT
    if not (goal.state == GoalState.OPEN or (goal.state == GoalState.SUGGESTED and suggesting)):
        raise DomainError("title", _l("Actions go under a goal you are working on."))
    if not title.strip():
        raise DomainError("title", _l("Say what you will do."))
    check_in_placement(placement, due_date, "due_date")
    action = Action(
        placement_id=placement.id,
        goal_id=goal.id,
        author_id=author.id,
        author_role=actor,
        owner=Actor.STUDENT,
        title=title.strip(),
        due_date=due_date,
        state=ActionState.SUGGESTED if suggesting else ActionState.OPEN,
    )
    db.session.add(action)
    db.session.commit()
    signals.action_added.send(action)
    return action


def respond_to_action(action: Action, accept: bool) -> None:
    if action.state != ActionState.SUGGESTED:
        raise DomainError("state", _l("This suggestion has already been answered."))
    action.state = ActionState.OPEN if accept else ActionState.DECLINED
    db.session.commit()
    signals.action_answered.send(action)


def set_action_done(action: Action, user: User, done: bool) -> None:
    """Tick an action off, or back on. Ticking twice (a double tap) changes nothing."""
    if action.state not in (ActionState.OPEN, ActionState.DONE):
        raise DomainError("state", _l("Accept the suggestion first."))
    if action.goal is not None and action.goal.state != GoalState.OPEN:
        raise DomainError("state", _l("This action belongs to a closed goal."))
    if done and action.state == ActionState.OPEN:
        action.state = ActionState.DONE
        action.done_at = utcnow()
        action.done_by_id = user.id
    elif not done and action.state == ActionState.DONE:
        action.state = ActionState.OPEN
        action.done_at = None
        action.done_by_id = None
    db.session.commit()
    if action.state == ActionState.DONE:
        signals.action_done.send(action, by=user)


def comment_on_goal(goal: Goal, placement: Placement, author: User, body: str) -> GoalComment:
    body = body.strip()
    if not body:
        raise DomainError("body", _l("Please write something here."))
    comment = GoalComment(
        goal_id=goal.id,
        author_id=author.id,
        author_role=policy.actor_in(author, placement),
        body=body,
    )
    db.session.add(comment)
    audit.record(author, "goal_commented", goal)
    db.session.commit()
    return comment


def link_evidence(goal: Goal, placement: Placement, entry_id: int) -> None:
    """Point to a log entry as evidence for an open goal; twice is once."""
    if goal.state != GoalState.OPEN:
        raise DomainError("entry", _l("Evidence goes with a goal you are working on."))
    entry = db.session.scalar(
        select(LogEntry).where(
            LogEntry.id == entry_id,
            LogEntry.placement_id == placement.id,
            _shared_with_the_trio(),
        )
    )
    if entry is None:
        raise DomainError("entry", _l("Choose an entry of this placement's log."))
    if any(e.entry_id == entry.id for e in goal.evidence):
        return
    goal.evidence.append(GoalEvidence(entry_id=entry.id))
    db.session.commit()


def unlink_evidence(goal: Goal, evidence_id: int) -> bool:
    """Take an entry off the goal's evidence; False when it was not there."""
    if goal.state != GoalState.OPEN:
        raise DomainError("entry", _l("Evidence goes with a goal you are working on."))
    for evidence in goal.evidence:
        if evidence.id == evidence_id:
            goal.evidence.remove(evidence)
            db.session.commit()
            return True
    return False


def changed_since_approval(plan: DevelopmentPlan | None, goals: list[Goal]) -> bool:
    """Goals were added, changed or closed after the coach approved the plan."""
    if plan is None or plan.approved_at is None:
        return False
    return any(goal.updated_at > plan.approved_at for goal in goals)


def plan_state(placement: Placement) -> str | None:
    """What the plan still lacks, for the visit agenda: "empty" (no goal the student works
    on), "draft" (not approved yet), "changed" (goals changed since the approval), or None
    (approved and unchanged). Two queries.
    """
    plan = plan_of(placement)
    goals = db.session.execute(
        select(Goal.state, Goal.updated_at).where(Goal.placement_id == placement.id)
    ).all()
    if not any(state == GoalState.OPEN for state, _changed in goals):
        return "empty"
    if plan is None or plan.status != PlanStatus.ACTIVE or plan.approved_at is None:
        return "draft"
    if any(changed > plan.approved_at for _state, changed in goals):
        return "changed"
    return None


def approve_plan(placement: Placement, coach: User) -> DevelopmentPlan:
    """The coach approves the plan: draft becomes active; approving an active plan again
    (after its goals changed) records the new date. It needs a goal to approve.
    """
    plan = _ensure_plan(placement)
    has_goal = db.session.scalar(
        select(Goal.id).where(Goal.placement_id == placement.id, Goal.state == GoalState.OPEN)
    )
    if has_goal is None:
        db.session.rollback()
        raise DomainError(
            "plan",
            _l("The plan has no goal the student works on yet; there is nothing to approve."),
        )
    plan.status = PlanStatus.ACTIVE
    plan.approved_by_id = coach.id
    plan.approved_at = utcnow()
    audit.record(coach, "plan.approve", plan, placement_id=placement.id)
    db.session.commit()
    return plan


# -- templates: goals common to a programme ---------------------------------------------


def templates_for(user: User) -> list[PlanTemplate]:
    """The templates of the schools where `user` coaches or coordinates (admins: all)."""
    return list(
        db.session.scalars(
            policy.visible_plan_templates(user).order_by(PlanTemplate.name, PlanTemplate.id)
        )
    )


def create_template(placement: Placement, coach: User, name: str) -> PlanTemplate:
    """The open goals of this placement's plan become a template for its programme."""
    goals = [g for g in goals_of(placement) if g.state == GoalState.OPEN]
    if not goals:
        raise DomainError("name", _l("This plan has no open goals to make a template of."))
    template = PlanTemplate(
        school_id=placement.school_id,
        name=name.strip(),
        programme=placement.programme,
        goals=[
            {"title": g.title, "why": g.why, "success": g.success, "links": g.links} for g in goals
        ],
        created_by_id=coach.id,
    )
    db.session.add(template)
    db.session.commit()
    return template


# The placements a template's goals go to: those running, and those in preparation,
# whose plan the school drafts before the stay.
PLANNED_STATUSES = (PlacementStatus.ACTIVE, PlacementStatus.PREPARING)


def cohort_placements(template: PlanTemplate, cohort: str, user: User) -> list[Placement]:
    """The active and preparing placements of the template's school and programme in
    `cohort` that `user` may give goals to (their own as coach; a coordinator's school's
    all).
    """
    query = (
        policy.template_recipients(user, template)
        .where(
            Placement.programme == template.programme,
            Placement.cohort == cohort,
            Placement.status.in_(PLANNED_STATUSES),
        )
        .order_by(Placement.id)
    )
    return list(db.session.scalars(query))


def cohorts_of(template: PlanTemplate) -> list[str]:
    return list(
        db.session.scalars(
            select(Placement.cohort)
            .where(
                Placement.school_id == template.school_id,
                Placement.programme == template.programme,
                Placement.status.in_(PLANNED_STATUSES),
            )
            .distinct()
            .order_by(Placement.cohort.desc())
        )
    )


@dataclass
class Applied:
    goals_added: int = 0
    already_there: int = 0  # the plan had the goal already (from the template, or by title)
    without_links: int = 0  # none of the goal's links is in the placement's framework


def apply_template(template: PlanTemplate, user: User, placements: list[Placement]) -> Applied:
    """Add the template's goals to each placement's plan as the school's common goals
    (goals of the plan, not suggestions). A plan that has a goal already, from this
    template or by the same title, does not get it again, so applying twice adds nothing;
    links a placement's framework lacks are left out, and a goal left without any link
    is not added.
    """
    result = Applied()
    ids = [p.id for p in placements]
    existing = set(
        db.session.execute(
            select(Goal.placement_id, Goal.template_index).where(
                Goal.template_id == template.id, Goal.placement_id.in_(ids)
            )
        ).all()
    )
    titles = set(
        db.session.execute(
            select(Goal.placement_id, func.lower(Goal.title)).where(
                Goal.placement_id.in_(ids), Goal.state != GoalState.DECLINED
            )
        ).all()
    )
    with_plan = set(
        db.session.scalars(
            select(DevelopmentPlan.placement_id).where(DevelopmentPlan.placement_id.in_(ids))
        )
    )
    for placement in placements:
        known = {choice.key for choice in link_choices(placement)}
        if placement.id not in with_plan:
            db.session.add(DevelopmentPlan(placement_id=placement.id, status=PlanStatus.DRAFT))
        for index, goal in enumerate(template.goals):
            if (placement.id, index) in existing or (
                placement.id,
                goal["title"].lower(),
            ) in titles:
                result.already_there += 1
                continue
            links = [link for link in goal["links"] if link in known]
            if not links:
                result.without_links += 1
                continue
            db.session.add(
                Goal(
                    placement_id=placement.id,
                    author_id=user.id,
                    author_role=Actor.COACH,
                    title=goal["title"],
                    why=goal["why"],
                    success=goal["success"],
                    links=links,
                    state=GoalState.OPEN,
                    template_id=template.id,
                    template_index=index,
                )
            )
            result.goals_added += 1
    audit.record(user, "plan_template.apply", template, placements=ids)
    try:
        db.session.commit()
    except IntegrityError as error:  # applied at the same moment by someone else
        db.session.rollback()
        raise DomainError(
            "cohort", _l("Someone applied this template just now. Try again.")
        ) from error
    return result
