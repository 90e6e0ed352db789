"""The caseload: which running placements need attention, and why.

The numbers come from the database in a fixed number of grouped queries (the placements
with their school's thresholds, the log, the registrations, the visits, the visit
agreements), whatever the number of placements or log entries: every query returns at
most one row per placement, and no entry is loaded into memory. Python then compares
each placement's row with its school's thresholds, and sorts.

A placement needs attention only while it runs (status active, start ≤ today ≤ end).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import joinedload

from app.dates import SHORT_DAY_MONTH, format_day, local_day
from app.domain import diverges
from app.extensions import db
from app.models import (
    HELD_STATUSES,
    Action,
    ActionState,
    Actor,
    EntryKind,
    LogEntry,
    Organisation,
    Placement,
    PlacementKind,
    PlacementStatus,
    Registration,
    SchoolSettings,
    User,
    Visit,
    VisitStatus,
    live_actions,
)
from app.models.visits import awaiting_confirmation
from app.spreadsheets import SpreadsheetWriter

DEFAULTS = SchoolSettings.defaults(0)
# A wellbeing check-in this low (of 5) is a reason for attention by itself.
LOW_WELLBEING = 2


class ReasonKind(enum.StrEnum):
    """Why a running placement needs attention, most pressing first."""

    CONCERNS = "concerns"
    WELLBEING = "wellbeing"
    FEEDBACK = "feedback"
    REFLECTION = "reflection"
    VISIT = "visit"
    AGREEMENTS = "agreements"
    DIVERGENCE = "divergence"
    # Not running although it should have started: still in preparation.
    PREPARATION = "preparation"


# Each reason in a word or two, to filter the overview on.
REASON_LABELS = {
    ReasonKind.CONCERNS: _l("Open concerns"),
    ReasonKind.WELLBEING: _l("Low wellbeing"),
    ReasonKind.FEEDBACK: _l("No feedback from the mentor"),
    ReasonKind.REFLECTION: _l("No reflection from the student"),
    ReasonKind.VISIT: _l("Visit overdue"),
    ReasonKind.AGREEMENTS: _l("Agreements overdue"),
    ReasonKind.DIVERGENCE: _l("Scored differently"),
    ReasonKind.PREPARATION: _l("Still in preparation"),
}


class Group(enum.StrEnum):
    """Where a placement stands in the caseload, in the order the list shows them."""

    ATTENTION = "attention"
    FINE = "fine"
    UPCOMING = "upcoming"
    ENDED = "ended"


@dataclass(frozen=True)
class Thresholds:
    """A school's thresholds (SchoolSettings), as read with each placement."""

    feedback_days: int = DEFAULTS.feedback_days
    reflection_days: int = DEFAULTS.reflection_days
    divergence_levels: int = DEFAULTS.divergence_levels
    visit_interval_weeks: int = DEFAULTS.visit_interval_weeks


