"""Registrations, the matrix, evolution, rubric scores and the training plan.

Registrations and rubric scores are appended, never updated: the current level of an
indicator for an actor is their latest row. Reading "the latest of each" is one query
with a grouped subquery, so the matrix costs the same for ten or ten thousand rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app import audit, dates, policy
from app.content.schemas import Competence, Framework, Indicator, Rubric
from app.content.services import content_library, localised
from app.domain import DomainError, StaleEdit, diverges
from app.extensions import db
from app.models import (
    Actor,
    Placement,
    PlanItem,
    Registration,
    RubricScore,
    SchoolSettings,
    Setting,
    User,
)
from app.models.organisations import DEFAULT_THRESHOLDS
from app.spreadsheets import SpreadsheetWriter

ACTORS = (Actor.STUDENT, Actor.MENTOR, Actor.COACH)
CAME_UP = (Setting.SCHOOL, Setting.WORKPLACE, Setting.BOTH)
AT_WORKPLACE = (Setting.WORKPLACE, Setting.BOTH)
PLAN_SETTINGS = (Setting.SCHOOL, Setting.WORKPLACE, Setting.BOTH)


def divergence_threshold(placement: Placement) -> int:
    """How many levels apart make the trio differ at the placement's school (its
    setting, else the default): the caseload reads the same setting.
    """
    settings = db.session.get(SchoolSettings, placement.school_id)
    if settings is None:
        return DEFAULT_THRESHOLDS["divergence_levels"]
    return settings.divergence_levels


def differ(levels: list[int], threshold: int) -> bool:
    """Two of the levels are `threshold` or more apart (`diverges`): a conversation to have."""
    return len(levels) >= 2 and diverges(max(levels) - min(levels), threshold)


def framework_of(placement: Placement) -> Framework | None:
    if placement.framework_id is None:
        return None
    return content_library().frameworks.get(placement.framework_id)


def rubric_of(placement: Placement) -> Rubric | None:
    if placement.rubric_id is None:
        return None
    return content_library().rubrics.get(placement.rubric_id)


# -- the latest judgement of each -------------------------------------------------------


def latest_registrations(placement: Placement) -> dict[tuple[Actor, str], Registration]:
    """The latest registration per actor and indicator, by (actor, indicator id)."""
    newest = (
        select(func.max(Registration.id))
        .where(
            Registration.placement_id == placement.id,
            Registration.framework_id == placement.framework_id,
        )
        .group_by(Registration.actor, Registration.indicator_id)
    )
    rows = db.session.scalars(select(Registration).where(Registration.id.in_(newest)))
    return {(row.actor, row.indicator_id): row for row in rows}


def latest_scores(placement: Placement) -> dict[tuple[Actor, str], RubricScore]:
    newest = (
        select(func.max(RubricScore.id))
        .where(
            RubricScore.placement_id == placement.id,
            RubricScore.rubric_id == placement.rubric_id,
        )
        .group_by(RubricScore.actor, RubricScore.criterion_id)
    )
    rows = db.session.scalars(select(RubricScore).where(RubricScore.id.in_(newest)))
    return {(row.actor, row.criterion_id): row for row in rows}


# -- the matrix -------------------------------------------------------------------------


@dataclass
class IndicatorRow:
    indicator: Indicator
    cells: dict[Actor, Registration | None]
    threshold: int  # the school's divergence_levels

    @property
    def levels(self) -> list[int]:
        return [cell.level for cell in self.cells.values() if cell and cell.level is not None]

    @property
    def divergent(self) -> bool:
        return differ(self.levels, self.threshold)

    @property
    def came_up(self) -> bool:
        return any(cell and cell.setting in CAME_UP for cell in self.cells.values())

    @property
    def came_up_at_workplace(self) -> bool:
        return any(cell and cell.setting in AT_WORKPLACE for cell in self.cells.values())

    @property
    def not_possible(self) -> bool:
        return any(cell and cell.setting == Setting.NOT_POSSIBLE for cell in self.cells.values())


@dataclass
class CompetenceRow:
    competence: Competence
    indicators: list[IndicatorRow]
    plan: PlanItem | None = None

    @property
    def divergent_count(self) -> int:
        return sum(row.divergent for row in self.indicators)

    @property
    def registered(self) -> bool:
        """Someone registered at least one of its indicators."""
        return any(cell for row in self.indicators for cell in row.cells.values())

    @property
    def missing_at_workplace(self) -> bool:
        """Planned at the workplace, but none of its indicators came up there yet."""
        return (
            self.plan is not None
            and self.plan.setting in AT_WORKPLACE
            and not any(row.came_up_at_workplace for row in self.indicators)
        )


@dataclass
class Matrix:
    framework: Framework
    threshold: int  # the school's divergence_levels
    rows: list[CompetenceRow] = field(default_factory=list)

    @property
    def divergent_count(self) -> int:
        return sum(row.divergent_count for row in self.rows)

    @property
    def never_came_up_count(self) -> int:
        return sum(not i.came_up for row in self.rows for i in row.indicators)


def build_matrix(placement: Placement, framework: Framework, *, only_divergent=False) -> Matrix:
    """Competences and indicators with each actor's latest registration, divergent by
    the school's threshold (three queries at most).
    """
    latest = latest_registrations(placement)
    plan = plan_items(placement)
    matrix = Matrix(framework, divergence_threshold(placement))
    for competence in framework.competences:
        rows = [
            IndicatorRow(
                indicator,
                {actor: latest.get((actor, indicator.id)) for actor in ACTORS},
                matrix.threshold,
            )
            for indicator in competence.indicators
        ]
        if only_divergent:
            rows = [row for row in rows if row.divergent]
            if not rows:
                continue
        matrix.rows.append(CompetenceRow(competence, rows, plan.get(competence.id)))
    return matrix


# -- registering ------------------------------------------------------------------------


@dataclass
class Judgement:
    """What an actor says about one indicator in the registration form."""

    indicator_id: str
    setting: Setting | None
    level: int | None
    note: str = ""
    # The id of the actor's latest registration of this indicator when the form was
    # opened (0 for none): if another exists now, the form is stale.
    based_on: int = 0


def find_competence(framework: Framework, competence_id: str) -> Competence | None:
    return next((c for c in framework.competences if c.id == competence_id), None)


def preset_setting(actor: Actor | None) -> Setting | None:
    """The place the registration form chooses beforehand for `actor`: a mentor registers
    what they saw at the workplace; the student and the coach choose for themselves.
    """
    return Setting.WORKPLACE if actor == Actor.MENTOR else None


def register(
    placement: Placement,
    author: User,
    competence: Competence,
    judgements: list[Judgement],
    *,
    observed_on: date | None = None,
) -> int:
    """Record the author's judgements of a competence's indicators; returns how many.

    An indicator left untouched (no place, level or note, or only the place the form
    chose beforehand) is skipped. A level or note without a place is refused, never
    dropped, except for a mentor, whose place is the workplace unless they say otherwise.
    Everything is checked before anything is written: one bad or stale judgement saves
    none.
    """
    actor = policy.actor_in(author, placement)
    framework = framework_of(placement)
    if actor is None or framework is None:
        raise DomainError("indicators", _l("You cannot register for this placement."))
    known = {indicator.id for indicator in competence.indicators}
    scale = {level.value for level in framework.scale}
    preset = preset_setting(actor)
    latest = latest_registrations(placement)
    new = []
    for judgement in judgements:
        if judgement.indicator_id not in known:
            raise DomainError(
                "indicators", _l("An indicator is not part of this placement's framework.")
            )
        previous = latest.get((actor, judgement.indicator_id))
        said = judgement.level is not None or bool(judgement.note.strip())
        setting = judgement.setting
        if setting is None and said:
            setting = preset
        if setting is None:
            if said:
                raise DomainError(
                    f"{judgement.indicator_id}.setting",
                    _l("Say where it came up, or leave this indicator open."),
                )
            continue
        if setting == preset and not said and previous is None:
            continue  # only what the form chose beforehand: left open
        if setting != Setting.NOT_POSSIBLE and judgement.level not in scale:
            raise DomainError(judgement.indicator_id, _l("Choose a level on the scale."))
        level = None if setting == Setting.NOT_POSSIBLE else judgement.level
        note = judgement.note.strip()[:500]
        if previous is not None and (previous.setting, previous.level, previous.note) == (
            setting,
            level,
            note,
        ):
            continue  # unchanged (a double tap too): history records changes, not re-saves
        if (previous.id if previous else 0) != judgement.based_on:
            raise StaleEdit
        new.append(
            Registration(
                placement_id=placement.id,
                author_id=author.id,
                actor=actor,
                framework_id=framework.id,
                framework_version=framework.version,
                competence_id=competence.id,
                indicator_id=judgement.indicator_id,
                setting=setting,
                level=level,
                note=note,
                baseline=previous is None,
                observed_on=observed_on or dates.today(placement.school),
            )
        )
    if new:  # nothing new (a double tap): nothing recorded
        db.session.add_all(new)
        audit.record(author, "registered", placement, indicators=len(new))
        db.session.commit()
    return len(new)


def registration_history(placement: Placement, competence: Competence) -> list[Registration]:
    """Every registration of a competence's indicators, oldest first."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.placement_id == placement.id,
                Registration.framework_id == placement.framework_id,
                Registration.competence_id == competence.id,
            )
            .order_by(Registration.observed_on, Registration.id)
        )
    )


