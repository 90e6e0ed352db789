"""Competence-coaching visits: planning, the structured report with its agreements,
making it final, the tripartite confirmation that locks it, and comments and amendments
beside a final report.

A final report is never changed: a correction is an amendment recorded beside it with
its author and time. Services raise `DomainError` (nothing changed) or `StaleEdit`, and
own the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import audit, dates, policy, signals
from app.domain import DomainError, StaleEdit, check_in_placement, commit_versioned
from app.extensions import db
from app.models import (
    Action,
    ActionState,
    Actor,
    AdditionKind,
    Placement,
    User,
    Visit,
    VisitAddition,
    VisitConfirmation,
    VisitStatus,
)
from app.models.columns import utcnow
from app.visits import agenda

# The report's sections, in the order of the conversation.
REPORT_SECTIONS = (
    (
        "learning_process",
        _l("How the learning process goes"),
        _l("What the student learns and does now; progress since the last visit."),
    ),
    (
        "workplace_followup",
        _l("Follow-up and evaluation at the workplace"),
        _l("How the mentor follows up and gives feedback; is the log kept?"),
    ),
    ("personal_development", _l("Personal development"), ""),
    ("behaviour", _l("Behaviour at work"), ""),
    ("punctuality", _l("Punctuality"), ""),
    ("feedback", _l("Dealing with feedback"), ""),
    ("bottlenecks", _l("Bottlenecks or conflicts"), ""),
)
SECTION_KEYS = tuple(key for key, _label, _hint in REPORT_SECTIONS)
ATTENDEES = (Actor.STUDENT, Actor.MENTOR, Actor.COACH)
MAX_SECTION_LENGTH = 5000


# -- reading ----------------------------------------------------------------------------


def visits_of(placement: Placement) -> list[Visit]:
    """The placement's visits, the next planned first, then the past ones newest first."""
    visits = db.session.scalars(
        select(Visit)
        .where(Visit.placement_id == placement.id)
        .options(selectinload(Visit.confirmations))
        .order_by(Visit.planned_on.desc(), Visit.id.desc())
    ).all()
    planned = sorted(
        (v for v in visits if v.status == VisitStatus.PLANNED), key=lambda v: v.planned_on
    )
    return planned + [v for v in visits if v.status != VisitStatus.PLANNED]


def agreements_of(visit: Visit, reader: User) -> list[Action]:
    """The visit's agreements; while the report is a draft, only its coach sees them."""
    if not policy.sees_report(reader, visit.placement, visit):
        return []
    return list(
        db.session.scalars(select(Action).where(Action.visit_id == visit.id).order_by(Action.id))
    )


def visible_sections(visit: Visit, reader: User) -> list[tuple[str, str, str, bool]]:
    """(key, label, text, coach only) of the report's written sections `reader` may read:
    a draft is the coach's alone.
    """
    shown = policy.visible_report(reader, visit.placement, visit)
    return [
        (key, str(label), shown[key], key in visit.coach_only)
        for key, label, _hint in REPORT_SECTIONS
        if shown.get(key)
    ]


def visible_additions(visit: Visit, reader: User) -> list[VisitAddition]:
    coach_only_visible = policy.sees_visit_coach_only(reader, visit.placement, visit)
    return [a for a in visit.additions if coach_only_visible or not a.coach_only]


def agenda_for(visit: Visit, reader: User, today: date) -> list[agenda.AgendaSection]:
    """The agenda the report was made final with, or today's while it is not final. It is
    drawn from the log: none for a trip teacher who does not read the log.
    """
    if not policy.can_view_placement_log(reader, visit.placement):
        return []
    items = visit.agenda if visit.agenda is not None else agenda.gather(visit.placement, today)
    return agenda.render(visit.placement, items, reader)


def last_place(placement: Placement) -> str:
    """Where the last visit was, to plan the next one there without typing it again."""
    return (
        db.session.scalar(
            select(Visit.place)
            .where(Visit.placement_id == placement.id, Visit.place != "")
            .order_by(Visit.planned_on.desc(), Visit.id.desc())
            .limit(1)
        )
        or ""
    )


# -- planning ---------------------------------------------------------------------------


@dataclass
class VisitPlan:
    planned_on: date
    planned_time: time | None
    place: str
    attendees: list[str]
    other_attendees: str


def _check_plan(placement: Placement, plan: VisitPlan) -> None:
    check_in_placement(placement, plan.planned_on, "planned_on")
    unknown = set(plan.attendees) - {actor.value for actor in ATTENDEES}
    if unknown:
        raise DomainError("attendees", _l("Choose who attends from the list."))