@dataclass(frozen=True)
class Reason:
    """One reason for attention and the number the reader sees with it.

    `age` is how many days the problem has lasted, so the oldest problem sorts first.
    """

    kind: ReasonKind
    number: int
    age: int = 0
    levels: int = 0  # divergence: the school's threshold
    no_visit_yet: bool = False  # visit: counted from the start, not from a visit
    # wellbeing: the latest check-ins, oldest first (one when it is low, three falling)
    trail: tuple[int, ...] = ()

    def url(self, placement_id: int) -> str:
        """Where the reason is dealt with (the caseload and the visit agenda link it)."""
        match self.kind:
            case ReasonKind.DIVERGENCE:
                return url_for("competences.show_matrix", placement_id=placement_id, divergent=1)
            case ReasonKind.CONCERNS:
                return url_for("followup.show_timeline", placement_id=placement_id, kind="concern")
            case ReasonKind.FEEDBACK:
                return url_for("followup.show_timeline", placement_id=placement_id, kind="feedback")
            case ReasonKind.REFLECTION | ReasonKind.WELLBEING:
                return url_for(
                    "followup.show_timeline", placement_id=placement_id, kind="weekly_log"
                )
            case ReasonKind.PREPARATION:
                return url_for("placements.show_placement", placement_id=placement_id)
            case ReasonKind.AGREEMENTS:
                return url_for("plans.show_plan", placement_id=placement_id) + "#agreements"
        return url_for("visits.list_visits", placement_id=placement_id)

    def facts(self) -> dict:
        """The reason as plain data (kept with a final visit report's agenda)."""
        return {
            "reason": self.kind.value,
            "number": self.number,
            "levels": self.levels,
            "no_visit_yet": self.no_visit_yet,
            "trail": list(self.trail),
        }

    @classmethod
    def from_facts(cls, facts: dict) -> Reason:
        return cls(
            ReasonKind(facts["reason"]),
            facts["number"],
            levels=facts.get("levels", 0),
            no_visit_yet=facts.get("no_visit_yet", False),
            trail=tuple(facts.get("trail", ())),
        )

    @property
    def text(self) -> str:
        """The reason as a short line, in the reader's language."""
        n = self.number
        if self.kind is ReasonKind.CONCERNS:
            return ngettext("%(num)d open concern", "%(num)d open concerns", n)
        if self.kind is ReasonKind.WELLBEING:
            if len(self.trail) > 1:
                return _(
                    "Wellbeing falling two weeks in a row: %(levels)s of 5",
                    levels=" → ".join(str(level) for level in self.trail),
                )
            return _("Low wellbeing: %(num)d of 5 in the latest week", num=n)
        if self.kind is ReasonKind.FEEDBACK:
            return ngettext(
                "No feedback from the mentor for %(num)d day",
                "No feedback from the mentor for %(num)d days",
                n,
            )
        if self.kind is ReasonKind.REFLECTION:
            return ngettext(
                "No reflection from the student for %(num)d day",
                "No reflection from the student for %(num)d days",
                n,
            )
        if self.kind is ReasonKind.VISIT:
            if self.no_visit_yet:
                return ngettext(
                    "Visit overdue: no visit yet, started %(num)d week ago",
                    "Visit overdue: no visit yet, started %(num)d weeks ago",
                    n,
                )
            return ngettext(
                "Visit overdue: last visit %(num)d week ago",
                "Visit overdue: last visit %(num)d weeks ago",
                n,
            )
        if self.kind is ReasonKind.AGREEMENTS:
            return ngettext("%(num)d agreement overdue", "%(num)d agreements overdue", n)
        if self.kind is ReasonKind.PREPARATION:
            return ngettext(
                "Still in preparation, %(num)d day after its start",
                "Still in preparation, %(num)d days after its start",
                n,
            )
        if self.levels <= 1:
            return ngettext(
                "%(num)d indicator is scored differently",
                "%(num)d indicators are scored differently",
                n,
            )
        return ngettext(
            "%(num)d indicator differs by %(levels)d levels or more",
            "%(num)d indicators differ by %(levels)d levels or more",
            n,
            levels=self.levels,
        )


@dataclass
class CaseloadRow:
    """One placement in the caseload: where it stands, its numbers and its reasons.

    The numbers are None (or 0) for a placement that is not running.
    """

    placement_id: int
    # running, upcoming, ended, preparing, completed or stopped (as Placement.phase_on,
    # except that a placement still in preparation after its end date counts as ended)
    phase: str
    student_name: str
    start_date: date
    end_date: date
    thresholds: Thresholds
    days_without_feedback: int | None = None
    days_without_reflection: int | None = None
    divergent_indicators: int = 0
    open_concerns: int = 0
    last_visit_on: date | None = None
    # the coach's latest visit held or entry written in the log
    last_contact_on: date | None = None
    next_visit_on: date | None = None
    overdue_agreements: int = 0
    reasons: list[Reason] = field(default_factory=list)
    placement: Placement | None = None  # loaded for the rows that are shown
    # A minor's placement the school's rule asks a guardian's approval for, without one.
    approval_missing: bool = False

    @property
    def group(self) -> Group:
        if self.phase == "running":
            return Group.ATTENTION if self.reasons else Group.FINE
        if self.phase == "preparing":  # late to start when it has a reason
            return Group.ATTENTION if self.reasons else Group.UPCOMING
        if self.phase == "upcoming":
            return Group.UPCOMING
        return Group.ENDED

    @property
    def problem_age(self) -> int:
        return max((reason.age for reason in self.reasons), default=0)

    @property
    def status(self) -> str:
        """The traffic light of the table (the rule is in docs/caseload.md): "red" for an
        open concern, low or falling wellbeing, or three reasons or more; "amber" for
        any other reason; "green" for a running placement without one; "none" for a
        placement that does not run.
        """
        if self.reasons:
            urgent = {ReasonKind.CONCERNS, ReasonKind.WELLBEING}
            if len(self.reasons) >= 3 or any(reason.kind in urgent for reason in self.reasons):
                return "red"
            return "amber"
        return "green" if self.phase == "running" else "none"

    def has_reason(self, kind: ReasonKind) -> bool:
        return any(reason.kind is kind for reason in self.reasons)

    def visit_planned_text(self) -> str:
        """The next planned visit, shown as information: it keeps the visit in hand."""
        return _("Visit planned on %(date)s", date=format_day(self.next_visit_on, SHORT_DAY_MONTH))


