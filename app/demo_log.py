"""A lived-in log for one demo placement: weeks, feedback, a visit, registrations by all
three, rubric scores and a training plan, so the demo shows the follow-up at work; and
its mentor's training under way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app.content.modules import BASIC_PATH
from app.content.services import content_library, training_library
from app.extensions import db
from app.models import (
    Actor,
    Comment,
    EntryKind,
    LogEntry,
    MentorRecord,
    ModuleProgress,
    Placement,
    PlanItem,
    PracticePost,
    Recommendation,
    Registration,
    ReviewStatus,
    RubricScore,
    Setting,
)

WEEKS = [
    (
        {
            "did": "Kabelgoten gemonteerd in de nieuwe loods en kabels getrokken met Jan.",
            "went_well": "Ik heb alle kabels **zelf gemerkt** volgens het plan.",
            "was_hard": "Het schema lezen van de tweede verdieping.",
            "need": "Nog eens uitleg over het eendraadschema.",
        },
        4,
        ReviewStatus.APPROVED,
    ),
    (
        {
            "did": "Stopcontacten en schakelaars geplaatst in drie klaslokalen.",
            "went_well": "Sneller gewerkt dan vorige week.",
            "was_hard": "Ik was één keer te laat omdat de bus niet reed, "
            "en ik heb het pas om 8 uur laten weten.",
            "need": "Een vaste plek voor mijn gereedschap in de bestelwagen.",
        },
        3,
        ReviewStatus.APPROVED,
    ),
    (
        {
            "did": "Verdeelbord helpen bekabelen en aardingsmeting bekeken.",
            "went_well": "Ik mocht zelf de differentieelschakelaar testen.",
            "was_hard": "Veel nieuwe woorden; ik durfde niet alles te vragen.",
            "need": "Dat Jan me vaker zegt hoe ik het doe.",
        },
        2,
        ReviewStatus.SUBMITTED,
    ),
]

# (indicator, competence, student, mentor, coach): levels of the latest round;
# None means not registered by that person.
LEVELS = [
    ("names-symbols", "reading-diagrams", 3, 3, 3),
    ("locates-on-site", "reading-diagrams", 4, 2, 3),
    ("follows-circuit", "reading-diagrams", 2, 2, None),
    ("marks-out", "cable-routes", 4, 3, 3),
    ("pulls-cables", "cable-routes", 4, 4, 3),
    ("marks-cables", "cable-routes", 4, 2, 2),
    ("selects-breaker", "distribution-boards", 2, 1, None),
]


def build_demo_log(placement: Placement, today: date) -> None:
    """Fill the log of `placement` once (nothing happens when it has entries)."""
    if db.session.scalar(select(LogEntry.id).where(LogEntry.placement_id == placement.id)):
        return
    framework = content_library().frameworks.get(placement.framework_id or "")
    rubric = content_library().rubrics.get(placement.rubric_id or "")
    monday = placement.start_date - timedelta(days=placement.start_date.weekday())

    def moment(day: date, hour: int = 16) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=UTC)

    for number, (sections, wellbeing, status) in enumerate(WEEKS):
        week = monday + timedelta(weeks=number + 1)
        entry = LogEntry(
            placement_id=placement.id,
            author_id=placement.student_id,
            author_role=Actor.STUDENT,
            kind=EntryKind.WEEKLY_LOG,
            sections=sections,
            week_start=week,
            wellbeing=wellbeing,
            review_status=status,
            created_at=moment(week + timedelta(days=4)),
            submitted_at=moment(week + timedelta(days=4)),
        )
        if status == ReviewStatus.APPROVED:
            entry.reviewed_by_id = placement.mentor_id
            entry.reviewed_at = moment(week + timedelta(days=7), 9)
        db.session.add(entry)
    feedback = LogEntry(
        placement_id=placement.id,
        author_id=placement.mentor_id,
        author_role=Actor.MENTOR,
        kind=EntryKind.FEEDBACK,
        sections={
            "went_well": "Je werkt netjes en veilig: je schakelt altijd eerst de spanning af.",
            "work_on": "Laat het vóór 7.30 uur weten als je te laat bent, niet achteraf.",
            "next_step": "Volgende week trek je zelf de kabels voor lokaal 3; "
            "vrijdag kijken we samen.",
        },
        created_at=moment(monday + timedelta(weeks=2, days=4), 17),
    )
    feedback.comments.append(
        Comment(
            author_id=placement.student_id,
            body="Oké, ik zet het nummer van Jan in mijn gsm.",
            created_at=moment(monday + timedelta(weeks=2, days=5), 19),
        )
    )
    db.session.add(feedback)
    db.session.add(
        LogEntry(
            placement_id=placement.id,
            author_id=placement.coach_id,
            author_role=Actor.COACH,
            kind=EntryKind.VISIT_NOTE,
            sections={
                "body": "Bezoek op de werf. De leerling kent de veiligheidsregels en werkt "
                "zorgvuldig. Mentor en leerling zien het plaatsen van leidingen anders: "
                "samen bekeken wat *zelfstandig* betekent."
            },
            created_at=moment(monday + timedelta(weeks=3, days=2), 11),
        )
    )
    if framework is not None:
        _registrations(placement, framework, monday, today)
    if rubric is not None:
        for actor, author_id, levels in (
            (Actor.STUDENT, placement.student_id, [4, 3, 4, 3, 3, 4]),
            (Actor.MENTOR, placement.mentor_id, [2, 3, 3, 3, 2, 3]),
            (Actor.COACH, placement.coach_id, [3, 3, 3, 3, 3, 3]),
        ):
            for criterion, level in zip(rubric.criteria, levels, strict=False):
                db.session.add(
                    RubricScore(
                        placement_id=placement.id,
                        author_id=author_id,
                        actor=actor,
                        rubric_id=rubric.id,
                        rubric_version=rubric.version,
                        criterion_id=criterion.id,
                        level=level,
                    )
                )


def _registrations(placement, framework, monday: date, today: date) -> None:
    authors = {
        Actor.STUDENT: placement.student_id,
        Actor.MENTOR: placement.mentor_id,
        Actor.COACH: placement.coach_id,
    }
    baseline_day = min(monday + timedelta(weeks=1, days=2), today)
    latest_day = min(monday + timedelta(weeks=4, days=2), today)
    known = {i.id for c in framework.competences for i in c.indicators}
    for indicator, competence, *levels in LEVELS:
        if indicator not in known:
            continue
        for actor, level in zip(authors, levels, strict=True):
            if level is None:
                continue
            for day, value, baseline in (
                (baseline_day, max(level - 1, 1), True),
                (latest_day, level, False),
            ):
                db.session.add(
                    Registration(
                        placement_id=placement.id,
                        author_id=authors[actor],
                        actor=actor,
                        framework_id=framework.id,
                        framework_version=framework.version,
                        competence_id=competence,
                        indicator_id=indicator,
                        setting=Setting.WORKPLACE,
                        level=value,
                        baseline=baseline,
                        observed_on=day,
                    )
                )
    for competence, setting, period in (
        ("reading-diagrams", Setting.BOTH, "september–december"),
        ("cable-routes", Setting.WORKPLACE, "oktober–januari"),
        ("measuring-testing", Setting.WORKPLACE, "februari–april"),
        ("fault-finding", Setting.SCHOOL, "maart–mei"),
    ):
        db.session.add(
            PlanItem(
                placement_id=placement.id,
                competence_id=competence,
                setting=setting,
                period=period,
                updated_by_id=placement.coach_id,
            )
        )


def build_demo_training(placement: Placement, today: date) -> None:
    """The placement's mentor is halfway the basic training, the coach recommended a
    module after a visit, and a tip waits for the coordinator (once).
    """
    mentor_id = placement.mentor_id
    if db.session.scalar(select(ModuleProgress.id).where(ModuleProgress.user_id == mentor_id)):
        return
    library = training_library()
    basic = library.path(BASIC_PATH)
    if basic is None:
        return
    for number, module_id in enumerate(basic.modules[:5]):
        module = library.module(module_id, "nl")
        finished = datetime.combine(today - timedelta(days=40 - 6 * number), time(12), UTC)
        db.session.add(
            ModuleProgress(
                user_id=mentor_id,
                module_id=module_id,
                started_at=finished,
                quiz_attempts=1,
                best_score=len(module.quiz),
                reflection="",
                assignment_tried_at=finished if number % 2 == 0 else None,
                assignment_note="",
                completed_at=finished,
                completed_version=module.version,
            )
        )
    db.session.add(
        MentorRecord(
            user_id=mentor_id,
            years_experience=18,
            good_conduct_on=today - timedelta(days=200),
            mentor_since=today - timedelta(days=150),
            updated_by_id=placement.coach_id,
        )
    )
    db.session.add(
        Recommendation(
            mentor_id=mentor_id,
            module_id="feedback-that-lands",
            placement_id=placement.id,
            recommended_by_id=placement.coach_id,
            note="Zoals besproken bij het bezoek: Lotte hoort graag meteen wat beter kan.",
        )
    )
    db.session.add(
        PracticePost(
            module_id="first-day",
            author_id=mentor_id,
            body="Ik leg op dag één een **kaartje** klaar met de namen van de ploeg en wie "
            "waarvoor aanspreekpunt is. Dat scheelt veel vragen.",
        )
    )
