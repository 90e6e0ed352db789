"""The development plan and visits of the first demo placement: an approved plan with a
reached goal, an overdue action and a suggestion of the mentor; a visit whose final
report waits for the mentor's confirmation, and the next visit planned.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Action,
    ActionState,
    Actor,
    DevelopmentPlan,
    EntryKind,
    Goal,
    GoalComment,
    GoalEvidence,
    GoalState,
    LogEntry,
    Placement,
    PlanStatus,
    ReviewStatus,
    User,
    Visit,
    VisitConfirmation,
    VisitStatus,
)
from app.notifications import events
from app.plans.services import link_choices
from app.visits import agenda


def build_demo_plan(placement: Placement, today: date) -> None:
    """Fill the plan and visits of `placement` once (nothing happens when it has goals)."""
    if db.session.scalar(select(Goal.id).where(Goal.placement_id == placement.id)):
        return
    known = {choice.key for choice in link_choices(placement)}

    def links(*keys: str) -> list[str]:
        return [key for key in keys if key in known] or sorted(known)[:1]

    def moment(day: date, hour: int = 16) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=UTC)

    start = placement.start_date
    db.session.add(
        DevelopmentPlan(
            placement_id=placement.id,
            status=PlanStatus.ACTIVE,
            approved_by_id=placement.coach_id,
            approved_at=moment(start + timedelta(days=16), 10),
        )
    )
    student = {"author_id": placement.student_id, "author_role": Actor.STUDENT}
    on_time = Goal(
        placement_id=placement.id,
        title="Op tijd verwittigen als ik later kom",
        why="Twee keer liet ik het pas achteraf weten; dan wacht de ploeg op mij.",
        success="Ik bel Jan vóór 7.30 uur als ik later ben, telkens.",
        target_date=start + timedelta(days=45),
        links=links("criterion:punctuality"),
        state=GoalState.REACHED,
        reflection="Ik heb het nummer van Jan in mijn gsm en heb het twee keer op tijd gemeld.",
        closed_at=moment(start + timedelta(days=44)),
        **student,
    )
    boards = Goal(
        placement_id=placement.id,
        title="Zelfstandig een verdeelbord bekabelen",
        why="Jan doet het nu nog voor; ik wil het eind dit jaar alleen kunnen.",
        success="Ik bekabel een verdeelbord volgens het schema en Jan vindt geen fout bij "
        "de controle.",
        target_date=min(today + timedelta(days=60), placement.end_date),
        links=links(
            "competence:distribution-boards",
            "competence:reading-diagrams",
            "criterion:independence",
        ),
        state=GoalState.OPEN,
        **student,
    )
    questions = Goal(
        placement_id=placement.id,
        author_id=placement.mentor_id,
        author_role=Actor.MENTOR,
        title="Vragen stellen als ik iets niet begrijp",
        why="Je zegt soms ‘ja’ terwijl het niet duidelijk is.",
        success="Je vraagt het zelf, vóór je begint.",
        links=links("criterion:communication"),
        state=GoalState.SUGGESTED,
    )
    db.session.add_all([on_time, boards, questions])
    db.session.flush()
    db.session.add_all(
        [
            Action(
                placement_id=placement.id,
                goal_id=on_time.id,
                title="Het nummer van Jan in mijn gsm zetten",
                due_date=start + timedelta(days=20),
                state=ActionState.DONE,
                done_at=moment(start + timedelta(days=19)),
                done_by_id=placement.student_id,
                **student,
            ),
            Action(
                placement_id=placement.id,
                goal_id=boards.id,
                title="Het eendraadschema van lokaal 3 zelf tekenen",
                due_date=today - timedelta(days=3),
                **student,
            ),
            Action(
                placement_id=placement.id,
                goal_id=boards.id,
                title="Een verdeelbord bekabelen terwijl Jan kijkt",
                due_date=min(today + timedelta(days=14), placement.end_date),
                **student,
            ),
            GoalComment(
                goal_id=boards.id,
                author_id=placement.coach_id,
                author_role=Actor.COACH,
                body="Goed doel. Neem het schema mee naar het volgende bezoek.",
                created_at=moment(start + timedelta(days=30), 18),
            ),
        ]
    )
    week = db.session.scalar(
        select(LogEntry.id)
        .where(LogEntry.placement_id == placement.id, LogEntry.kind == EntryKind.WEEKLY_LOG)
        .order_by(LogEntry.week_start.desc())
    )
    if week is not None:
        db.session.add(GoalEvidence(goal_id=boards.id, entry_id=week))
    final, planned = _visits(placement, today)
    db.session.flush()
    _notifications(placement, questions, final, planned)


def _notifications(placement: Placement, suggestion: Goal, final: Visit, planned: Visit):
    """What the trio was told while this happened, through the same events the app uses,
    so the bell and (after `leerspoor reminders run`) the outbox show them.
    """
    for entry in db.session.scalars(
        select(LogEntry).where(
            LogEntry.placement_id == placement.id,
            LogEntry.review_status == ReviewStatus.SUBMITTED,
        )
    ):
        events.entry_shared(entry)
    events.goal_suggested(suggestion)
    events.visit_report_final(final, db.session.get(User, placement.coach_id))
    events.visit_planned(planned)


def _visits(placement: Placement, today: date) -> tuple[Visit, Visit]:
    held = min(placement.start_date + timedelta(days=35), today - timedelta(days=2))
    visit = Visit(
        placement_id=placement.id,
        planned_by_id=placement.coach_id,
        planned_on=held,
        planned_time=time(10, 0),
        place="Werkplaats Verbeke, Industrieweg 12, Deinze",
        attendees=["student", "mentor", "coach"],
        status=VisitStatus.FINAL,
        held_on=held,
        report={
            "learning_process": "Lotte bekabelt kleine borden nu met weinig hulp. Het lezen "
            "van schema's gaat trager; ze vraagt niet genoeg.",
            "workplace_followup": "Luc bespreekt elke vrijdag de week; het logboek wordt "
            "bijgehouden en goedgekeurd.",
            "personal_development": "Meer zelfvertrouwen dan bij de start.",
            "behaviour": "Netjes en veilig: schakelt altijd eerst de spanning af.",
            "punctuality": "Twee keer te laat, de tweede keer op tijd gemeld.",
            "feedback": "Neemt feedback aan, stelt zelf weinig vragen.",
            "bottlenecks": "Lotte voelt zich soms ‘het kind van de ploeg’. Even apart besproken.",
        },
        coach_only=["bottlenecks"],
        finalised_at=datetime.combine(held + timedelta(days=1), time(17), tzinfo=UTC),
    )
    db.session.add(visit)
    db.session.flush()
    visit.agenda = agenda.gather(placement, today)
    db.session.add_all(
        [
            VisitConfirmation(
                visit_id=visit.id,
                actor=Actor.COACH,
                user_id=placement.coach_id,
                confirmed_at=visit.finalised_at,
            ),
            Action(
                placement_id=placement.id,
                visit_id=visit.id,
                author_id=placement.coach_id,
                author_role=Actor.COACH,
                owner=Actor.STUDENT,
                title="Elke vrijdag de planning van volgende week bespreken met Luc",
                due_date=min(today + timedelta(days=7), placement.end_date),
            ),
            Action(
                placement_id=placement.id,
                visit_id=visit.id,
                author_id=placement.coach_id,
                author_role=Actor.COACH,
                owner=Actor.MENTOR,
                title="Lotte elke week één taak zelfstandig laten uitvoeren",
                due_date=min(today + timedelta(days=10), placement.end_date),
            ),
        ]
    )
    planned = Visit(
        placement_id=placement.id,
        planned_by_id=placement.coach_id,
        planned_on=min(today + timedelta(days=9), placement.end_date),
        planned_time=time(10, 0),
        place="Werkplaats Verbeke, Industrieweg 12, Deinze",
        attendees=["student", "mentor", "coach"],
        status=VisitStatus.PLANNED,
        report={},
        coach_only=[],
    )
    db.session.add(planned)
    return visit, planned