@dataclass
class EvolutionPoint:
    day: date
    level: float


def evolution(
    history: list[Registration], competence: Competence
) -> dict[Actor, list[EvolutionPoint]]:
    """Per actor, the competence's mean level after each day they registered on.

    Each day's point takes every indicator's latest level up to that day, so an actor
    who registers one indicator at a time still draws one line for the competence.
    """
    indicators = {indicator.id for indicator in competence.indicators}
    current: dict[Actor, dict[str, int]] = defaultdict(dict)
    points: dict[Actor, dict[date, float]] = defaultdict(dict)
    for registration in history:
        if registration.indicator_id not in indicators or registration.level is None:
            continue
        current[registration.actor][registration.indicator_id] = registration.level
        levels = current[registration.actor].values()
        points[registration.actor][registration.observed_on] = round(sum(levels) / len(levels), 2)
    return {
        actor: [EvolutionPoint(day, level) for day, level in sorted(points[actor].items())]
        for actor in ACTORS
        if points.get(actor)
    }


# -- the soft-skill rubric --------------------------------------------------------------


def score_rubric(
    placement: Placement,
    author: User,
    levels: dict[str, int | None],
    notes: dict[str, str],
    based_on: dict[str, int],
) -> int:
    """Record the author's level per criterion (criteria left empty are skipped)."""
    actor = policy.actor_in(author, placement)
    rubric = rubric_of(placement)
    if actor is None or rubric is None:
        raise DomainError("criteria", _l("You cannot score the rubric for this placement."))
    known = {criterion.id for criterion in rubric.criteria}
    scale = {level.value for level in rubric.levels}
    latest = latest_scores(placement)
    new = []
    for criterion_id, level in levels.items():
        if criterion_id not in known:
            raise DomainError("criteria", _l("A criterion is not part of this placement's rubric."))
        if level is None:
            continue
        if level not in scale:
            raise DomainError(criterion_id, _l("Choose a level on the scale."))
        previous = latest.get((actor, criterion_id))
        note = (notes.get(criterion_id) or "").strip()[:500]
        if previous is not None and (previous.level, previous.note) == (level, note):
            continue
        if (previous.id if previous else 0) != based_on.get(criterion_id, 0):
            raise StaleEdit
        new.append(
            RubricScore(
                placement_id=placement.id,
                author_id=author.id,
                actor=actor,
                rubric_id=rubric.id,
                rubric_version=rubric.version,
                criterion_id=criterion_id,
                level=level,
                note=note,
            )
        )
    if new:  # nothing new (a double tap): nothing recorded
        db.session.add_all(new)
        audit.record(author, "rubric_scored", placement, criteria=len(new))
        db.session.commit()
    return len(new)


