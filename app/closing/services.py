"""Closing a mobility abroad: the participant's stage report, the EU participant survey
confirmed, the final scores confirmed by the coach and the monitor, the coach closing
the mobility (its sign-off), and the Europass-ready record that follows.

The final scores are the latest levels of the placement's framework (the matrix, as
`app.competences.services.latest_registrations` reads them). A confirmation keeps their
digest: when a level changes afterwards, the digest differs and the confirmation is void
until it is given again. Services raise `DomainError` (nothing changed) or `StaleEdit`
(saved by someone else since it was read), record the audit event and own the commit.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit, dates, signals
from app.competences.services import framework_of, latest_registrations
from app.content.schemas import Competence, Framework, Indicator, Level
from app.dates import LONG_DATE, format_day
from app.domain import DomainError, StaleEdit, commit_versioned
from app.extensions import db
from app.models import (
    Actor,
    MobilityClosing,
    Placement,
    PlacementStatus,
    Registration,
    ReportStatus,
    StageReport,
    User,
)
from app.models.closing import REPORT_PARTS
from app.models.columns import utcnow

MAX_PART_LENGTH = 5000
MAX_NOTE_LENGTH = 1000
# The format of the Europass-ready record as JSON (docs/mobility.md, "Closing").
RECORD_FORMAT = "leerspoor.mobility-record"
RECORD_VERSION = 1


class Side(enum.StrEnum):
    """Who confirms the final scores: the school's coach and the host monitor."""

    COACH = "coach"
    MONITOR = "monitor"

    @property
    def label(self):
        return SIDE_LABELS[self]


SIDE_LABELS = {Side.COACH: _l("The coach"), Side.MONITOR: _l("The host monitor")}


class Step(enum.StrEnum):
    """What a mobility needs before the coach can close it."""

    STAGE_REPORT = "stage_report"
    SURVEY = "survey"
    COACH_SCORES = "coach_scores"
    MONITOR_SCORES = "monitor_scores"

    @property
    def label(self):
        return STEP_LABELS[self]


STEP_LABELS = {
    Step.STAGE_REPORT: _l("The participant submits the stage report"),
    Step.SURVEY: _l("The participant confirms the EU participant survey"),
    Step.COACH_SCORES: _l("The coach confirms the final scores"),
    Step.MONITOR_SCORES: _l("The host monitor confirms the final scores"),
}


# -- the final scores -------------------------------------------------------------------


@dataclass
class IndicatorResult:
    indicator: Indicator
    levels: dict[Actor, Registration | None]


@dataclass
class OutcomeResult:
    competence: Competence
    indicators: list[IndicatorResult]

    @property
    def registered(self) -> bool:
        return any(cell for row in self.indicators for cell in row.levels.values())


@dataclass
class FinalScores:
    """The latest level of every indicator of the framework per actor, and their digest."""

    framework: Framework | None
    outcomes: list[OutcomeResult] = field(default_factory=list)
    digest: str = ""

    @property
    def achieved(self) -> list[OutcomeResult]:
        """The competences someone registered: the learning outcomes of the record."""
        return [outcome for outcome in self.outcomes if outcome.registered]

    def level(self, value: int | None) -> Level | None:
        if self.framework is None or value is None:
            return None
        return next((level for level in self.framework.scale if level.value == value), None)


ACTORS = (Actor.STUDENT, Actor.MENTOR, Actor.COACH)


def final_scores(placement: Placement) -> FinalScores:
    """The final result: the framework's latest levels (one query)."""
    framework = framework_of(placement)
    if framework is None:
        return FinalScores(None, digest=_digest([]))
    latest = latest_registrations(placement)
    outcomes = [
        OutcomeResult(
            competence,
            [
                IndicatorResult(
                    indicator, {actor: latest.get((actor, indicator.id)) for actor in ACTORS}
                )
                for indicator in competence.indicators
            ],
        )
        for competence in framework.competences
    ]
    facts = sorted(
        (actor.value, indicator_id, row.setting.value, -1 if row.level is None else row.level)
        for (actor, indicator_id), row in latest.items()
    )
    return FinalScores(framework, outcomes, _digest([placement.framework_id or "", *facts]))


def _digest(facts: list) -> str:
    return hashlib.sha256(repr(facts).encode()).hexdigest()


