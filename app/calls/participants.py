"""From a selected candidate to a placement abroad, and the call's participants as the
sending side and the promoter follow them.

The school (its local contact point, or the call's promoter) makes a selected candidate
ready for matching: their destination and coach, and whether they have fewer
opportunities. The host partner of the destination then chooses the host workplace, its
mentor and the monitor, which creates the placement abroad in preparation; from then on
the placement's matching page and mobility file apply. The promoter's overview counts
each participant in one stage and exports one row per participant for its report.

Services check the domain rules before anything is written, record the audit event and
own the commit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select, update
from sqlalchemy.orm import joinedload

from app import audit
from app.domain import DomainError
from app.extensions import db
from app.mobility import services as mobility
from app.models import (
    CallDestination,
    Candidate,
    Decision,
    ItemKind,
    Membership,
    MobilityCall,
    Organisation,
    Placement,
    PlacementKind,
    PlacementStatus,
    Role,
    User,
)
from app.models.columns import utcnow
from app.placements import matching
from app.placements.services import ensure_partnership
from app.privacy import minors
from app.spreadsheets import SpreadsheetWriter

MAX_NOTE = 500


# -- the school makes a selected candidate ready for matching ---------------------------


def school_coaches(school_id: int) -> list[User]:
    """The active coaches of a school, by name."""
    coaches = select(Membership.user_id).where(
        Membership.organisation_id == school_id, Membership.role == Role.COACH
    )
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(coaches), User.active.is_(True)).order_by(User.name)
        )
    )


def current_placement(student_id: int, school_id: int) -> Placement | None:
    """The student's placement at home with the school: the running one, else the one
    that began last (never a mobility abroad).
    """
    return db.session.scalar(
        select(Placement)
        .where(
            Placement.student_id == student_id,
            Placement.school_id == school_id,
            Placement.kind != PlacementKind.MOBILITY_ABROAD,
        )
        .order_by(
            case((Placement.status == PlacementStatus.ACTIVE, 0), else_=1),
            Placement.start_date.desc(),
            Placement.id.desc(),
        )
        .limit(1)
    )


def default_coach_id(candidate: Candidate) -> int | None:
    """The coach chosen already, else the coach of the student's current placement."""
    if candidate.coach_id is not None:
        return candidate.coach_id
    placement = current_placement(candidate.student_id, candidate.school_id)
    return placement.coach_id if placement is not None else None


@dataclass
class Preparation:
    destination_id: int | None
    coach_id: int | None
    fewer_opportunities: bool
    fewer_opportunities_note: str


def prepare(candidate: Candidate, by: User, preparation: Preparation) -> bool:
    """Make a selected candidate ready for matching; False when nothing changed.

    Refused for a candidate who is not selected (a reserve becomes selected through the
    school's decision first), once the placement abroad exists, for a destination of
    another call and for a coach of another school.
    """
    if candidate.decision != Decision.SELECTED:
        raise DomainError(
            "destination",
            _l(
                "Only a selected candidate is made ready for matching. Change the "
                "decision first if a reserve takes a place."
            ),
        )
    if candidate.placement_id is not None:
        raise DomainError(
            "destination",
            _l("The placement abroad exists already: its matching page holds the choices now."),
        )
    if preparation.destination_id not in {d.id for d in candidate.call.destinations}:
        raise DomainError("destination", _l("Choose one of the call's destinations."))
    if preparation.coach_id not in {coach.id for coach in school_coaches(candidate.school_id)}:
        raise DomainError(
            "coach", _l("Choose a coach of %(school)s.", school=candidate.school.name)
        )
    note = preparation.fewer_opportunities_note.strip() if preparation.fewer_opportunities else ""
    if preparation.fewer_opportunities and not note:
        raise DomainError(
            "fewer_opportunities_note",
            _l("Explain in a few words why the participant has fewer opportunities."),
        )
    if len(note) > MAX_NOTE:
        raise DomainError(
            "fewer_opportunities_note", _l("Keep the explanation under 500 characters.")
        )
    after = (
        preparation.destination_id,
        preparation.coach_id,
        preparation.fewer_opportunities,
        note,
    )
    before = (
        candidate.destination_id,
        candidate.coach_id,
        candidate.fewer_opportunities,
        candidate.fewer_opportunities_note,
    )
    if before == after:
        return False
    (
        candidate.destination_id,
        candidate.coach_id,
        candidate.fewer_opportunities,
        candidate.fewer_opportunities_note,
    ) = after
    candidate.prepared_by_id = by.id
    candidate.prepared_at = utcnow()
    # Whether they have fewer opportunities stays out of the audit trail's details.
    audit.record(
        by,
        "candidate.prepare",
        candidate,
        destination_id=preparation.destination_id,
        coach_id=preparation.coach_id,
    )
    db.session.commit()
    return True