# -- the training plan ------------------------------------------------------------------


def plan_items(placement: Placement) -> dict[str, PlanItem]:
    return {
        item.competence_id: item
        for item in db.session.scalars(
            select(PlanItem).where(PlanItem.placement_id == placement.id)
        )
    }


@dataclass
class PlanChoice:
    competence_id: str
    setting: Setting | None
    period: str
    version: int | None  # the item's version when the form was opened (None: no item)


def save_plan(placement: Placement, editor: User, choices: list[PlanChoice]) -> None:
    """Save where and when each competence is learned.

    Every choice is checked before anything changes: an unknown competence, a setting a
    plan cannot have or a row someone else saved since the form was opened changes
    nothing. A row sent as it is saved now is left alone, whatever version it was opened
    at (a double tap changes and records nothing).
    """
    framework = framework_of(placement)
    known = {competence.id for competence in framework.competences} if framework else set()
    existing = plan_items(placement)
    changes = []
    for choice in choices:
        if choice.competence_id not in known:
            raise DomainError("plan", _l("A competence is not part of this placement's framework."))
        if choice.setting is not None and choice.setting not in PLAN_SETTINGS:
            raise DomainError("plan", _l("Choose school, workplace or both."))
        item = existing.get(choice.competence_id)
        period = choice.period.strip()[:80]
        now = (item.setting, item.period) if item else None
        if now == ((choice.setting, period) if choice.setting else None):
            continue
        if (item.version if item else None) != choice.version:
            raise StaleEdit
        changes.append((choice, item, period))
    if not changes:
        return
    for choice, item, period in changes:
        if choice.setting is None:
            db.session.delete(item)
        elif item is None:
            db.session.add(
                PlanItem(
                    placement_id=placement.id,
                    competence_id=choice.competence_id,
                    setting=choice.setting,
                    period=period,
                    updated_by_id=editor.id,
                )
            )
        else:
            item.setting = choice.setting
            item.period = period
            item.updated_by_id = editor.id
    audit.record(editor, "training_plan_saved", placement)
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as error:
        db.session.rollback()
        raise StaleEdit from error


