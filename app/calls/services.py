"""Calls, candidates and selection: the consortium's members and their mandates, a
promoter's calls, candidates registered by their school (or applying themselves), the
CV and expectations form, interview scores, the ranking per school with the priority
rule, the decisions and the selection report.

Services take plain arguments, check the domain rules (raising `DomainError` before
anything is written), record the audit event and own the commit. A later slice turns
the selected candidates into placements with `selected_candidates(call, school)`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import audit
from app.dates import LONG_DATE, format_day
from app.domain import DomainError
from app.extensions import db
from app.models import (
    CallDestination,
    CallPlaces,
    Candidate,
    ConsortiumMembership,
    Decision,
    InterviewScore,
    Membership,
    MobilityCall,
    Organisation,
    OrganisationKind,
    Placement,
    PlacementKind,
    PlacementStatus,
    Role,
    User,
)
from app.models.calls import CEFR_LEVELS, DEFAULT_CRITERIA, SCORE_MAX, SCORE_MIN, SelectionReport
from app.models.columns import utcnow

TOTAL_WEIGHT = 100
MAX_CRITERIA = 8
MAX_DESTINATIONS = 6
MAX_LANGUAGES = 4
MAX_CV_TEXT = 4000
MAX_NOTE = 2000
MAX_REASON = 2000
MAX_REPORT = 20_000


# -- organisations ----------------------------------------------------------------------


def organisations(query) -> list[Organisation]:
    """The organisations of a select (a policy's), by name."""
    return list(db.session.scalars(query.order_by(Organisation.name)))


def organisation(organisation_id: int) -> Organisation:
    return db.session.get(Organisation, organisation_id)


def all_schools() -> list[Organisation]:
    """Every school: any school may join a consortium."""
    return organisations(select(Organisation).where(Organisation.kind == OrganisationKind.SCHOOL))


# -- the consortium ---------------------------------------------------------------------


def consortium_of(promoter_ids: set[int] | None = None) -> list[ConsortiumMembership]:
    """The memberships of the given promoters' consortia (all when None), by promoter
    and school name.
    """
    query = (
        select(ConsortiumMembership)
        .join(ConsortiumMembership.school)
        .options(joinedload(ConsortiumMembership.school), joinedload(ConsortiumMembership.promoter))
        .order_by(ConsortiumMembership.promoter_id, Organisation.name)
    )
    if promoter_ids is not None:
        query = query.where(ConsortiumMembership.promoter_id.in_(promoter_ids))
    return list(db.session.scalars(query))


def add_member(
    promoter: Organisation,
    school: Organisation,
    mandate_from: date,
    mandate_until: date | None,
    by: User,
) -> ConsortiumMembership:
    """Take `school` into `promoter`'s consortium with its mandate's dates."""
    if promoter.kind != OrganisationKind.PROMOTER:
        raise DomainError("promoter", _l("Choose a promoting organisation."))
    if not school.is_school:
        raise DomainError("school", _l("Only a school or training centre joins a consortium."))
    if mandate_until is not None and mandate_until < mandate_from:
        raise DomainError("mandate_until", _l("The mandate ends before it starts."))
    exists = db.session.scalar(
        select(ConsortiumMembership.id).where(
            ConsortiumMembership.promoter_id == promoter.id,
            ConsortiumMembership.school_id == school.id,
        )
    )
    if exists:
        raise DomainError("school", _l("This school is a member of the consortium already."))
    membership = ConsortiumMembership(
        promoter_id=promoter.id,
        school_id=school.id,
        mandate_from=mandate_from,
        mandate_until=mandate_until,
    )
    db.session.add(membership)
    db.session.flush()
    audit.record(by, "consortium.add_member", membership, school_id=school.id)
    db.session.commit()
    return membership


def remove_member(membership: ConsortiumMembership, by: User) -> None:
    audit.record(by, "consortium.remove_member", membership, school_id=membership.school_id)
    db.session.delete(membership)
    db.session.commit()


def mandate_runs(promoter_id: int, school_id: int, day: date) -> bool:
    """Whether `school_id` is a member of `promoter_id`'s consortium on `day`."""
    membership = db.session.scalar(
        select(ConsortiumMembership).where(
            ConsortiumMembership.promoter_id == promoter_id,
            ConsortiumMembership.school_id == school_id,
        )
    )
    return membership is not None and membership.runs_on(day)


def member_schools(promoter_id: int) -> list[Organisation]:
    """The schools of `promoter_id`'s consortium (whatever their mandate's dates)."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(ConsortiumMembership, ConsortiumMembership.school_id == Organisation.id)
            .where(ConsortiumMembership.promoter_id == promoter_id)
            .order_by(Organisation.name)
        )
    )


def host_partners() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.HOST_ABROAD)
            .order_by(Organisation.country, Organisation.name)
        )
    )


# -- calls ------------------------------------------------------------------------------


@dataclass
class Criterion:
    key: str
    label: str
    weight: int


@dataclass
class Destination:
    country: str
    city: str
    host_partner_id: int | None


@dataclass
class CallDetails:
    title: str
    placement_start: date
    placement_end: date
    interest_deadline: date
    candidate_deadline: date
    destinations: list[Destination]
    places: dict[int, int]  # school id -> places
    criteria: list[Criterion]
    dual_learners_first: bool
    monitor_scores: bool = True


def default_criteria() -> list[Criterion]:
    """The criteria and weights of the seed's call, labelled in the reader's language."""
    return [Criterion(key, str(label), weight) for key, label, weight in DEFAULT_CRITERIA]


def criterion_key(label: str, taken: set[str]) -> str:
    """A key for a criterion: its default's key when the label is a default's (as the
    form shows it), else the first free `c<n>`.
    """
    for key, default_label, _weight in DEFAULT_CRITERIA:
        if label.casefold() == str(default_label).casefold() and key not in taken:
            return key
    number = 1
    while f"c{number}" in taken:
        number += 1
    return f"c{number}"


def _check_call(promoter_id: int, details: CallDetails) -> None:
    if details.placement_end < details.placement_start:
        raise DomainError("placement_end", _l("The placement window ends before it starts."))
    if details.interest_deadline > details.candidate_deadline:
        raise DomainError(
            "interest_deadline",
            _l("Schools express their interest before the candidates' files are due."),
        )
    if details.candidate_deadline >= details.placement_start:
        raise DomainError(
            "candidate_deadline", _l("The candidates' files are due before the placements start.")
        )
    if not details.criteria:
        raise DomainError("criteria", _l("Give at least one selection criterion."))
    labels = [criterion.label.strip().casefold() for criterion in details.criteria]
    if len(set(labels)) != len(labels):
        raise DomainError("criteria", _l("Each criterion appears once."))
    total = sum(criterion.weight for criterion in details.criteria)
    if total != TOTAL_WEIGHT:
        raise DomainError(
            "criteria",
            _l(
                "The weights add up to %(total)d; they must add up to 100.",
                total=total,
            ),
        )
    if not details.destinations:
        raise DomainError("destinations", _l("Give at least one destination."))
    partner_ids = {d.host_partner_id for d in details.destinations} - {None}
    if partner_ids:
        found = set(
            db.session.scalars(
                select(Organisation.id).where(
                    Organisation.id.in_(partner_ids),
                    Organisation.kind == OrganisationKind.HOST_ABROAD,
                )
            )
        )
        if found != partner_ids:
            raise DomainError("destinations", _l("Choose the host partners from the list."))
    members = {school.id for school in member_schools(promoter_id)}
    if set(details.places) - members:
        raise DomainError("places", _l("Places go to the consortium's member schools only."))


def _stored_criteria(details: CallDetails, previous: list[dict]) -> list[dict]:
    """The criteria as stored: a criterion keeps its key while its label stays, so the
    scores already given on it keep their meaning.
    """
    by_label = {item["label"].strip().casefold(): item["key"] for item in previous}
    taken: set[str] = set()
    stored = []
    for criterion in details.criteria:
        label = criterion.label.strip()
        key = by_label.get(label.casefold()) or criterion.key or criterion_key(label, taken)
        if key in taken:
            key = criterion_key(label, taken)
        taken.add(key)
        stored.append({"key": key, "label": label, "weight": criterion.weight})
    return stored


def open_call(promoter: Organisation, by: User, details: CallDetails) -> MobilityCall:
    """A new call of `promoter`."""
    if promoter.kind != OrganisationKind.PROMOTER:
        raise DomainError("promoter", _l("Choose a promoting organisation."))
    _check_call(promoter.id, details)
    call = MobilityCall(promoter_id=promoter.id, created_by_id=by.id, criteria=[])
    _apply(call, details)
    db.session.add(call)
    db.session.flush()
    audit.record(by, "call.open", call)
    db.session.commit()
    return call


def change_call(call: MobilityCall, by: User, details: CallDetails) -> bool:
    """Change the call; False when nothing differs from what is stored (nothing written)."""
    _check_call(call.promoter_id, details)
    _apply(call, details)
    if not _changed(call):
        db.session.rollback()
        return False
    audit.record(by, "call.change", call)
    db.session.commit()
    return True


def _changed(call: MobilityCall) -> bool:
    return audit.has_changes(call, *call.destinations, *call.places) or bool(db.session.deleted)


def _apply(call: MobilityCall, details: CallDetails) -> None:
    """Write `details` into the call, changing only what differs."""
    for name in ("placement_start", "placement_end", "interest_deadline", "candidate_deadline"):
        if getattr(call, name) != getattr(details, name):
            setattr(call, name, getattr(details, name))
    if call.title != details.title.strip():
        call.title = details.title.strip()
    if call.dual_learners_first != details.dual_learners_first:
        call.dual_learners_first = details.dual_learners_first
    if call.monitor_scores != details.monitor_scores:
        call.monitor_scores = details.monitor_scores
    criteria = _stored_criteria(details, call.criteria or [])
    if criteria != call.criteria:
        call.criteria = criteria
    rows = list(call.destinations)
    for index, destination in enumerate(details.destinations):
        values = {
            "country": destination.country.upper(),
            "city": destination.city.strip(),
            "host_partner_id": destination.host_partner_id,
        }
        if index < len(rows):
            for name, value in values.items():
                if getattr(rows[index], name) != value:
                    setattr(rows[index], name, value)
        else:
            call.destinations.append(CallDestination(**values))
    for extra in rows[len(details.destinations) :]:
        call.destinations.remove(extra)
    stored = {row.school_id: row for row in call.places}
    for school_id, places in details.places.items():
        if school_id in stored:
            if stored[school_id].places != places:
                stored[school_id].places = places
        elif places:
            call.places.append(CallPlaces(school_id=school_id, places=places))


def calls_for(query) -> list[MobilityCall]:
    """The calls of a select (`policy.visible_calls`), the latest placement window first."""
    return list(
        db.session.scalars(
            query.options(joinedload(MobilityCall.promoter)).order_by(
                MobilityCall.placement_start.desc(), MobilityCall.id.desc()
            )
        )
    )


# -- candidates -------------------------------------------------------------------------


def students_of(school_id: int) -> list[User]:
    """The active students of a school, by name, for the coordinator to register."""
    students = select(Membership.user_id).where(
        Membership.organisation_id == school_id, Membership.role == Role.STUDENT
    )
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(students), User.active.is_(True)).order_by(User.name)
        )
    )


def register_candidate(
    call: MobilityCall, student: User, school: Organisation, by: User, today: date
) -> Candidate:
    """Register `student` of `school` as a candidate of `call` (by the school, or by the
    student applying). Refused after the candidates' deadline, for a second application,
    for a student of another school and for a school whose mandate does not run.
    """
    if today > call.candidate_deadline:
        raise DomainError(
            "student",
            _l(
                "The candidates' files were due on %(day)s: this call takes no more candidates.",
                day=format_day(call.candidate_deadline, LONG_DATE),
            ),
        )
    if school.id not in student.organisation_ids(Role.STUDENT):
        raise DomainError(
            "student", _l("This student is not a student of %(school)s.", school=school.name)
        )
    if not mandate_runs(call.promoter_id, school.id, today):
        raise DomainError(
            "school",
            _l(
                "%(school)s has no running mandate in this call's consortium.",
                school=school.name,
            ),
        )
    taken = db.session.scalar(
        select(Candidate.id).where(Candidate.call_id == call.id, Candidate.student_id == student.id)
    )
    if taken:
        raise DomainError(
            "student", _l("%(name)s is a candidate of this call already.", name=student.name)
        )
    candidate = Candidate(
        call_id=call.id, student_id=student.id, school_id=school.id, registered_by_id=by.id, cv={}
    )
    db.session.add(candidate)
    db.session.flush()
    audit.record(by, "candidate.register", candidate, call_id=call.id)
    db.session.commit()
    return candidate


def applying_school(call: MobilityCall, student: User, today: date) -> Organisation | None:
    """The school through which `student` applies: one of theirs whose mandate runs."""
    for school_id in sorted(student.organisation_ids(Role.STUDENT)):
        if mandate_runs(call.promoter_id, school_id, today):
            return db.session.get(Organisation, school_id)
    return None


def apply(call: MobilityCall, student: User, today: date) -> Candidate:
    """The student applies for the call themselves, through their member school."""
    school = applying_school(call, student, today)
    if school is None:
        raise DomainError(
            "school", _l("Your school has no running mandate in this call's consortium.")
        )
    return register_candidate(call, student, school, student, today)


def candidates_of(call: MobilityCall, visibility) -> list[Candidate]:
    """The call's candidates a reader sees (`policy.candidate_visibility`), by school and
    name.
    """
    return list(
        db.session.scalars(
            select(Candidate)
            .join(Candidate.student)
            .where(Candidate.call_id == call.id, visibility)
            .options(joinedload(Candidate.student), joinedload(Candidate.school))
            .order_by(Candidate.school_id, User.name)
        )
    )


def own_candidacies(student: User) -> list[Candidate]:
    return list(
        db.session.scalars(
            select(Candidate)
            .where(Candidate.student_id == student.id)
            .options(joinedload(Candidate.call))
            .order_by(Candidate.id.desc())
        )
    )


def dual_learners(student_ids: set[int]) -> set[int]:
    """Of `student_ids`, those who learn in dual learning: a placement of that kind (one
    query whatever their number).
    """
    if not student_ids:
        return set()
    return set(
        db.session.scalars(
            select(Placement.student_id)
            .where(
                Placement.student_id.in_(student_ids),
                Placement.kind == PlacementKind.DUAL_LEARNING,
            )
            .distinct()
        )
    )


# -- the CV and expectations form -------------------------------------------------------


@dataclass
class CurriculumVitae:
    education: str = ""
    work_experience: str = ""
    languages: list[tuple[str, str]] = field(default_factory=list)  # (language, CEFR level)
    expectations: str = ""
    practical_needs: str = ""

    def stored(self) -> dict:
        return {
            "education": self.education.strip(),
            "work_experience": self.work_experience.strip(),
            "languages": [
                {"language": language.strip(), "level": level}
                for language, level in self.languages
                if language.strip()
            ],
            "expectations": self.expectations.strip(),
            "practical_needs": self.practical_needs.strip(),
        }


def cv_of(candidate: Candidate) -> CurriculumVitae:
    cv = candidate.cv or {}
    return CurriculumVitae(
        education=cv.get("education", ""),
        work_experience=cv.get("work_experience", ""),
        languages=[(item["language"], item["level"]) for item in cv.get("languages", [])],
        expectations=cv.get("expectations", ""),
        practical_needs=cv.get("practical_needs", ""),
    )


def save_cv(candidate: Candidate, student: User, cv: CurriculumVitae) -> bool:
    """The candidate's CV and expectations; False when nothing changed."""
    for language, level in cv.languages:
        if language.strip() and level not in CEFR_LEVELS:
            raise DomainError("languages", _l("Choose a level from A1 to C2 for each language."))
    stored = cv.stored()
    if stored == cv_of(candidate).stored():
        return False
    candidate.cv = stored
    candidate.cv_updated_at = utcnow()
    audit.record(student, "candidate.cv", candidate)
    db.session.commit()
    return True


# -- selection --------------------------------------------------------------------------


def criteria_of(call: MobilityCall) -> list[Criterion]:
    return [Criterion(item["key"], item["label"], item["weight"]) for item in call.criteria]


@dataclass
class ScoreEntry:
    score: int | None
    note: str


def own_scores(candidate: Candidate, scorer: User) -> dict[str, InterviewScore]:
    return {
        row.criterion: row
        for row in db.session.scalars(
            select(InterviewScore).where(
                InterviewScore.candidate_id == candidate.id, InterviewScore.scorer_id == scorer.id
            )
        )
    }


def record_scores(candidate: Candidate, scorer: User, entries: dict[str, ScoreEntry]) -> bool:
    """`scorer`'s own scores of the interview, per criterion of the call (0–10, a note);
    a criterion left empty keeps no score. False when nothing changed.
    """
    keys = {criterion.key for criterion in criteria_of(candidate.call)}
    for key, entry in entries.items():
        if key not in keys:
            raise DomainError("scores", _l("Score the call's criteria only."))
        if entry.score is not None and not SCORE_MIN <= entry.score <= SCORE_MAX:
            raise DomainError(f"score_{key}", _l("A score is a whole number from 0 to 10."))
        if entry.score is None and entry.note.strip():
            raise DomainError(f"score_{key}", _l("Give a score with the note."))
    stored = own_scores(candidate, scorer)
    changed = False
    for key, entry in entries.items():
        row = stored.get(key)
        if entry.score is None:
            if row is not None:
                db.session.delete(row)
                changed = True
            continue
        if row is None:
            db.session.add(
                InterviewScore(
                    candidate_id=candidate.id,
                    scorer_id=scorer.id,
                    criterion=key,
                    score=entry.score,
                    note=entry.note.strip(),
                )
            )
            changed = True
        elif row.score != entry.score or row.note != entry.note.strip():
            row.score, row.note = entry.score, entry.note.strip()
            changed = True
    if not changed:
        return False
    audit.record(scorer, "candidate.score", candidate)
    db.session.commit()
    return True


def scores_of(candidate: Candidate) -> list[InterviewScore]:
    """Every scorer's scores of the candidate, with the scorer (for the school only)."""
    return list(
        db.session.scalars(
            select(InterviewScore)
            .where(InterviewScore.candidate_id == candidate.id)
            .options(joinedload(InterviewScore.scorer))
            .order_by(InterviewScore.scorer_id, InterviewScore.id)
        )
    )


@dataclass
class Result:
    """A candidate's result: the mean score per criterion over the scorers, the
    weighted total out of 100 once every criterion is scored, and who scored.
    """

    means: dict[str, float]
    total: float | None
    scorers: list[str]


def results(call: MobilityCall, candidate_ids: list[int]) -> dict[int, Result]:
    """The results of the candidates, in one query whatever their number."""
    criteria = criteria_of(call)
    rows = (
        db.session.execute(
            select(
                InterviewScore.candidate_id,
                InterviewScore.criterion,
                InterviewScore.score,
                User.name,
            )
            .join(User, User.id == InterviewScore.scorer_id)
            .where(InterviewScore.candidate_id.in_(candidate_ids))
        ).all()
        if candidate_ids
        else []
    )
    scores: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    scorers: dict[int, set[str]] = defaultdict(set)
    for candidate_id, criterion, score, name in rows:
        scores[candidate_id][criterion].append(score)
        scorers[candidate_id].add(name)
    found = {}
    for candidate_id in candidate_ids:
        means = {
            criterion.key: sum(values) / len(values)
            for criterion in criteria
            if (values := scores[candidate_id].get(criterion.key))
        }
        complete = criteria and all(criterion.key in means for criterion in criteria)
        total = (
            round(sum(means[c.key] / SCORE_MAX * c.weight for c in criteria), 1)
            if complete
            else None
        )
        found[candidate_id] = Result(means, total, sorted(scorers[candidate_id]))
    return found


@dataclass
class Ranked:
    rank: int
    candidate: Candidate
    dual_learner: bool
    result: Result


def ranking(call: MobilityCall, school_id: int) -> list[Ranked]:
    """The school's candidates ranked: with the priority rule, dual learners first; then
    by weighted total (unscored last), then by name. A bounded number of queries
    whatever the number of candidates.
    """
    candidates = list(
        db.session.scalars(
            select(Candidate)
            .where(Candidate.call_id == call.id, Candidate.school_id == school_id)
            .options(joinedload(Candidate.student), joinedload(Candidate.decided_by))
        ).unique()
    )
    dual = dual_learners({candidate.student_id for candidate in candidates})
    found = results(call, [candidate.id for candidate in candidates])

    def order(candidate: Candidate):
        total = found[candidate.id].total
        return (
            call.dual_learners_first and candidate.student_id not in dual,
            total is None,
            -(total or 0),
            candidate.student.name.casefold(),
        )

    return [
        Ranked(number, candidate, candidate.student_id in dual, found[candidate.id])
        for number, candidate in enumerate(sorted(candidates, key=order), start=1)
    ]


def placement_holding_decision(candidate: Candidate) -> Placement | None:
    """The placement abroad made for a selected candidate that keeps them selected: one in
    preparation, running or completed. A stopped one (cancelled) holds nothing back.
    """
    placement = candidate.placement
    if candidate.decision != Decision.SELECTED or placement is None:
        return None
    return None if placement.status == PlacementStatus.STOPPED else placement


def decide(candidate: Candidate, by: User, decision: Decision, reason: str) -> bool:
    """The school's decision on a candidate, with its reason (required). False when
    nothing changed.

    A selected candidate whose placement abroad exists stays selected (the placement
    would drop out of the call's overview): the school stops the placement first. Its
    reason may still be reworded.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError("reason", _l("Give the reason for the decision."))
    if candidate.decision == decision and candidate.decision_reason == reason:
        return False
    if decision != Decision.SELECTED and (placement := placement_holding_decision(candidate)):
        if placement.status == PlacementStatus.COMPLETED:
            raise DomainError(
                "decision",
                _l(
                    "%(name)s's mobility is completed: the decision stays Selected.",
                    name=candidate.student.name,
                ),
            )
        raise DomainError(
            "decision",
            _l(
                "A placement abroad exists for %(name)s (%(status)s), so the decision stays "
                "Selected. To give the place to someone else, stop the placement first: on "
                "its page, choose “Stopped early” under Edit placement. Then change the "
                "decision.",
                name=candidate.student.name,
                status=placement.status.label,
            ),
        )
    candidate.decision = decision
    candidate.decision_reason = reason
    candidate.decided_by_id = by.id
    candidate.decided_at = utcnow()
    audit.record(by, "candidate.decide", candidate, decision=decision.value)
    db.session.commit()
    return True


def selected_candidates(call: MobilityCall, school: Organisation) -> list[Candidate]:
    """The school's selected candidates of the call, in the order of the ranking: what a
    later step turns into placements abroad.
    """
    return [
        ranked.candidate
        for ranked in ranking(call, school.id)
        if ranked.candidate.decision == Decision.SELECTED
    ]


def sending_schools(call: MobilityCall) -> list[Organisation]:
    """The schools with places or candidates in the call."""
    with_candidates = select(Candidate.school_id).where(Candidate.call_id == call.id)
    with_places = select(CallPlaces.school_id).where(CallPlaces.call_id == call.id)
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(with_candidates) | Organisation.id.in_(with_places))
            .order_by(Organisation.name)
        )
    )


# -- the selection report ---------------------------------------------------------------


def report_of(call: MobilityCall, school_id: int) -> SelectionReport | None:
    return db.session.scalar(
        select(SelectionReport).where(
            SelectionReport.call_id == call.id, SelectionReport.school_id == school_id
        )
    )


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}".rstrip("0").rstrip(".")


def prefilled_report(call: MobilityCall, school: Organisation) -> str:
    """The report as the scores tell it, in the reader's language: criteria and weights,
    who interviewed, the candidates in their ranking with their totals, decisions and
    reasons.
    """
    ranked = ranking(call, school.id)
    criteria = criteria_of(call)
    interviewers = sorted({name for item in ranked for name in item.result.scorers})
    lines = [
        _(
            "Selection report of %(school)s for the call “%(call)s”",
            school=school.name,
            call=call.title,
        ),
        "",
        _("Criteria and weights"),
        *(f"- {criterion.label}: {criterion.weight}" for criterion in criteria),
        "",
        _("Priority rule: dual learners first.")
        if call.dual_learners_first
        else _("No priority rule: ranked by total."),
        "",
        _("Interviewed by: %(names)s", names=", ".join(interviewers) if interviewers else "–"),
        _("Places for the school: %(places)d", places=call.places_for(school.id)),
        "",
        _("Ranking"),
    ]
    for item in ranked:
        decision = (
            item.candidate.decision.label if item.candidate.decision else _("no decision yet")
        )
        dual = f" ({_('dual learner')})" if item.dual_learner else ""
        lines.append(
            f"{item.rank}. {item.candidate.student.name}{dual}: "
            f"{_score(item.result.total)}/100 · {decision}"
        )
        if item.candidate.decision_reason:
            lines.append(f"   {item.candidate.decision_reason}")
    return "\n".join(lines)


def report_text(call: MobilityCall, school: Organisation) -> str:
    """The school's report as saved, or pre-filled from the scores."""
    report = report_of(call, school.id)
    return report.text if report is not None else prefilled_report(call, school)


def save_report(call: MobilityCall, school: Organisation, by: User, text: str) -> bool:
    """Keep the school's edited report; False when nothing differs (a pre-filled text
    sent back unchanged is not stored: it is still made from the scores).
    """
    text = text.strip().replace("\r\n", "\n")
    report = report_of(call, school.id)
    if report is None:
        if text == prefilled_report(call, school).strip():
            return False
        report = SelectionReport(call_id=call.id, school_id=school.id)
        db.session.add(report)
    elif report.text == text:
        return False
    report.text = text
    report.updated_by_id = by.id
    db.session.flush()
    audit.record(by, "selection_report.save", report, call_id=call.id)
    db.session.commit()
    return True