# -- the host partner creates the placement ---------------------------------------------


def to_match_page(visibility, *, page: int, per_page: int):
    """One page of the participants ready for matching that the reader places
    (`policy.to_match_visibility`), the soonest call first: two queries and the count.
    """
    query = (
        select(Candidate)
        .join(Candidate.call)
        .join(Candidate.student)
        .where(
            Candidate.decision == Decision.SELECTED,
            Candidate.destination_id.is_not(None),
            Candidate.coach_id.is_not(None),
            Candidate.placement_id.is_(None),
            visibility,
        )
        .options(
            joinedload(Candidate.student),
            joinedload(Candidate.school),
            joinedload(Candidate.call),
            joinedload(Candidate.destination),
        )
        .order_by(
            MobilityCall.placement_start, Candidate.destination_id, Candidate.school_id, User.name
        )
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def cv_complete(candidate: Candidate) -> bool:
    """The CV and expectations form is complete when it names the education, the work
    experience, what the candidate expects to learn and at least one language with its
    level (practical needs are optional: there may be none).
    """
    cv = candidate.cv or {}
    texts = ("education", "work_experience", "expectations")
    return all((cv.get(name) or "").strip() for name in texts) and any(
        item.get("language") and item.get("level") for item in cv.get("languages", [])
    )


def create_placement(candidate: Candidate, by: User, choice: matching.Match) -> Placement:
    """The host partner's choice creates the participant's placement abroad, in
    preparation over the call's placement window, with the coach the school chose and
    the field of education of their placement at home. Its CV item is delivered when
    the candidate's form is complete. One commit.

    Refused for a second placement of the same candidate, a candidate who is not ready
    for matching, and a workplace, mentor or monitor outside the host partner's choices.
    """
    if candidate.placement_id is not None:
        raise DomainError("workplace", _l("This participant's placement abroad exists already."))
    if not candidate.ready:
        raise DomainError(
            "workplace", _l("The school has not made this candidate ready for matching.")
        )
    partner = candidate.destination.host_partner
    if partner is None:
        raise DomainError("workplace", _l("This destination has no host partner yet."))
    matching.check_choice(partner, choice)
    call = candidate.call
    home = current_placement(candidate.student_id, candidate.school_id)
    placement = Placement(
        student_id=candidate.student_id,
        school_id=candidate.school_id,
        workplace_id=choice.workplace_id,
        mentor_id=choice.mentor_id,
        coach_id=candidate.coach_id,
        monitor_id=choice.monitor_id,
        host_partner_id=partner.id,
        monitor_scores=call.monitor_scores,
        kind=PlacementKind.MOBILITY_ABROAD,
        status=PlacementStatus.PREPARING,
        start_date=call.placement_start,
        end_date=call.placement_end,
        programme=home.programme if home else "",
        cohort=home.cohort if home else "",
        framework_id=home.framework_id if home else None,
        framework_version=home.framework_version if home else None,
        rubric_id=home.rubric_id if home else None,
        rubric_version=home.rubric_version if home else None,
    )
    db.session.add(placement)
    # The host company becomes a workplace of the school, as with any placement, so the
    # school's coordinator can edit the placement they are responsible for.
    ensure_partnership(candidate.school, db.session.get(Organisation, choice.workplace_id))
    db.session.flush()
    # Whoever links a placement first wins; a second request at the same moment writes
    # nothing.
    claimed = db.session.execute(
        update(Candidate)
        .where(Candidate.id == candidate.id, Candidate.placement_id.is_(None))
        .values(placement_id=placement.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise DomainError("workplace", _l("This participant's placement abroad exists already."))
    audit.record(
        by,
        "placement_created_from_candidate",
        placement,
        candidate=candidate.id,
        call=call.id,
        workplace=choice.workplace_id,
        mentor=choice.mentor_id,
        monitor=choice.monitor_id,
    )
    if cv_complete(candidate):
        mobility.mark_delivered(placement, ItemKind.CV_EXPECTATIONS, by)  # commits it all
    else:
        db.session.commit()
    return placement


# -- the group at a destination ---------------------------------------------------------


def participants_at(destination: CallDestination) -> list[Candidate]:
    """The selected candidates going to a destination, of every school, with their
    placement when it exists (one query).
    """
    return list(
        db.session.scalars(
            select(Candidate)
            .join(Candidate.student)
            .join(Candidate.school)
            .where(
                Candidate.destination_id == destination.id,
                Candidate.decision == Decision.SELECTED,
            )
            .options(
                joinedload(Candidate.student),
                joinedload(Candidate.school),
                joinedload(Candidate.placement).joinedload(Placement.workplace),
            )
            .order_by(Organisation.name, User.name)
        )
    )


def first_name(user: User) -> str:
    return (user.name.split() or [""])[0]


# -- the promoter's overview ------------------------------------------------------------


class Stage(enum.StrEnum):
    SELECTED = "selected"
    READY = "ready"
    PREPARING = "preparing"
    ABROAD = "abroad"
    CLOSED = "closed"

    @property
    def label(self):
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.SELECTED: _l("Selected"),
    Stage.READY: _l("Ready for matching"),
    Stage.PREPARING: _l("Preparing"),
    Stage.ABROAD: _l("Abroad"),
    Stage.CLOSED: _l("Closed"),
}


def stage_of(candidate: Candidate) -> Stage:
    placement = candidate.placement
    if placement is not None:
        if placement.status == PlacementStatus.PREPARING:
            return Stage.PREPARING
        if placement.status == PlacementStatus.ACTIVE:
            return Stage.ABROAD
        return Stage.CLOSED
    return Stage.READY if candidate.ready else Stage.SELECTED


@dataclass
class Participant:
    candidate: Candidate
    stage: Stage
    missing: list  # the mobility file's missing items, while preparing
    minor: bool

    @property
    def placement(self) -> Placement | None:
        return self.candidate.placement


@dataclass
class Group:
    """The participants of one school at one destination (or none chosen yet)."""

    school: Organisation
    destination: CallDestination | None
    participants: list[Participant]

    def count(self, stage: Stage) -> int:
        return sum(1 for participant in self.participants if participant.stage == stage)


def overview(call: MobilityCall, scope) -> list[Group]:
    """The call's selected participants the reader follows (`policy.overview_scope`),
    per school and destination, each in their stage, with what their mobility file
    misses while preparing. A bounded number of queries whatever their number.
    """
    candidates = list(
        db.session.scalars(
            select(Candidate)
            .join(Candidate.student)
            .join(Candidate.school)
            .where(
                Candidate.call_id == call.id,
                Candidate.decision == Decision.SELECTED,
                scope,
            )
            .options(
                joinedload(Candidate.student),
                joinedload(Candidate.school),
                joinedload(Candidate.placement).joinedload(Placement.workplace),
                joinedload(Candidate.placement).joinedload(Placement.student),
            )
            .order_by(Organisation.name, Candidate.destination_id, User.name)
        )
    )
    placements = [c.placement for c in candidates if c.placement is not None]
    files = mobility.files_of(placements)
    destinations = {destination.id: destination for destination in call.destinations}
    groups: dict[tuple[int, int | None], Group] = {}
    for candidate in candidates:
        stage = stage_of(candidate)
        found = files.get(candidate.placement_id) if candidate.placement_id else None
        missing = found.missing if found is not None and stage == Stage.PREPARING else []
        key = (candidate.school_id, candidate.destination_id)
        if key not in groups:
            groups[key] = Group(candidate.school, destinations.get(candidate.destination_id), [])
        groups[key].participants.append(
            Participant(
                candidate,
                stage,
                missing,
                minors.is_minor(
                    candidate.student,
                    candidate.placement.start_date if candidate.placement else call.placement_start,
                ),
            )
        )
    return list(groups.values())


def duration_days(start: date, end: date) -> int:
    """The days of a stay, the first and the last included."""
    return (end - start).days + 1


CSV_COLUMNS = (
    "participant",
    "sending_organisation",
    "receiving_organisation",
    "host_partner",
    "country",
    "city",
    "start_date",
    "end_date",
    "duration_days",
    "field_of_education",
    "minor_at_start",
    "fewer_opportunities",
    "stage",
)


def overview_csv(call: MobilityCall, groups: list[Group]) -> str:
    """One row per participant, as a beneficiary reports them (the columns are
    documented in docs/mobility.md). Before the placement exists, the dates are the
    call's window and the receiving organisation is empty.
    """
    writer = SpreadsheetWriter()
    writer.writerow(CSV_COLUMNS)
    for group in groups:
        destination = group.destination
        for participant in group.participants:
            candidate = participant.candidate
            placement = participant.placement
            start = placement.start_date if placement else call.placement_start
            end = placement.end_date if placement else call.placement_end
            writer.writerow(
                (
                    candidate.student.name,
                    group.school.name,
                    placement.workplace.name if placement else "",
                    destination.host_partner.name
                    if destination and destination.host_partner
                    else "",
                    destination.country if destination else "",
                    destination.city if destination else "",
                    start,
                    end,
                    duration_days(start, end),
                    placement.programme if placement else "",
                    "yes" if participant.minor else "no",
                    "yes" if candidate.fewer_opportunities else "no",
                    participant.stage.value,
                )
            )
    return writer.document()