def all_registrations(placement: Placement) -> list[Registration]:
    """Every registration of the placement with its author, oldest first (for export)."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.placement_id == placement.id)
            .options(joinedload(Registration.author))
            .order_by(Registration.observed_on, Registration.id)
        )
    )


@dataclass
class ChartLine:
    actor: Actor
    points: list[tuple[float, float, EvolutionPoint]]

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _point in self.points)


@dataclass
class EvolutionChart:
    """Coordinates for a server-rendered SVG line chart of levels over time."""

    width: int
    height: int
    lines: list[ChartLine]
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, date]]


CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 360, 220, 30


def evolution_chart(
    lines: dict[Actor, list[EvolutionPoint]], levels: list[int], start: date, end: date
) -> EvolutionChart:
    """Place each actor's points: x by date between `start` and `end`, y by level."""
    days = [point.day for points in lines.values() for point in points]
    start = min([start, *days])
    end = max([end, *days])
    span = max((end - start).days, 1)
    low, high = min(levels), max(levels)

    def x(day: date) -> float:
        return CHART_MARGIN + (CHART_WIDTH - 2 * CHART_MARGIN) * (day - start).days / span

    def y(level: float) -> float:
        usable = CHART_HEIGHT - 2 * CHART_MARGIN
        return CHART_HEIGHT - CHART_MARGIN - usable * (level - low) / max(high - low, 1)

    months = []
    cursor = date(start.year, start.month, 1)
    while cursor <= end:
        if cursor >= start:
            months.append((x(cursor), cursor))
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    return EvolutionChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        lines=[
            ChartLine(actor, [(x(p.day), y(p.level), p) for p in points])
            for actor, points in lines.items()
        ],
        y_ticks=[(y(level), level) for level in levels],
        x_ticks=months,
    )


def registrations_csv(placement: Placement) -> str:
    """Every registration of the placement as CSV for a spreadsheet, in the reader's
    language, with a BOM so spreadsheet programs read it as UTF-8.
    """
    framework = framework_of(placement)
    texts = {}
    if framework is not None:
        for competence in framework.competences:
            for indicator in competence.indicators:
                texts[indicator.id] = (localised(competence.title), localised(indicator.text))
    writer = SpreadsheetWriter()
    writer.writerow(
        [
            _("Date"),
            _("Role"),
            _("Name"),
            _("Competence"),
            _("Indicator"),
            _("Where"),
            _("Level"),
            _("Baseline"),
            _("Note"),
            _("Framework"),
            _("Version"),
        ]
    )
    for registration in all_registrations(placement):
        competence_title, indicator_text = texts.get(
            registration.indicator_id, (registration.competence_id, registration.indicator_id)
        )
        writer.writerow(
            (
                registration.observed_on.isoformat(),
                registration.actor.label,
                registration.author.name,
                competence_title,
                indicator_text,
                registration.setting.label,
                registration.level if registration.level is not None else "",
                _("yes") if registration.baseline else "",
                registration.note,
                registration.framework_id,
                registration.framework_version,
            )
        )
    return writer.document()
