"""Reminders: what is due for whom, decided at a moment for every running placement.

`decide(now)` is one pass. It looks at the placements of the schools whose reminder
hours are open at `now` (their hours, on weekdays unless they allow weekends) and writes
a notification for each thing due, with a key that names the thing and its period:

| kind | to | when | key |
| --- | --- | --- | --- |
| log_due | student | from the school's due weekday, this week's log not handed in | week |
| log_missing | student | last week's log was never handed in | week |
| feedback_missing | mentor | no feedback or review for the school's N days | silence's start |
| needs_attention | coach | the caseload newly shows a reason (see below) | reason's start |
| visit_tomorrow | coach and attendees | a planned visit on the next reminder day | visit's day |
| visit_overdue | coach | no visit held for N weeks and none planned | last visit |
| action_due | owner | an open action or agreement due on the next reminder day | due date |
| action_overdue | owner | an open action or agreement past its due date | due date |
| module_not_started | mentor | a recommended module untouched for N days | recommendation |
| mobility_item_due | its owner | a mobility file's item missing, due in 3 days | item, day |
| mobility_item_overdue | its owner | a mobility file's item missing, past its day | item, day |

The key makes a reminder once per thing and period whatever the number of passes: the
next pass, a rerun at the same moment or two schedulers at once find the row there. A
pass the school's hours skipped is made up at the next pass they allow (the rules look
at the state, not at what happened since the last pass).

"Next reminder day": on a Friday of a school that sends nothing at weekends, a visit or
action on Saturday, Sunday or Monday is announced on Friday; on other days, the next day.

The caseload's reasons reach the coach as `needs_attention`, apart from those the coach
already hears of another way: a concern (its entry notifies the coach at once) and a
visit overdue (its own reminder). Divergent scores have no start date: they are told
once per placement.

The mobility file's reminders look at placements abroad that have not started (in
preparation, or active before their first day): the stay itself is followed like any
other placement.

Every kind is a fixed number of queries over all placements at once (the caseload's
five grouped queries are shared), and the rows are written in chunks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import joinedload

from app.caseload.services import ReasonKind, assess
from app.extensions import db
from app.i18n import DEFAULT_TIMEZONE
from app.mobility import services as mobility
from app.models import (
    Action,
    ActionState,
    Actor,
    EntryKind,
    ItemOwner,
    LogEntry,
    ModuleProgress,
    NotificationKind,
    Organisation,
    OrganisationKind,
    Placement,
    PlacementKind,
    PlacementStatus,
    Recommendation,
    ReviewStatus,
    SchoolSettings,
    Visit,
    VisitStatus,
    live_actions,
)
from app.notifications.services import Pending, Target, write

LOCAL = ZoneInfo(DEFAULT_TIMEZONE)
DEFAULTS = SchoolSettings.defaults(0)
# A missing item of a mobility file is announced this many days before its deadline.
MOBILITY_DAYS_AHEAD = 3
SATURDAY = 5
ACTORS = {actor.value for actor in Actor}
# The caseload's reasons the coach hears of as `needs_attention`.
ATTENTION_REASONS = (
    ReasonKind.FEEDBACK,
    ReasonKind.REFLECTION,
    ReasonKind.AGREEMENTS,
    ReasonKind.DIVERGENCE,
)


@dataclass(frozen=True)
class Rules:
    """A school's reminder settings, as one pass reads them."""

    log_due_weekday: int = DEFAULTS.log_due_weekday
    module_start_days: int = DEFAULTS.module_start_days
    from_hour: int = DEFAULTS.reminders_from_hour
    until_hour: int = DEFAULTS.reminders_until_hour
    weekends: bool = DEFAULTS.reminders_on_weekends

    def open_at(self, local: datetime) -> bool:
        """Whether reminders may go out at this local moment."""
        if local.weekday() >= SATURDAY and not self.weekends:
            return False
        return self.from_hour <= local.hour < self.until_hour

    def next_day(self, today: date) -> date:
        """The next day reminders may go out: what falls up to then is announced today."""
        day = today + timedelta(days=1)
        while day.weekday() >= SATURDAY and not self.weekends:
            day += timedelta(days=1)
        return day


@dataclass
class ReminderReport:
    """What one pass decided: how many new reminders of each kind."""

    at: datetime
    schools: int = 0  # schools whose reminder hours were open
    placements: int = 0  # running placements looked at
    written: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.written.values())

    def as_numbers(self) -> dict[str, int]:
        """The schools and placements looked at, and the new reminders of each kind."""
        numbers = {"schools": self.schools, "placements": self.placements}
        numbers.update({str(kind): count for kind, count in sorted(self.written.items())})
        return numbers