@dataclass
class CaseloadPage:
    """A page of the sorted caseload, with the counts over the whole caseload."""

    items: list[CaseloadRow]
    page: int
    per_page: int
    total: int
    counts: dict[Group, int]

    @property
    def size(self) -> int:
        """How many placements the caseload holds, listed here or not."""
        return sum(self.counts.values())

    @property
    def running(self) -> int:
        return self.counts[Group.ATTENTION] + self.counts[Group.FINE]

    @property
    def attention(self) -> int:
        return self.counts[Group.ATTENTION]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1

    def groups(self) -> list[tuple[Group, list[CaseloadRow]]]:
        """The rows of this page by group, in the list's order."""
        found: dict[Group, list[CaseloadRow]] = {}
        for row in self.items:
            found.setdefault(row.group, []).append(row)
        return [(group, found[group]) for group in Group if group in found]


# -- reading the numbers ----------------------------------------------------------------


def phase_of(status: PlacementStatus, start: date, end: date, today: date) -> str:
    """Where a placement stands on `today` (the same rule as `Placement.phase_on`, but a
    placement still in preparation after its end date is over all the same).
    """
    if status == PlacementStatus.PREPARING and today > end:
        return "ended"
    if status != PlacementStatus.ACTIVE:
        return status.value
    if today < start:
        return "upcoming"
    if today > end:
        return "ended"
    return "running"


def _ids(placements: Select) -> Select:
    return placements.with_only_columns(Placement.id).order_by(None)


def _running(placements: Select, today: date) -> Select:
    return select(Placement.id).where(
        Placement.id.in_(_ids(placements)),
        Placement.status == PlacementStatus.ACTIVE,
        Placement.start_date <= today,
        Placement.end_date >= today,
    )


def _local_day(moment: datetime | None) -> date | None:
    """Days are counted on the calendar where the school is, not in UTC."""
    return local_day(moment) if moment is not None else None


def _latest(*days: date | None) -> date | None:
    known = [day for day in days if day is not None]
    return max(known) if known else None


def _base_rows(placements: Select, today: date) -> dict[int, CaseloadRow]:
    """Every placement with its student's name and its school's thresholds (one query)."""
    rows = db.session.execute(
        select(
            Placement.id,
            Placement.status,
            Placement.start_date,
            Placement.end_date,
            User.name,
            func.coalesce(SchoolSettings.feedback_days, DEFAULTS.feedback_days),
            func.coalesce(SchoolSettings.reflection_days, DEFAULTS.reflection_days),
            func.coalesce(SchoolSettings.divergence_levels, DEFAULTS.divergence_levels),
            func.coalesce(SchoolSettings.visit_interval_weeks, DEFAULTS.visit_interval_weeks),
        )
        .join(User, User.id == Placement.student_id)
        .outerjoin(SchoolSettings, SchoolSettings.school_id == Placement.school_id)
        .where(Placement.id.in_(_ids(placements)))
    )
    found = {
        placement_id: CaseloadRow(
            placement_id=placement_id,
            phase=phase_of(status, start, end, today),
            student_name=name,
            start_date=start,
            end_date=end,
            thresholds=Thresholds(*limits),
        )
        for placement_id, status, start, end, name, *limits in rows
    }
    for row in found.values():
        if row.phase == "preparing" and today >= row.start_date:
            late = (today - row.start_date).days
            row.reasons = [Reason(ReasonKind.PREPARATION, late, late)]
    return found