# -- where a mobility's closing stands ----------------------------------------------------


@dataclass
class Closing:
    placement: Placement
    report: StageReport | None
    row: MobilityClosing | None
    scores: FinalScores

    def _given(self, side: Side) -> bool:
        """Given by the placement's coach or monitor of now (a new monitor confirms anew)."""
        if self.row is None or getattr(self.row, f"{side.value}_confirmed_at") is None:
            return False
        by = getattr(self.row, f"{side.value}_confirmed_by_id")
        return by == getattr(self.placement, f"{side.value}_id")

    def confirmed(self, side: Side) -> bool:
        """A confirmation that still holds: given on the scores as they are now."""
        return self._given(side) and getattr(self.row, f"{side.value}_scores") == self.scores.digest

    def voided(self, side: Side) -> bool:
        """Given, then a score changed: it must be confirmed again."""
        return self._given(side) and not self.confirmed(side)

    @property
    def survey_confirmed(self) -> bool:
        return self.row is not None and self.row.survey_confirmed_at is not None

    @property
    def signed_off(self) -> bool:
        return self.row is not None and self.row.signed_off_at is not None

    @property
    def closes_from(self) -> date:
        return closes_from(self.placement)

    def waits_for_end(self, today: date) -> bool:
        """Whether the stay is still on (`today` on the school's clock): closing waits."""
        return today < self.closes_from

    @property
    def missing(self) -> list[Step]:
        steps = []
        if self.report is None or not self.report.is_submitted:
            steps.append(Step.STAGE_REPORT)
        if not self.survey_confirmed:
            steps.append(Step.SURVEY)
        if not self.confirmed(Side.COACH):
            steps.append(Step.COACH_SCORES)
        if not self.confirmed(Side.MONITOR):
            steps.append(Step.MONITOR_SCORES)
        return steps


def closes_from(placement: Placement) -> date:
    """The first day the mobility can be closed: the day after the stay's last day. The
    steps before it (the report, the survey, the confirmations) may be taken during the
    stay's last days; the sign-off of the Europass record waits until the stay is over.
    """
    return placement.end_date + timedelta(days=1)


def report_of(placement: Placement) -> StageReport | None:
    return db.session.scalar(select(StageReport).where(StageReport.placement_id == placement.id))


def row_of(placement: Placement) -> MobilityClosing | None:
    return db.session.scalar(
        select(MobilityClosing).where(MobilityClosing.placement_id == placement.id)
    )


def closing_of(placement: Placement) -> Closing:
    """Everything the closing page shows (three queries)."""
    return Closing(placement, report_of(placement), row_of(placement), final_scores(placement))


def _running(placement: Placement) -> None:
    if placement.status != PlacementStatus.ACTIVE:
        raise DomainError(
            "closing",
            _l(
                "The closing steps are taken while the mobility is active; it is %(status)s.",
                status=placement.status.label,
            ),
        )


def _flush() -> None:
    """Write what changed; a row made at the same moment elsewhere (two people taking a
    first step at once) is a stale edit: nothing is saved, the reader looks again.
    """
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise StaleEdit() from error


def _row(placement: Placement) -> MobilityClosing:
    row = row_of(placement)
    if row is None:
        row = MobilityClosing(placement_id=placement.id)
        db.session.add(row)
    return row


# -- the stage report ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReportText:
    professional: str = ""
    language: str = ""
    intercultural: str = ""
    personal: str = ""
    advice: str = ""


def save_report(
    placement: Placement,
    student: User,
    text: ReportText,
    *,
    expected_version: int | None,
    submit: bool = False,
) -> StageReport:
    """Save the participant's draft, and submit it when `submit`. A submitted report is
    read-only to the participant until the coach sends it back.
    """
    _running(placement)
    report = report_of(placement)
    if report is not None and report.is_submitted:
        raise DomainError(
            "report",
            _l(
                "The stage report is submitted, so it can no longer be changed. Your coach "
                "can send it back."
            ),
        )
    if report is not None and report.version != expected_version:
        raise StaleEdit()
    if submit:
        empty = next((part for part in REPORT_PARTS if not getattr(text, part).strip()), None)
        if empty is not None:
            raise DomainError(empty, _l("Answer this part before you submit the report."))
    if report is None:
        if expected_version:
            raise StaleEdit()
        report = StageReport(placement_id=placement.id, author_id=student.id)
        db.session.add(report)
    for part in REPORT_PARTS:
        setattr(report, part, getattr(text, part).strip())
    if submit:
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = utcnow()
    if not audit.has_changes(report):
        return report
    _flush()
    audit.record(
        student,
        "stage_report_submitted" if submit else "stage_report_saved",
        placement,
        report=report.id,
    )
    commit_versioned()
    if submit:
        signals.stage_report_submitted.send(report, by=student)
    return report