@dataclass(frozen=True)
class _Placement:
    id: int
    school_id: int
    student_id: int
    mentor_id: int | None
    coach_id: int | None
    start_date: date
    end_date: date

    def owner(self, actor: Actor) -> int | None:
        return {
            Actor.STUDENT: self.student_id,
            Actor.MENTOR: self.mentor_id,
            Actor.COACH: self.coach_id,
        }[actor]


def decide(now: datetime) -> ReminderReport:
    """Write the reminders due at `now` (a moment with its time zone); commits."""
    report = ReminderReport(at=now)
    local = now.astimezone(LOCAL)
    today = local.date()
    rules = {school: r for school, r in _school_rules().items() if r.open_at(local)}
    report.schools = len(rules)
    if not rules:
        return report
    running = (
        select(Placement)
        .where(
            Placement.school_id.in_(rules),
            Placement.status == PlacementStatus.ACTIVE,
            Placement.start_date <= today,
            Placement.end_date >= today,
        )
        .order_by(Placement.id)
    )
    placements = _placements(running)
    report.placements = len(placements)
    # Mobilities abroad are reminded of their file before they start.
    pending: list[Pending] = _mobility_files(rules, today)
    if placements:
        ids = running.with_only_columns(Placement.id).order_by(None)
        pending += _weekly_logs(ids, placements, rules, today)
        pending += _caseload(running, placements, today)
        pending += _visits(ids, placements, rules, today)
        pending += _actions(ids, placements, rules, today)
        pending += _modules(ids, placements, rules, today)
    if pending:
        report.written = write(pending, now)
    return report


def _school_rules() -> dict[int, Rules]:
    """Every school's reminder settings, its own or the defaults (one query)."""
    rows = db.session.execute(
        select(
            Organisation.id,
            SchoolSettings.log_due_weekday,
            SchoolSettings.module_start_days,
            SchoolSettings.reminders_from_hour,
            SchoolSettings.reminders_until_hour,
            SchoolSettings.reminders_on_weekends,
        )
        .outerjoin(SchoolSettings, SchoolSettings.school_id == Organisation.id)
        .where(Organisation.kind == OrganisationKind.SCHOOL)
    )
    return {
        school_id: Rules(*values) if values[0] is not None else Rules()
        for school_id, *values in rows
    }


def _placements(running: Select) -> dict[int, _Placement]:
    rows = db.session.execute(
        running.with_only_columns(
            Placement.id,
            Placement.school_id,
            Placement.student_id,
            Placement.mentor_id,
            Placement.coach_id,
            Placement.start_date,
            Placement.end_date,
        )
    )
    return {row.id: _Placement(*row) for row in rows}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# -- the student's weekly log -----------------------------------------------------------


def _weekly_logs(ids, placements, rules, today: date) -> list[Pending]:
    """This week's log once it is due; last week's when it never came (one query)."""
    this_week = _monday(today)
    last_week = this_week - timedelta(days=7)
    handed_in = set(
        db.session.execute(
            select(LogEntry.placement_id, LogEntry.week_start).where(
                LogEntry.placement_id.in_(ids),
                LogEntry.kind == EntryKind.WEEKLY_LOG,
                LogEntry.week_start.in_([this_week, last_week]),
                LogEntry.review_status != ReviewStatus.DRAFT,
            )
        ).all()
    )
    pending = []
    for placement in placements.values():
        due_day = this_week + timedelta(days=rules[placement.school_id].log_due_weekday)
        if today >= due_day and (placement.id, this_week) not in handed_in:
            pending.append(_log_reminder(placement, NotificationKind.LOG_DUE, this_week))
        if placement.start_date <= last_week + timedelta(days=6) and (
            (placement.id, last_week) not in handed_in
        ):
            pending.append(_log_reminder(placement, NotificationKind.LOG_MISSING, last_week))
    return pending


def _log_reminder(placement: _Placement, kind: NotificationKind, week: date) -> Pending:
    return Pending(
        placement.student_id,
        kind,
        f"{kind}:{placement.id}:{week.isoformat()}",
        Target("followup.show_timeline", {"placement_id": placement.id}),
        {"week": week.isoformat()},
        placement.id,
        f"week:{week.isoformat()}",
    )


# -- what the caseload sees -------------------------------------------------------------