def _log_numbers(running: Select):
    """Per running placement, each counted from the event it is about (one pass over the
    log): the mentor's latest feedback and review, the student's latest hand-in of a
    weekly log, the coach's latest entry, and the open concerns.

    A weekly log's `updated_at` is never used: a mentor's review changes the row too, and
    must not look like the student writing.
    """
    mentor_feedback = and_(
        LogEntry.kind == EntryKind.FEEDBACK, LogEntry.author_role == Actor.MENTOR
    )
    weekly = LogEntry.kind == EntryKind.WEEKLY_LOG
    by_coach = LogEntry.author_role == Actor.COACH
    open_concern = and_(LogEntry.kind == EntryKind.CONCERN, LogEntry.resolved_at.is_(None))
    return db.session.execute(
        select(
            LogEntry.placement_id,
            func.max(case((mentor_feedback, LogEntry.created_at))),
            func.max(case((weekly, LogEntry.reviewed_at))),
            func.max(case((weekly, LogEntry.submitted_at))),
            func.max(case((by_coach, LogEntry.created_at))),
            func.count(case((open_concern, LogEntry.id))),
            func.min(case((open_concern, LogEntry.created_at))),
        )
        .where(LogEntry.placement_id.in_(running))
        .group_by(LogEntry.placement_id)
    )


def _wellbeing(running: Select, visible: Select):
    """Per running placement whose wellbeing the reader may see (`visible`, a select of
    placement ids from the policy): the last three check-ins of handed-in weekly logs,
    latest first (one row per placement).
    """
    ranked = (
        select(
            LogEntry.placement_id.label("placement_id"),
            LogEntry.wellbeing.label("level"),
            func.row_number()
            .over(partition_by=LogEntry.placement_id, order_by=LogEntry.week_start.desc())
            .label("rank"),
        )
        .where(
            LogEntry.placement_id.in_(running),
            LogEntry.placement_id.in_(visible),
            LogEntry.kind == EntryKind.WEEKLY_LOG,
            LogEntry.submitted_at.is_not(None),
            LogEntry.wellbeing.is_not(None),
        )
        .subquery()
    )
    return db.session.execute(
        select(
            ranked.c.placement_id,
            *(func.max(case((ranked.c.rank == n, ranked.c.level))) for n in (1, 2, 3)),
        )
        .where(ranked.c.rank <= 3)
        .group_by(ranked.c.placement_id)
    )


def wellbeing_reason(latest: int | None, before: int | None, earlier: int | None):
    """Low (2 or less of 5) or falling two weeks in a row: the last three check-ins each
    lower than the one before. None when neither.
    """
    if latest is None:
        return None
    if None not in (before, earlier) and earlier > before > latest:
        return Reason(ReasonKind.WELLBEING, latest, trail=(earlier, before, latest))
    if latest <= LOW_WELLBEING:
        return Reason(ReasonKind.WELLBEING, latest, trail=(latest,))
    return None


def _divergences(running: Select):
    """Per running placement: how many indicators the trio's latest levels (in the
    placement's framework) put at least the school's `divergence_levels` apart.
    """
    latest = (
        select(func.max(Registration.id))
        .join(Placement, Placement.id == Registration.placement_id)
        .where(
            Registration.placement_id.in_(running),
            Registration.framework_id == Placement.framework_id,
        )
        .group_by(Registration.placement_id, Registration.actor, Registration.indicator_id)
    )
    spread = (
        select(
            Registration.placement_id.label("placement_id"),
            (func.max(Registration.level) - func.min(Registration.level)).label("spread"),
        )
        .where(Registration.id.in_(latest), Registration.level.is_not(None))
        .group_by(Registration.placement_id, Registration.indicator_id)
        .subquery()
    )
    return db.session.execute(
        select(spread.c.placement_id, func.count())
        .join(Placement, Placement.id == spread.c.placement_id)
        .outerjoin(SchoolSettings, SchoolSettings.school_id == Placement.school_id)
        .where(
            diverges(
                spread.c.spread,
                func.coalesce(SchoolSettings.divergence_levels, DEFAULTS.divergence_levels),
            )
        )
        .group_by(spread.c.placement_id)
    )


def _visit_numbers(running: Select, today: date):
    """Per running placement: the last visit held and the next visit planned."""
    held_on = func.coalesce(Visit.held_on, Visit.planned_on)
    to_come = and_(Visit.status == VisitStatus.PLANNED, Visit.planned_on >= today)
    return db.session.execute(
        select(
            Visit.placement_id,
            func.max(case((Visit.status.in_(HELD_STATUSES), held_on))),
            func.min(case((to_come, Visit.planned_on))),
        )
        .where(Visit.placement_id.in_(running))
        .group_by(Visit.placement_id)
    )