def plan_visit(placement: Placement, coach: User, plan: VisitPlan) -> Visit:
    _check_plan(placement, plan)
    visit = Visit(
        placement_id=placement.id,
        planned_by_id=coach.id,
        planned_on=plan.planned_on,
        planned_time=plan.planned_time,
        place=plan.place.strip(),
        attendees=plan.attendees,
        other_attendees=plan.other_attendees.strip(),
        status=VisitStatus.PLANNED,
        report={},
        coach_only=[],
    )
    db.session.add(visit)
    db.session.commit()
    signals.visit_planned.send(visit, by=coach)
    return visit


def change_plan(
    visit: Visit, plan: VisitPlan, *, expected_version: int, coach_id: int | None = None
) -> None:
    """Move or change a planned visit; student and mentor hear when its day or time moves.

    A change made from an older version is refused, unless it is what is saved now (a
    double tap), which changes nothing.
    """
    if visit.is_final or visit.status == VisitStatus.CANCELLED:
        raise DomainError("planned_on", _l("This visit cannot be moved any more."))
    _check_plan(visit.placement, plan)
    if (
        visit.planned_on,
        visit.planned_time,
        visit.place,
        visit.attendees,
        visit.other_attendees,
    ) == (
        plan.planned_on,
        plan.planned_time,
        plan.place.strip(),
        plan.attendees,
        plan.other_attendees.strip(),
    ):
        return
    if visit.version != expected_version:
        raise StaleEdit()
    moved = (visit.planned_on, visit.planned_time) != (plan.planned_on, plan.planned_time)
    visit.planned_on = plan.planned_on
    visit.planned_time = plan.planned_time
    visit.place = plan.place.strip()
    visit.attendees = plan.attendees
    visit.other_attendees = plan.other_attendees.strip()
    commit_versioned()
    if moved:
        signals.visit_moved.send(visit, by_id=coach_id)


def cancel_visit(visit: Visit, coach: User) -> None:
    if visit.status != VisitStatus.PLANNED:
        raise DomainError("visit", _l("Only a visit that has not been reported can be cancelled."))
    visit.status = VisitStatus.CANCELLED
    audit.record(coach, "visit.cancel", visit, placement_id=visit.placement_id)
    commit_versioned()


# -- the report -------------------------------------------------------------------------

FINAL_REFUSAL = _l(
    "This report is final and can no longer be changed. Add an amendment below: it is "
    "recorded beside the report."
)


def save_report(
    visit: Visit,
    *,
    held_on: date | None,
    sections: dict[str, str],
    coach_only: list[str],
    expected_version: int,
) -> None:
    """Save the report as a draft (the coach completes it later, from any device).

    A save from an older version is refused, unless it is what is saved now (a double
    tap), which changes nothing.
    """
    if visit.is_final:
        raise DomainError("report", FINAL_REFUSAL)
    if visit.status == VisitStatus.CANCELLED:
        raise DomainError("report", _l("This visit was cancelled."))
    check_in_placement(visit.placement, held_on, "held_on")
    if held_on is not None and held_on > dates.today(visit.placement.school):
        raise DomainError("held_on", _l("A visit is reported on the day it was held or later."))
    report = {key: (sections.get(key) or "").strip()[:MAX_SECTION_LENGTH] for key in SECTION_KEYS}
    hidden = [key for key in SECTION_KEYS if key in coach_only]
    if visit.status == VisitStatus.REPORTING and (held_on, report, hidden) == (
        visit.held_on,
        visit.report,
        visit.coach_only,
    ):
        return
    if visit.version != expected_version:
        raise StaleEdit()
    visit.held_on = held_on
    visit.report = report
    visit.coach_only = hidden
    if visit.status == VisitStatus.PLANNED:
        visit.status = VisitStatus.REPORTING
    commit_versioned()


def finalise(visit: Visit, coach: User, today: date, *, expected_version: int) -> None:
    """Make the report final: its agenda is kept as it is today, the coach's own
    confirmation is recorded, and it goes to the mentor, then the student.
    """
    if visit.is_final:
        raise DomainError("report", FINAL_REFUSAL)
    if visit.version != expected_version:
        raise StaleEdit()
    if visit.held_on is None:
        raise DomainError("held_on", _l("Fill in the day the visit was held."))
    if not any(visit.report.get(key) for key in SECTION_KEYS):
        raise DomainError("learning_process", _l("Write at least one part of the report."))
    visit.agenda = agenda.gather(visit.placement, today)
    visit.status = VisitStatus.FINAL
    visit.finalised_at = utcnow()
    db.session.add(VisitConfirmation(visit_id=visit.id, actor=Actor.COACH, user_id=coach.id))
    audit.record(coach, "visit.finalise", visit, placement_id=visit.placement_id)
    commit_versioned()
    signals.report_final.send(visit, by=coach)