def _caseload(running: Select, placements, today: date) -> list[Pending]:
    """The mentor's silence, a visit overdue and the coach's reasons for attention, from
    the caseload's own assessment (its five queries).
    """
    pending = []
    for row in assess(running, today):
        placement = placements.get(row.placement_id)
        if placement is None or row.phase != "running":
            continue
        for reason in row.reasons:
            since = (today - timedelta(days=reason.age)).isoformat()
            if reason.kind is ReasonKind.FEEDBACK and placement.mentor_id:
                pending.append(
                    Pending(
                        placement.mentor_id,
                        NotificationKind.FEEDBACK_MISSING,
                        f"feedback_missing:{placement.id}:{since}",
                        Target(
                            "followup.create_entry",
                            {"placement_id": placement.id, "kind": EntryKind.FEEDBACK.value},
                        ),
                        {"days": reason.number},
                        placement.id,
                        "feedback",
                    )
                )
            if reason.kind is ReasonKind.VISIT and placement.coach_id:
                pending.append(
                    Pending(
                        placement.coach_id,
                        NotificationKind.VISIT_OVERDUE,
                        f"visit_overdue:{placement.id}:{since}",
                        Target("visits.plan_visit", {"placement_id": placement.id}),
                        {"weeks": reason.number, "no_visit_yet": reason.no_visit_yet},
                        placement.id,
                        "visits",
                    )
                )
            if reason.kind in ATTENTION_REASONS and placement.coach_id:
                period = "" if reason.kind is ReasonKind.DIVERGENCE else f":{since}"
                pending.append(
                    Pending(
                        placement.coach_id,
                        NotificationKind.NEEDS_ATTENTION,
                        f"attention:{placement.id}:{reason.kind}{period}",
                        _reason_target(placement.id, reason.kind),
                        {
                            "reason": str(reason.kind),
                            "number": reason.number,
                            "levels": reason.levels,
                        },
                        placement.id,
                        f"attention:{reason.kind}",
                    )
                )
    return pending


def _reason_target(placement_id: int, kind: ReasonKind) -> Target:
    """Where a reason is dealt with: the same places the caseload's badges lead to."""
    if kind is ReasonKind.DIVERGENCE:
        return Target("competences.show_matrix", {"placement_id": placement_id, "divergent": 1})
    if kind is ReasonKind.AGREEMENTS:
        return Target("plans.show_plan", {"placement_id": placement_id, "_anchor": "agreements"})
    entry_kind = EntryKind.FEEDBACK if kind is ReasonKind.FEEDBACK else EntryKind.WEEKLY_LOG
    return Target(
        "followup.show_timeline", {"placement_id": placement_id, "kind": entry_kind.value}
    )


# -- visits -----------------------------------------------------------------------------


def _visits(ids, placements, rules, today: date) -> list[Pending]:
    """Planned visits on the next reminder day, to the coach and who attends (one query)."""
    horizon = max(rule.next_day(today) for rule in rules.values())
    visits = db.session.execute(
        select(Visit.id, Visit.placement_id, Visit.planned_on, Visit.attendees).where(
            Visit.placement_id.in_(ids),
            Visit.status == VisitStatus.PLANNED,
            Visit.planned_on > today,
            Visit.planned_on <= horizon,
        )
    )
    pending = []
    for visit_id, placement_id, day, attendees in visits:
        placement = placements[placement_id]
        if day > rules[placement.school_id].next_day(today):
            continue
        people = {placement.coach_id} | {
            placement.owner(Actor(actor)) for actor in attendees if actor in ACTORS
        }
        pending += [
            Pending(
                user_id,
                NotificationKind.VISIT_TOMORROW,
                f"visit_tomorrow:{visit_id}:{day.isoformat()}",
                Target("visits.show_visit", {"placement_id": placement_id, "visit_id": visit_id}),
                {"visit_id": visit_id, "day": day.isoformat()},
                placement_id,
                f"visit:{visit_id}",
            )
            for user_id in sorted(people - {None})
        ]
    return pending


# -- actions and agreements -------------------------------------------------------------