def _overdue_agreements(running: Select, today: date):
    """Per running placement: the open agreements of visits past their due date."""
    return db.session.execute(
        select(Action.placement_id, func.count(), func.min(Action.due_date))
        .where(
            Action.placement_id.in_(running),
            Action.visit_id.is_not(None),
            Action.state == ActionState.OPEN,
            Action.due_date < today,
            live_actions(),
        )
        .group_by(Action.placement_id)
    )


# -- deciding ---------------------------------------------------------------------------


def assess(
    placements: Select, today: date, *, wellbeing: Select | None = None
) -> list[CaseloadRow]:
    """Every placement of `placements` (a select of Placement) with its reasons for
    attention on `today`, sorted as the caseload shows them: most reasons first, then
    the longest-lasting problem, then the student's name; then the running placements
    without reasons, the upcoming ones and the ended ones.

    Wellbeing is private: it is a reason only for the placements of `wellbeing` (a
    select of placement ids whose check-ins the reader may see, from
    `policy.wellbeing_placements`); None leaves it out.

    Five queries, six with wellbeing, whatever the number of placements and entries.
    """
    rows = _base_rows(placements, today)
    if any(row.phase == "running" for row in rows.values()):
        running = _running(placements, today)
        feedback: dict[int, date | None] = {}
        reflection: dict[int, date | None] = {}
        concern_since: dict[int, date | None] = {}
        coach_wrote: dict[int, date | None] = {}
        for (
            placement_id,
            fed_back,
            reviewed,
            handed_in,
            by_coach,
            concerns,
            oldest,
        ) in _log_numbers(running):
            feedback[placement_id] = _latest(_local_day(fed_back), _local_day(reviewed))
            reflection[placement_id] = _local_day(handed_in)
            coach_wrote[placement_id] = _local_day(by_coach)
            rows[placement_id].open_concerns = concerns
            concern_since[placement_id] = _local_day(oldest)
        moods: dict[int, Reason] = {}
        if wellbeing is not None:
            for placement_id, *levels in _wellbeing(running, wellbeing):
                if (reason := wellbeing_reason(*levels)) is not None:
                    moods[placement_id] = reason
        for placement_id, count in _divergences(running):
            rows[placement_id].divergent_indicators = count
        for placement_id, last, upcoming in _visit_numbers(running, today):
            rows[placement_id].last_visit_on = last
            rows[placement_id].next_visit_on = upcoming
        agreements_due: dict[int, date] = {}
        for placement_id, count, oldest_due in _overdue_agreements(running, today):
            rows[placement_id].overdue_agreements = count
            agreements_due[placement_id] = oldest_due
        for row in rows.values():
            if row.phase == "running":
                row.last_contact_on = _latest(row.last_visit_on, coach_wrote.get(row.placement_id))
                _decide(
                    row,
                    today,
                    feedback=feedback.get(row.placement_id),
                    reflection=reflection.get(row.placement_id),
                    concern_since=concern_since.get(row.placement_id),
                    agreements_due=agreements_due.get(row.placement_id),
                    mood=moods.get(row.placement_id),
                )
    return sorted(rows.values(), key=_sort_key)


def _decide(
    row: CaseloadRow,
    today: date,
    *,
    feedback: date | None,
    reflection: date | None,
    concern_since: date | None,
    agreements_due: date | None,
    mood: Reason | None = None,
) -> None:
    """Compare a running placement's numbers with its school's thresholds.

    Silence is counted from the latest sign of life, or from the start when there is
    none (an entry written before the start does not make the silence longer).
    """
    limits = row.thresholds
    row.days_without_feedback = (today - _latest(feedback, row.start_date)).days
    row.days_without_reflection = (today - _latest(reflection, row.start_date)).days
    reasons = []
    if row.open_concerns:
        age = (today - concern_since).days if concern_since else 0
        reasons.append(Reason(ReasonKind.CONCERNS, row.open_concerns, age))
    if mood is not None:
        reasons.append(mood)
    if row.days_without_feedback >= limits.feedback_days:
        days = row.days_without_feedback
        reasons.append(Reason(ReasonKind.FEEDBACK, days, days))
    if row.days_without_reflection >= limits.reflection_days:
        days = row.days_without_reflection
        reasons.append(Reason(ReasonKind.REFLECTION, days, days))
    since_visit = (today - _latest(row.last_visit_on, row.start_date)).days
    if row.next_visit_on is None and since_visit >= 7 * limits.visit_interval_weeks:
        reasons.append(
            Reason(
                ReasonKind.VISIT,
                since_visit // 7,
                since_visit,
                no_visit_yet=row.last_visit_on is None,
            )
        )
    if row.overdue_agreements:
        age = (today - agreements_due).days if agreements_due else 0
        reasons.append(Reason(ReasonKind.AGREEMENTS, row.overdue_agreements, age))
    if row.divergent_indicators:
        reasons.append(
            Reason(
                ReasonKind.DIVERGENCE,
                row.divergent_indicators,
                levels=limits.divergence_levels,
            )
        )
    row.reasons = reasons