def return_report(
    placement: Placement, coach: User, note: str, *, expected_version: int
) -> StageReport:
    """The coach sends a submitted report back with a note: the participant edits again."""
    _running(placement)
    report = report_of(placement)
    if report is None or not report.is_submitted:
        raise DomainError("note", _l("Only a submitted stage report can be sent back."))
    if report.version != expected_version:
        raise StaleEdit()
    note = note.strip()
    if not note:
        raise DomainError("note", _l("Say what the participant should change."))
    report.status = ReportStatus.RETURNED
    report.returned_by_id = coach.id
    report.returned_at = utcnow()
    report.return_note = note[:MAX_NOTE_LENGTH]
    audit.record(coach, "stage_report_returned", placement, report=report.id)
    commit_versioned()
    signals.stage_report_returned.send(report, by=coach)
    return report


# -- the EU participant survey --------------------------------------------------------------


def confirm_survey(placement: Placement, student: User, filled_on: date) -> MobilityClosing:
    """The participant confirms they filled in the EU participant survey, on `filled_on`
    (not before the stay started, not after today).
    """
    _running(placement)
    if filled_on > dates.today(placement.school):
        raise DomainError("filled_on", _l("This day is still to come."))
    if filled_on < placement.start_date:
        raise DomainError("filled_on", _l("The survey is filled in after the stay has started."))
    row = _row(placement)
    row.survey_filled_on = filled_on
    row.survey_confirmed_by_id = student.id
    row.survey_confirmed_at = utcnow()
    _flush()
    audit.record(student, "eu_survey_confirmed", placement, filled_on=filled_on)
    commit_versioned()
    return row


# -- the final scores confirmed ---------------------------------------------------------------


def confirm_scores(placement: Placement, user: User, side: Side, *, digest: str) -> MobilityClosing:
    """`user` confirms the final scores for `side`, as they saw them (`digest`): scores
    that changed since they were read are refused.
    """
    _running(placement)
    scores = final_scores(placement)
    if scores.framework is None:
        raise DomainError("scores", _l("This placement has no competence framework to confirm."))
    if digest != scores.digest:
        raise StaleEdit()
    row = _row(placement)
    setattr(row, f"{side.value}_confirmed_by_id", user.id)
    setattr(row, f"{side.value}_confirmed_at", utcnow())
    setattr(row, f"{side.value}_scores", scores.digest)
    _flush()
    audit.record(user, "final_scores_confirmed", placement, side=side)
    commit_versioned()
    return row


# -- closing ----------------------------------------------------------------------------------


def close(placement: Placement, coach: User) -> MobilityClosing:
    """The coach closes the mobility: the placement is completed and its Europass record
    signed off by the coach. Refused, naming what is missing, until everything is in.
    """
    _running(placement)
    state = closing_of(placement)
    if state.waits_for_end(dates.today(placement.school)):
        raise DomainError(
            "closing",
            _l(
                "The stay runs until %(end)s: the mobility can be closed from %(day)s.",
                end=format_day(placement.end_date, LONG_DATE),
                day=format_day(state.closes_from, LONG_DATE),
            ),
        )
    if missing := state.missing:
        raise DomainError(
            "closing",
            _l(
                "The mobility cannot be closed yet. Missing: %(steps)s.",
                steps="; ".join(str(step.label) for step in missing),
            ),
        )
    row = state.row
    row.signed_off_by_id = coach.id
    row.signed_off_name = coach.name
    row.signed_off_at = utcnow()
    placement.status = PlacementStatus.COMPLETED
    audit.record(coach, "mobility_closed", placement)
    commit_versioned()
    signals.mobility_closed.send(placement, by=coach)
    return row