def _actions(ids, placements, rules, today: date) -> list[Pending]:
    """Open actions and agreements due on the next reminder day or overdue, to their
    owner (one query).
    """
    horizon = max(rule.next_day(today) for rule in rules.values())
    actions = db.session.execute(
        select(Action.id, Action.placement_id, Action.goal_id, Action.owner, Action.due_date)
        .where(
            Action.placement_id.in_(ids),
            Action.state == ActionState.OPEN,
            Action.due_date.is_not(None),
            Action.due_date <= horizon,
            live_actions(),
        )
        .order_by(Action.id)
    )
    pending = []
    for action_id, placement_id, goal_id, owner, due in actions:
        placement = placements[placement_id]
        user_id = placement.owner(owner)
        if user_id is None or due == today:
            continue
        if due < today:
            kind = NotificationKind.ACTION_OVERDUE
        elif due <= rules[placement.school_id].next_day(today):
            kind = NotificationKind.ACTION_DUE
        else:
            continue
        if goal_id is None:
            target = Target(
                "plans.show_plan", {"placement_id": placement_id, "_anchor": "agreements"}
            )
        else:
            target = Target(
                "plans.show_goal",
                {
                    "placement_id": placement_id,
                    "goal_id": goal_id,
                    "_anchor": f"action-{action_id}",
                },
            )
        pending.append(
            Pending(
                user_id,
                kind,
                f"{kind}:{action_id}:{due.isoformat()}",
                target,
                {"action_id": action_id, "day": due.isoformat(), "agreement": goal_id is None},
                placement_id,
                f"action:{action_id}",
            )
        )
    return pending


# -- mentors' training ------------------------------------------------------------------


def _modules(ids, placements, rules, today: date) -> list[Pending]:
    """Modules recommended to a placement's mentor that the mentor has not opened for the
    school's N days (one query).
    """
    shortest = min(rule.module_start_days for rule in rules.values())
    latest = datetime.combine(today - timedelta(days=shortest - 1), datetime.min.time(), LOCAL)
    recommendations = db.session.execute(
        select(
            Recommendation.id,
            Recommendation.placement_id,
            Recommendation.mentor_id,
            Recommendation.module_id,
            Recommendation.created_at,
        )
        .join(Placement, Placement.id == Recommendation.placement_id)
        .outerjoin(
            ModuleProgress,
            and_(
                ModuleProgress.user_id == Recommendation.mentor_id,
                ModuleProgress.module_id == Recommendation.module_id,
            ),
        )
        .where(
            Recommendation.placement_id.in_(ids),
            Recommendation.mentor_id == Placement.mentor_id,
            Recommendation.created_at < latest.astimezone(UTC),
            ModuleProgress.id.is_(None),
        )
    )
    pending = []
    for recommendation_id, placement_id, mentor_id, module_id, created_at in recommendations:
        placement = placements[placement_id]
        waited = (today - created_at.astimezone(LOCAL).date()).days
        if waited < rules[placement.school_id].module_start_days:
            continue
        pending.append(
            Pending(
                mentor_id,
                NotificationKind.MODULE_NOT_STARTED,
                f"module_not_started:{recommendation_id}",
                Target("training.show_module", {"module_id": module_id}),
                {"module_id": module_id, "days": waited},
                placement_id,
                f"module:{module_id}",
            )
        )
    return pending


# -- mobility files ---------------------------------------------------------------------


def _mobility_files(rules, today: date) -> list[Pending]:
    """The missing items of the files of mobilities that have not started: to whoever
    delivers them, once when the deadline is `MOBILITY_DAYS_AHEAD` days away or less, and
    once when it has passed (five queries).
    """
    placements = db.session.scalars(
        select(Placement)
        .options(joinedload(Placement.student))
        .where(
            Placement.school_id.in_(rules),
            Placement.kind == PlacementKind.MOBILITY_ABROAD,
            Placement.status.in_((PlacementStatus.PREPARING, PlacementStatus.ACTIVE)),
            Placement.start_date > today,
        )
        .order_by(Placement.id)
    ).all()
    files = mobility.files_of(placements)
    companies = mobility.company_recipients(files.values())
    pending = []
    for placement_id, found in files.items():
        for item in found.missing:
            if item.deadline < today:
                kind = NotificationKind.MOBILITY_ITEM_OVERDUE
            elif (item.deadline - today).days <= MOBILITY_DAYS_AHEAD:
                kind = NotificationKind.MOBILITY_ITEM_DUE
            else:
                continue
            for user_id in sorted(mobility.owners_of(found, item, companies)):
                if item.owner is ItemOwner.COMPANY:
                    target = Target("mobility.company_approval", {"placement_id": placement_id})
                else:
                    target = Target(
                        "mobility.show_file",
                        {"placement_id": placement_id, "_anchor": f"item-{item.kind}"},
                    )
                pending.append(
                    Pending(
                        user_id,
                        kind,
                        f"{kind}:{placement_id}:{item.kind}:{item.deadline.isoformat()}",
                        target,
                        {"item": str(item.kind), "day": item.deadline.isoformat()},
                        placement_id,
                        f"mobility:{item.kind}",
                    )
                )
    return pending