GROUP_ORDER = {group: rank for rank, group in enumerate(Group)}


def _sort_key(row: CaseloadRow) -> tuple:
    group = row.group
    if group is Group.ATTENTION:
        first, second = -len(row.reasons), -row.problem_age
    elif group is Group.UPCOMING:
        first, second = row.start_date.toordinal(), 0
    elif group is Group.ENDED:
        first, second = -row.end_date.toordinal(), 0
    else:
        first, second = 0, 0
    return (GROUP_ORDER[group], first, second, row.student_name.casefold(), row.placement_id)


# -- the table's order -------------------------------------------------------------------

# The columns the table sorts on; "status" is the caseload's own order.
SORTS = ("status", "name", "contact", "visit")
STATUS_ORDER = {"red": 0, "amber": 1, "green": 2, "none": 3}


def sort_rows(rows: list[CaseloadRow], sort: str, descending: bool) -> list[CaseloadRow]:
    """`rows` (in the caseload's order) sorted on a column of the table. Status ascending
    puts red first, then amber, green and not running, each in the caseload's order;
    last contact ascending puts the longest without contact first (never first of all);
    next visit ascending the soonest first (none planned last). Ties keep the
    caseload's order.
    """
    if sort == "status":
        ordered = sorted(rows, key=lambda row: STATUS_ORDER[row.status])
    elif sort == "name":
        ordered = sorted(rows, key=lambda row: row.student_name.casefold())
    elif sort == "contact":
        ordered = sorted(rows, key=lambda row: row.last_contact_on or date.min)
    elif sort == "visit":
        ordered = sorted(rows, key=lambda row: row.next_visit_on or date.max)
    else:
        ordered = list(rows)
    return ordered[::-1] if descending else ordered


# -- pages and exports ------------------------------------------------------------------

# The people's names and organisations, in the same query; not their memberships, which
# a User loads by default in a query per role (and per 500 people).
CARD_LOADING = (
    joinedload(Placement.student).lazyload(User.memberships),
    joinedload(Placement.mentor).lazyload(User.memberships),
    joinedload(Placement.coach).lazyload(User.memberships),
    joinedload(Placement.school),
    joinedload(Placement.workplace),
)


def load_placements(rows: list[CaseloadRow], placements: Select | None = None) -> None:
    """Attach each row's placement, with its people and organisations (one query).

    Pass `placements` (the select the rows came from) when the rows are many, so the
    query names the set rather than every id.
    """
    if not rows:
        return
    which = (
        Placement.id.in_(_ids(placements))
        if placements is not None
        else Placement.id.in_([row.placement_id for row in rows])
    )
    found = {
        placement.id: placement
        for placement in db.session.scalars(
            select(Placement).where(which).options(*CARD_LOADING)
        ).unique()
    }
    for row in rows:
        row.placement = found[row.placement_id]


def flag_missing_approvals(rows: list[CaseloadRow], missing: set[int]) -> None:
    """Mark the rows whose placement waits for a guardian's approval: `missing`, from
    `minors.missing_approvals` (the home page checks its cards with the same call).
    """
    for row in rows:
        row.approval_missing = row.placement_id in missing


def caseload_page(rows: list[CaseloadRow], *, page: int, per_page: int) -> CaseloadPage:
    """One page of sorted rows, their placements loaded; counts over all rows."""
    counts = dict.fromkeys(Group, 0)
    for row in rows:
        counts[row.group] += 1
    pages = max(1, math.ceil(len(rows) / per_page))
    page = min(max(page, 1), pages)
    items = rows[(page - 1) * per_page : page * per_page]
    load_placements(items)
    return CaseloadPage(items=items, page=page, per_page=per_page, total=len(rows), counts=counts)