def add_agreement(
    visit: Visit, coach: User, title: str, owner: Actor, due_date: date | None
) -> Action:
    """An agreement of the visit: an action of its owner, in the student's plan or on the
    mentor's or coach's list, until it is done.
    """
    if visit.is_final:
        raise DomainError("agreement", FINAL_REFUSAL)
    if not title.strip():
        raise DomainError("agreement", _l("Write down what was agreed."))
    if due_date is None:
        raise DomainError("due_date", _l("An agreement needs a date by which it is done."))
    check_in_placement(visit.placement, due_date, "due_date")
    action = Action(
        placement_id=visit.placement_id,
        visit_id=visit.id,
        author_id=coach.id,
        author_role=Actor.COACH,
        owner=owner,
        title=title.strip(),
        due_date=due_date,
        state=ActionState.OPEN,
    )
    db.session.add(action)
    db.session.commit()
    return action


def remove_agreement(visit: Visit, action_id: int) -> bool:
    """Take an agreement off a draft report; False when the visit has no such agreement."""
    if visit.is_final:
        raise DomainError("agreement", FINAL_REFUSAL)
    action = db.session.get(Action, action_id)
    if action is None or action.visit_id != visit.id:
        return False
    db.session.delete(action)
    db.session.commit()
    return True


def amendment_from(visit: Visit, sections: dict[str, str]) -> tuple[str, bool]:
    """What a coach typed over a final report, as the text of an amendment: the parts that
    differ from the report, each under its heading; and whether any of those parts is
    coach only (then so is the amendment).
    """
    parts, coach_only = [], False
    for key, label, _hint in REPORT_SECTIONS:
        typed = (sections.get(key) or "").strip()
        if typed and typed != visit.report.get(key, ""):
            parts.append(f"**{label}**\n\n{typed}")
            coach_only = coach_only or key in visit.coach_only
    return "\n\n".join(parts), coach_only


# -- after the report is final ----------------------------------------------------------


def can_confirm(visit: Visit, user: User) -> bool:
    """The mentor (or abroad the host monitor, for the host's side) confirms first, then
    the student; each once, while it is not locked.
    """
    actor = policy.confirming_actor(user, visit.placement)
    if visit.status != VisitStatus.FINAL or actor not in (Actor.MENTOR, Actor.STUDENT):
        return False
    if visit.confirmed_by(actor) is not None:
        return False
    return actor == Actor.MENTOR or visit.confirmed_by(Actor.MENTOR) is not None


def confirm(visit: Visit, user: User, comment: str) -> None:
    """Confirm having read the report; when all three have, the report is locked."""
    if not can_confirm(visit, user):
        raise DomainError("comment", _l("This report is not waiting for your confirmation."))
    actor = policy.confirming_actor(user, visit.placement)
    visit.confirmations.append(
        VisitConfirmation(actor=actor, user_id=user.id, comment=comment.strip())
    )
    audit.record(user, "visit.confirm", visit, placement_id=visit.placement_id)
    if {c.actor for c in visit.confirmations} >= set(ATTENDEES):
        visit.status = VisitStatus.LOCKED
        visit.locked_at = utcnow()
    try:
        commit_versioned()
    except IntegrityError:
        # A double tap sent the confirmation twice at once: the first one counts (and
        # told the student already).
        db.session.rollback()
        return
    signals.report_confirmed.send(visit, by=user)


def add_addition(
    visit: Visit,
    user: User,
    kind: AdditionKind,
    body: str,
    *,
    section: str = "",
    coach_only: bool = False,
) -> VisitAddition:
    """A comment of the trio, or the coach's amendment, beside a final report."""
    if not visit.is_final:
        raise DomainError("body", _l("Comments and amendments come once the report is final."))
    body = body.strip()
    if not body:
        raise DomainError("body", _l("Please write something here."))
    if section and section not in SECTION_KEYS:
        raise DomainError("section", _l("Choose a part of the report."))
    addition = VisitAddition(
        visit_id=visit.id,
        kind=kind,
        author_id=user.id,
        # The trip teacher amends the report they made for the school's side, as its coach.
        author_role=policy.actor_in(user, visit.placement)
        or (Actor.COACH if policy.is_trip_teacher(user, visit) else None),
        section=section,
        body=body,
        # An amendment of a coach-only part stays with those who read that part.
        coach_only=kind == AdditionKind.AMENDMENT and (coach_only or section in visit.coach_only),
    )
    db.session.add(addition)
    if kind == AdditionKind.AMENDMENT:
        audit.record(user, "visit.amend", visit, placement_id=visit.placement_id)
    db.session.commit()
    return addition