def coach_caseload(
    placements: Select, today: date, *, limit: int, wellbeing: Select | None = None
) -> CaseloadPage | None:
    """The home page's caseload of a coach: running and upcoming placements, at most
    `limit`; None when `placements` is empty (the user coaches nothing).
    """
    rows = assess(placements, today, wellbeing=wellbeing)
    if not rows:
        return None
    current = [row for row in rows if row.group is not Group.ENDED]
    shown = caseload_page(current, page=1, per_page=limit)
    shown.counts[Group.ENDED] = len(rows) - len(current)
    return shown


def attention_count(placements: Select, today: date, *, wellbeing: Select | None = None) -> int:
    """How many placements of `placements` need attention (the caseload's five or six
    queries): the number on a coordinator's home page.
    """
    return sum(
        row.group is Group.ATTENTION for row in assess(placements, today, wellbeing=wellbeing)
    )


# -- what a company can act on ----------------------------------------------------------


@dataclass(frozen=True)
class CompanySignal:
    """Something at the workplace a company coordinator can act on, as a count: never
    the log's content, the student's wellbeing or a note meant for the school.
    """

    kind: str  # "feedback", "report" or "agreements"
    number: int

    @property
    def text(self) -> str:
        n = self.number
        if self.kind == "feedback":
            return ngettext(
                "No feedback from the mentor for %(num)d day",
                "No feedback from the mentor for %(num)d days",
                n,
            )
        if self.kind == "report":
            return ngettext(
                "Visit report waiting for the mentor",
                "%(num)d visit reports waiting for the mentor",
                n,
            )
        return ngettext(
            "%(num)d agreement of the mentor overdue",
            "%(num)d agreements of the mentor overdue",
            n,
        )


def company_signals(placements: Select, today: date) -> dict[int, list[CompanySignal]]:
    """Per running placement of `placements` (from `policy.company_placements`): the
    mentor's silence (the caseload's own rule and thresholds), visit reports made final
    that the mentor has not confirmed, and visit agreements the mentor owns that are
    overdue. The caseload's queries without wellbeing, and two grouped ones.
    """
    found: dict[int, list[CompanySignal]] = {}
    running_ids = set()
    for row in assess(placements, today):
        if row.phase != "running":
            continue
        running_ids.add(row.placement_id)
        for reason in row.reasons:
            if reason.kind is ReasonKind.FEEDBACK:
                found.setdefault(row.placement_id, []).append(
                    CompanySignal("feedback", reason.number)
                )
    if not running_ids:
        return found
    running = _running(placements, today)
    waiting = db.session.execute(
        select(Visit.placement_id, func.count())
        .where(Visit.placement_id.in_(running), awaiting_confirmation(Actor.MENTOR))
        .group_by(Visit.placement_id)
    )
    for placement_id, count in waiting:
        found.setdefault(placement_id, []).append(CompanySignal("report", count))
    overdue = db.session.execute(
        select(Action.placement_id, func.count())
        .where(
            Action.placement_id.in_(running),
            Action.visit_id.is_not(None),
            Action.owner == Actor.MENTOR,
            Action.state == ActionState.OPEN,
            Action.due_date < today,
            live_actions(),
        )
        .group_by(Action.placement_id)
    )
    for placement_id, count in overdue:
        found.setdefault(placement_id, []).append(CompanySignal("agreements", count))
    return found


# -- the coordinator's filters ----------------------------------------------------------


@dataclass
class Filters:
    """What the overview is narrowed to; None is "all"."""

    coach_id: int | None = None
    workplace_id: int | None = None
    kind: PlacementKind | None = None
    programme: str | None = None
    # applied to the assessed rows (`keep`), not to the select
    name: str | None = None  # part of the student's name
    reason: ReasonKind | None = None

    def apply(self, placements: Select) -> Select:
        if self.coach_id is not None:
            placements = placements.where(Placement.coach_id == self.coach_id)
        if self.workplace_id is not None:
            placements = placements.where(Placement.workplace_id == self.workplace_id)
        if self.kind is not None:
            placements = placements.where(Placement.kind == self.kind)
        if self.programme is not None:
            placements = placements.where(Placement.programme == self.programme)
        return placements

    def keep(self, rows: list[CaseloadRow]) -> list[CaseloadRow]:
        """The assessed rows whose student's name holds `name` and that have `reason`.

        Both are read from the rows the caseload computed anyway: a condition on the
        name inside the grouped queries made PostgreSQL plan them badly.
        """
        if self.name:
            needle = self.name.casefold()
            rows = [row for row in rows if needle in row.student_name.casefold()]
        if self.reason is not None:
            rows = [row for row in rows if row.has_reason(self.reason)]
        return rows


@dataclass
class FilterChoices:
    """What the overview can be narrowed to, drawn from the placements themselves."""

    coaches: list[tuple[int, str]]
    workplaces: list[tuple[int, str]]
    kinds: list[PlacementKind]
    programmes: list[str]


def filter_choices(placements: Select) -> FilterChoices:
    """The coaches, workplaces, kinds and programmes found in `placements` (three queries)."""
    ids = _ids(placements)
    coaches = db.session.execute(
        select(User.id, User.name)
        .where(User.id.in_(select(Placement.coach_id).where(Placement.id.in_(ids))))
        .order_by(User.name, User.id)
    ).all()
    workplaces = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(select(Placement.workplace_id).where(Placement.id.in_(ids))))
        .order_by(Organisation.name, Organisation.id)
    ).all()
    kinds_and_programmes = db.session.execute(
        select(Placement.kind, Placement.programme).where(Placement.id.in_(ids)).distinct()
    ).all()
    kinds = {kind for kind, _programme in kinds_and_programmes}
    return FilterChoices(
        coaches=[tuple(row) for row in coaches],
        workplaces=[tuple(row) for row in workplaces],
        kinds=[kind for kind in PlacementKind if kind in kinds],
        programmes=sorted(
            {programme for _kind, programme in kinds_and_programmes if programme},
            key=str.casefold,
        ),
    )


# -- CSV --------------------------------------------------------------------------------


def phase_label(row: CaseloadRow) -> str:
    labels = {
        "running": _("Running"),
        "upcoming": _("Upcoming"),
        "ended": _("Ended"),
        "preparing": PlacementStatus.PREPARING.label,
        "completed": PlacementStatus.COMPLETED.label,
        "stopped": PlacementStatus.STOPPED.label,
    }
    return str(labels[row.phase])


def caseload_csv(
    placements: Select, today: date, *, wellbeing: Select | None = None, keep=None
) -> str:
    """The caseload of `placements` on `today` as CSV for a spreadsheet, in the caseload's
    order and the reader's language, with a BOM so spreadsheet programs read it as UTF-8.
    """
    rows = assess(placements, today, wellbeing=wellbeing)
    if keep is not None:  # the overview's filter on a reason
        rows = keep(rows)
    load_placements(rows, placements)
    writer = SpreadsheetWriter()
    writer.writerow(
        [
            _("Student"),
            _("School"),
            _("Workplace"),
            _("Mentor"),
            _("Coach"),
            _("Kind"),
            _("Programme"),
            _("Cohort"),
            _("Start"),
            _("End"),
            _("Phase"),
            _("Needs attention"),
            _("Reasons"),
            _("Days without mentor feedback"),
            _("Days without student reflection"),
            _("Indicators that differ"),
            _("Open concerns"),
            _("Last visit"),
            _("Next visit planned"),
            _("Overdue agreements"),
        ]
    )
    for row in rows:
        placement = row.placement

        def number(value, row=row):
            """Numbers are measured for running placements only; blank for the others."""
            return "" if row.phase != "running" or value is None else value

        writer.writerow(
            (
                placement.student.name,
                placement.school.name,
                placement.workplace.name,
                placement.mentor.name,
                placement.coach.name,
                placement.kind.label,
                placement.programme,
                placement.cohort,
                placement.start_date.isoformat(),
                placement.end_date.isoformat(),
                phase_label(row),
                _("yes") if row.reasons else "",
                " | ".join(reason.text for reason in row.reasons),
                number(row.days_without_feedback),
                number(row.days_without_reflection),
                number(row.divergent_indicators),
                number(row.open_concerns),
                number(row.last_visit_on.isoformat() if row.last_visit_on else None),
                number(row.next_visit_on.isoformat() if row.next_visit_on else None),
                number(row.overdue_agreements),
            )
        )
    return writer.document()
