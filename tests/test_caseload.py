"""The caseload: which running placements need attention and why, the coach's home page,
the coordinator's overview with its filters and CSV export, and the school's thresholds.

Service tests pass `today`, so every threshold is tested at its boundary: the day before
it (no reason) and the day itself (the reason, with the number the reader sees).
"""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from flask_babel import force_locale
from sqlalchemy import select

from app import policy
from app.caseload import services
from app.caseload.services import Group, ReasonKind
from app.competences.services import latest_registrations
from app.extensions import db
from app.followup import entries
from app.followup.entries import monday_of
from app.models import (
    HELD_STATUSES,
    Action,
    ActionState,
    Actor,
    EntryKind,
    LogEntry,
    Membership,
    Organisation,
    OrganisationKind,
    Placement,
    PlacementKind,
    PlacementStatus,
    Registration,
    ReviewStatus,
    Role,
    SchoolSettings,
    Setting,
    User,
    Visit,
    VisitStatus,
)
from app.visits import services as visits
from tests.conftest import FOLLOWED_WITH, FUZZ_SEED, PASSWORD_HASH, monday

pytestmark = pytest.mark.usefixtures("in_english")

FRAMEWORK = FOLLOWED_WITH["framework_id"]


def at(day: date, hour: int = 10) -> datetime:
    """A moment on `day` (10:00 UTC is noon in Brussels: the same calendar day; 23:00 UTC
    is the next day there).
    """
    return datetime.combine(day, time(hour), tzinfo=UTC)


def reasons_on(placement, today: date) -> dict[ReasonKind, services.Reason]:
    """The reasons of one placement on `today`, by kind, wellbeing included."""
    rows = services.assess(
        select(Placement).where(Placement.id == placement.id),
        today,
        wellbeing=select(Placement.id),
    )
    return {reason.kind: reason for reason in rows[0].reasons}


def add_entry(placement, author, role: Actor, kind: EntryKind, day: date, **columns) -> LogEntry:
    weekly = kind == EntryKind.WEEKLY_LOG
    status = columns.pop("review_status", ReviewStatus.SUBMITTED) if weekly else None
    updated_at = columns.pop("updated_at", at(day))
    handed_in = weekly and status != ReviewStatus.DRAFT
    entry = LogEntry(
        placement_id=placement.id,
        author_id=author.id,
        author_role=role,
        kind=kind,
        sections={"text": "…"},
        week_start=columns.pop("week_start", day - timedelta(days=day.weekday()))
        if weekly
        else None,
        review_status=status,
        created_at=at(day),
        updated_at=updated_at,
        submitted_at=columns.pop("submitted_at", updated_at if handed_in else None),
        **columns,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def register(placement, actor: Actor, author, indicator: str, level: int | None, **columns):
    db.session.add(
        Registration(
            placement_id=placement.id,
            author_id=author.id,
            actor=actor,
            framework_id=columns.pop("framework_id", FRAMEWORK),
            framework_version=1,
            competence_id="punctuality",
            indicator_id=indicator,
            setting=Setting.NOT_POSSIBLE if level is None else Setting.WORKPLACE,
            level=level,
            observed_on=placement.start_date,
            **columns,
        )
    )
    db.session.commit()


def add_visit(placement, planned_on: date, status=VisitStatus.LOCKED, held_on=None) -> Visit:
    visit = Visit(
        placement_id=placement.id,
        planned_by_id=placement.coach_id,
        planned_on=planned_on,
        status=status,
        held_on=held_on,
    )
    db.session.add(visit)
    db.session.commit()
    return visit


def add_agreement(placement, due: date, state=ActionState.OPEN, from_visit=True) -> None:
    visit = add_visit(placement, placement.start_date + timedelta(days=7)) if from_visit else None
    db.session.add(
        Action(
            placement_id=placement.id,
            visit_id=visit.id if visit else None,
            author_id=placement.coach_id,
            author_role=Actor.COACH,
            owner=Actor.MENTOR,
            title="Plan the first week's tasks",
            due_date=due,
            state=state,
        )
    )
    db.session.commit()


def settle(placement, today: date) -> None:
    """Give a placement recent feedback, reflection and a visit, so that only the reason
    a test builds shows up.
    """
    mentor = db.session.get(User, placement.mentor_id)
    student = db.session.get(User, placement.student_id)
    add_entry(placement, mentor, Actor.MENTOR, EntryKind.FEEDBACK, today)
    add_entry(placement, student, Actor.STUDENT, EntryKind.WEEKLY_LOG, today)
    add_visit(placement, today)


@pytest.fixture
def english(app_ctx):
    """Services called outside a request read English, as the assertions do."""
    with force_locale("en"):
        yield


@pytest.fixture
def placement_a(english, world):
    return db.session.get(Placement, world.placement_a.id)


@pytest.fixture
def placement_b(english, world):
    return db.session.get(Placement, world.placement_b.id)


# -- each reason at its boundary --------------------------------------------------------


def test_mentor_silence_becomes_a_reason_on_the_feedback_day(start, placement_a, world):
    add_entry(
        placement_a, world.mentor_x, Actor.MENTOR, EntryKind.FEEDBACK, start + timedelta(days=30)
    )
    assert ReasonKind.FEEDBACK not in reasons_on(placement_a, start + timedelta(days=43))
    reason = reasons_on(placement_a, start + timedelta(days=44))[ReasonKind.FEEDBACK]
    assert reason.number == 14
    assert reason.text == "No feedback from the mentor for 14 days"


def test_a_review_of_a_weekly_log_counts_as_mentor_feedback(start, placement_a, world):
    add_entry(
        placement_a, world.mentor_x, Actor.MENTOR, EntryKind.FEEDBACK, start + timedelta(days=9)
    )
    add_entry(
        placement_a,
        world.student_a,
        Actor.STUDENT,
        EntryKind.WEEKLY_LOG,
        monday(start, 4),
        review_status=ReviewStatus.APPROVED,
        reviewed_by_id=world.mentor_x.id,
        reviewed_at=at(start + timedelta(days=30)),
    )
    assert ReasonKind.FEEDBACK not in reasons_on(placement_a, start + timedelta(days=43))
    assert reasons_on(placement_a, start + timedelta(days=44))[ReasonKind.FEEDBACK].number == 14


def test_feedback_by_someone_else_than_the_mentor_does_not_count(start, placement_a, world):
    add_entry(
        placement_a, world.coach_a, Actor.COACH, EntryKind.FEEDBACK, start + timedelta(days=30)
    )
    add_entry(
        placement_a, world.mentor_x, Actor.MENTOR, EntryKind.AGREEMENT, start + timedelta(days=30)
    )
    assert reasons_on(placement_a, start + timedelta(days=30))[ReasonKind.FEEDBACK].number == 30


def test_without_any_feedback_the_silence_counts_from_the_start(start, placement_a):
    assert ReasonKind.FEEDBACK not in reasons_on(placement_a, start + timedelta(days=13))
    assert reasons_on(placement_a, start + timedelta(days=14))[ReasonKind.FEEDBACK].number == 14


def test_student_silence_becomes_a_reason_on_the_reflection_day(start, placement_a, world):
    add_entry(
        placement_a,
        world.student_a,
        Actor.STUDENT,
        EntryKind.WEEKLY_LOG,
        start + timedelta(days=38),
    )
    # A draft is not handed in: it does not stop the clock.
    add_entry(
        placement_a,
        world.student_a,
        Actor.STUDENT,
        EntryKind.WEEKLY_LOG,
        start + timedelta(days=44),
        review_status=ReviewStatus.DRAFT,
    )
    assert ReasonKind.REFLECTION not in reasons_on(placement_a, start + timedelta(days=44))
    reason = reasons_on(placement_a, start + timedelta(days=45))[ReasonKind.REFLECTION]
    assert reason.text == "No reflection from the student for 7 days"


def test_a_weekly_log_counts_from_when_it_was_last_handed_in(start, placement_a, world):
    add_entry(
        placement_a,
        world.student_a,
        Actor.STUDENT,
        EntryKind.WEEKLY_LOG,
        start + timedelta(days=30),
        submitted_at=at(start + timedelta(days=38)),
        updated_at=at(start + timedelta(days=38)),
    )
    assert ReasonKind.REFLECTION not in reasons_on(placement_a, start + timedelta(days=44))
    assert ReasonKind.REFLECTION in reasons_on(placement_a, start + timedelta(days=45))


# -- each signal counts from its own event, never from another actor's ------------------


@pytest.fixture
def quiet(today, english, world):
    """A placement running for 60 days whose student last handed in a week 20 days ago
    (wellbeing 2 of 5), whose mentor last wrote feedback 20 days ago, never visited.
    """
    placement = make_placement(
        world, "Quiet Quinten", start=today - timedelta(days=60), end=today + timedelta(days=200)
    )
    student = db.session.get(User, placement.student_id)
    week = add_entry(
        placement, student, Actor.STUDENT, EntryKind.WEEKLY_LOG, today - timedelta(days=20)
    )
    week.wellbeing = 2
    add_entry(
        placement, world.mentor_x, Actor.MENTOR, EntryKind.FEEDBACK, today - timedelta(days=20)
    )
    db.session.commit()
    return placement, week, today


def numbers(placement, today) -> dict[ReasonKind, int]:
    return {kind: reason.number for kind, reason in reasons_on(placement, today).items()}


def mentor_approves_the_week(placement, week):
    mentor = db.session.get(User, placement.mentor_id)
    entries.review_entry(week, mentor, approve=True, comment="", expected_version=week.version)


def mentor_returns_the_week(placement, week):
    mentor = db.session.get(User, placement.mentor_id)
    entries.review_entry(
        week, mentor, approve=False, comment="Say more.", expected_version=week.version
    )


def coach_writes_a_visit_note(placement, week):
    coach = db.session.get(User, placement.coach_id)
    entries.create_entry(placement, coach, EntryKind.VISIT_NOTE, {"body": "Phoned Quinten."})


def coach_comments_on_the_week(placement, week):
    entries.add_comment(week, db.session.get(User, placement.coach_id), "How did it go?")


def student_raises_a_concern(placement, week):
    student = db.session.get(User, placement.student_id)
    entries.create_entry(placement, student, EntryKind.CONCERN, {"body": "Too much overtime."})


def mentor_raises_a_concern(placement, week):
    mentor = db.session.get(User, placement.mentor_id)
    entries.create_entry(placement, mentor, EntryKind.CONCERN, {"body": "Often late."})


def student_saves_a_draft(placement, week):
    student = db.session.get(User, placement.student_id)
    entries.create_entry(
        placement, student, EntryKind.WEEKLY_LOG, {"did": "Half written"}, wellbeing=5
    )


def student_hands_in_a_week(placement, week):
    student = db.session.get(User, placement.student_id)
    entries.create_entry(
        placement, student, EntryKind.WEEKLY_LOG, {"did": "Wired a board"}, wellbeing=4, submit=True
    )


@pytest.mark.parametrize(
    ("event", "kept"),
    [
        # the case: approving an old week is the mentor's feedback, not a reflection
        (mentor_approves_the_week, {ReasonKind.REFLECTION, ReasonKind.WELLBEING}),
        (mentor_returns_the_week, {ReasonKind.REFLECTION, ReasonKind.WELLBEING}),
        (
            coach_writes_a_visit_note,
            {ReasonKind.REFLECTION, ReasonKind.WELLBEING, ReasonKind.FEEDBACK, ReasonKind.VISIT},
        ),
        (coach_comments_on_the_week, {ReasonKind.REFLECTION, ReasonKind.FEEDBACK}),
        (student_raises_a_concern, {ReasonKind.REFLECTION, ReasonKind.FEEDBACK}),
        (mentor_raises_a_concern, {ReasonKind.REFLECTION, ReasonKind.FEEDBACK}),
        (student_saves_a_draft, {ReasonKind.REFLECTION, ReasonKind.WELLBEING}),
        (student_hands_in_a_week, {ReasonKind.FEEDBACK, ReasonKind.VISIT}),
    ],
)
def test_a_signal_is_not_reset_by_another_actors_event(quiet, event, kept):
    placement, week, today = quiet
    before = numbers(placement, today)
    assert before[ReasonKind.REFLECTION] == 20
    assert before[ReasonKind.FEEDBACK] == 20
    assert before[ReasonKind.WELLBEING] == 2
    assert before[ReasonKind.VISIT] == 60 // 7
    event(placement, week)
    after = numbers(placement, today)
    assert {kind: after.get(kind) for kind in kept} == {kind: before[kind] for kind in kept}


def test_each_signal_is_reset_by_its_own_event(quiet):
    placement, week, today = quiet
    mentor_approves_the_week(placement, week)
    assert ReasonKind.FEEDBACK not in reasons_on(placement, today)
    student_hands_in_a_week(placement, week)
    assert ReasonKind.REFLECTION not in reasons_on(placement, today)
    assert ReasonKind.WELLBEING not in reasons_on(placement, today)  # 4 of 5 now


def test_handing_a_returned_week_in_again_keeps_the_mentors_feedback(quiet):
    placement, week, today = quiet
    mentor_returns_the_week(placement, week)
    assert ReasonKind.FEEDBACK not in reasons_on(placement, today)
    student = db.session.get(User, placement.student_id)
    entries.update_entry(
        week,
        student,
        {"did": "Wired a board, and tested it"},
        expected_version=week.version,
        wellbeing=3,
        submit=True,
    )
    reasons = reasons_on(placement, today)
    assert ReasonKind.FEEDBACK not in reasons  # the return still counts as feedback
    assert ReasonKind.REFLECTION not in reasons  # handed in again today


# -- wellbeing --------------------------------------------------------------------------


def check_ins(placement, world, levels, status=ReviewStatus.SUBMITTED):
    """Weekly logs of the last weeks with these wellbeing levels, oldest first."""
    today = placement.start_date + timedelta(days=80)
    for weeks_ago, level in enumerate(reversed(levels)):
        add_entry(
            placement,
            world.student_a,
            Actor.STUDENT,
            EntryKind.WEEKLY_LOG,
            today - timedelta(weeks=weeks_ago),
            wellbeing=level,
            review_status=status,
        )
    return today


@pytest.mark.parametrize(
    ("levels", "text"),
    [
        ([4, 4, 2], "Low wellbeing: 2 of 5 in the latest week"),
        ([1], "Low wellbeing: 1 of 5 in the latest week"),
        ([5, 4, 3], "Wellbeing falling two weeks in a row: 5 → 4 → 3 of 5"),
        ([4, 3, 2], "Wellbeing falling two weeks in a row: 4 → 3 → 2 of 5"),
        ([2, 5, 4, 3], "Wellbeing falling two weeks in a row: 5 → 4 → 3 of 5"),
        ([3], None),
        ([4, 4, 3], None),
        ([5, 3, 4], None),
        ([1, 1, 3], None),  # low before, better in the latest week
    ],
)
def test_low_or_falling_wellbeing_is_a_reason(placement_a, world, levels, text):
    today = check_ins(placement_a, world, levels)
    reason = reasons_on(placement_a, today).get(ReasonKind.WELLBEING)
    assert (reason.text if reason else None) == text


def test_a_draft_check_in_is_not_a_reason(placement_a, world):
    today = check_ins(placement_a, world, [1], status=ReviewStatus.DRAFT)
    assert ReasonKind.WELLBEING not in reasons_on(placement_a, today)


def test_wellbeing_is_a_reason_only_for_who_may_see_it(english, world):
    placement_a = world.placement_a.id

    def sees(role) -> bool:
        user = db.session.get(User, world.user(role).id)
        return placement_a in set(db.session.scalars(policy.wellbeing_placements(user)))

    for role in ("admin", "coordinator_a", "coach_a", "student_a"):
        assert sees(role), role
    for role in ("mentor_x", "company_coordinator_x", "coordinator_b", "coach_b", "outsider"):
        assert not sees(role), role
    placement = db.session.get(Placement, placement_a)
    today = check_ins(placement, world, [1])
    rows = services.assess(select(Placement).where(Placement.id == placement_a), today)
    assert ReasonKind.WELLBEING not in {reason.kind for reason in rows[0].reasons}


def test_the_coach_sees_low_wellbeing_on_the_home_page(today, app, world, login_as):
    with app.app_context():
        placement = make_placement(world, "Sad Sofie", start=today - timedelta(days=30))
        settle(placement, today)
        week = db.session.scalar(
            select(LogEntry).where(
                LogEntry.placement_id == placement.id, LogEntry.kind == EntryKind.WEEKLY_LOG
            )
        )
        week.wellbeing = 1
        db.session.commit()
        placement_id = placement.id
    page = home(login_as(world.coach_a))
    assert (
        f'href="/placements/{placement_id}/log?kind=weekly_log">'
        "Low wellbeing: 1 of 5 in the latest week</a>"
    ) in page
    assert "Low wellbeing" not in home(login_as(world.mentor_x))


def test_indicators_whose_latest_levels_differ_by_two_are_counted(start, placement_a, world):
    today = start + timedelta(days=30)
    register(placement_a, Actor.STUDENT, world.student_a, "i1", 4)
    register(placement_a, Actor.MENTOR, world.mentor_x, "i1", 2)  # 2 apart: differs
    register(placement_a, Actor.STUDENT, world.student_a, "i2", 3)
    register(placement_a, Actor.COACH, world.coach_a, "i2", 2)  # 1 apart: does not
    reason = reasons_on(placement_a, today)[ReasonKind.DIVERGENCE]
    assert reason.text == "1 indicator differs by 2 levels or more"

    register(placement_a, Actor.COACH, world.coach_a, "i2", 1)  # now 2 apart
    assert reasons_on(placement_a, today)[ReasonKind.DIVERGENCE].text == (
        "2 indicators differ by 2 levels or more"
    )
    register(placement_a, Actor.MENTOR, world.mentor_x, "i1", 3)  # the latest counts
    register(placement_a, Actor.COACH, world.coach_a, "i2", 2)
    assert ReasonKind.DIVERGENCE not in reasons_on(placement_a, today)


def test_divergence_ignores_not_possible_and_other_frameworks(start, placement_a, world):
    register(placement_a, Actor.STUDENT, world.student_a, "i1", 4)
    register(placement_a, Actor.MENTOR, world.mentor_x, "i1", None)
    register(placement_a, Actor.COACH, world.coach_a, "i1", 1, framework_id="it-support")
    assert ReasonKind.DIVERGENCE not in reasons_on(placement_a, start + timedelta(days=30))


def test_open_concerns_are_counted_until_resolved(start, placement_a, world):
    day = start + timedelta(days=30)
    first = add_entry(placement_a, world.mentor_x, Actor.MENTOR, EntryKind.CONCERN, day)
    add_entry(placement_a, world.coach_a, Actor.COACH, EntryKind.CONCERN, day)
    assert reasons_on(placement_a, day)[ReasonKind.CONCERNS].text == "2 open concerns"
    first.resolved_at = at(day)
    db.session.commit()
    assert reasons_on(placement_a, day)[ReasonKind.CONCERNS].text == "1 open concern"


def test_a_visit_is_overdue_after_the_interval_from_the_start(start, placement_a):
    assert ReasonKind.VISIT not in reasons_on(placement_a, start + timedelta(days=41))
    reason = reasons_on(placement_a, start + timedelta(days=42))[ReasonKind.VISIT]
    assert reason.text == "Visit overdue: no visit yet, started 6 weeks ago"


def test_a_visit_is_overdue_after_the_interval_from_the_last_visit(start, placement_a):
    add_visit(placement_a, monday(start, 4), VisitStatus.FINAL, held_on=start + timedelta(days=30))
    add_visit(placement_a, start + timedelta(days=19), VisitStatus.CANCELLED)
    assert ReasonKind.VISIT not in reasons_on(placement_a, start + timedelta(days=71))
    reason = reasons_on(placement_a, start + timedelta(days=72))[ReasonKind.VISIT]
    assert reason.text == "Visit overdue: last visit 6 weeks ago"
    assert reasons_on(placement_a, start + timedelta(days=86))[ReasonKind.VISIT].number == 8


def test_a_planned_visit_puts_the_visit_in_hand(start, placement_a):
    today = start + timedelta(days=80)
    add_visit(placement_a, start + timedelta(days=61), VisitStatus.PLANNED)  # passed, never held
    assert ReasonKind.VISIT in reasons_on(placement_a, today)
    add_visit(placement_a, start + timedelta(days=93), VisitStatus.PLANNED)
    assert ReasonKind.VISIT not in reasons_on(placement_a, today)
    row = services.assess(select(Placement).where(Placement.id == placement_a.id), today)[0]
    assert row.next_visit_on == start + timedelta(days=93)
    planned = format_date(start + timedelta(days=93), "d MMM", locale="en")
    assert row.visit_planned_text() == f"Visit planned on {planned}"


def test_agreements_of_visits_are_overdue_the_day_after_their_due_date(start, placement_a):
    due = start + timedelta(days=39)
    add_agreement(placement_a, due)
    add_agreement(placement_a, start + timedelta(days=30), state=ActionState.DONE)
    add_agreement(placement_a, start + timedelta(days=30), from_visit=False)  # a POP action
    assert ReasonKind.AGREEMENTS not in reasons_on(placement_a, due)
    reason = reasons_on(placement_a, due + timedelta(days=1))[ReasonKind.AGREEMENTS]
    assert reason.text == "1 agreement overdue"


def test_a_settled_placement_has_no_reasons(start, placement_a):
    today = start + timedelta(days=49)
    settle(placement_a, today)
    assert reasons_on(placement_a, today) == {}


# -- the school's thresholds ------------------------------------------------------------


def test_a_schools_own_thresholds_change_the_outcome(start, placement_a, placement_b, world):
    today = start + timedelta(days=20)
    db.session.add(
        SchoolSettings(
            school_id=world.school_a.id,
            feedback_days=21,
            reflection_days=30,
            divergence_levels=3,
            visit_interval_weeks=2,
        )
    )
    db.session.commit()
    for placement, student, mentor in (
        (placement_a, world.student_a, world.mentor_x),
        (placement_b, world.student_b, world.mentor_y),
    ):
        register(placement, Actor.STUDENT, student, "i1", 4)
        register(placement, Actor.MENTOR, mentor, "i1", 2)
    school_a = reasons_on(placement_a, today)
    school_b = reasons_on(placement_b, today)  # no row: the defaults
    assert set(school_a) == {ReasonKind.VISIT}
    assert set(school_b) == {ReasonKind.FEEDBACK, ReasonKind.REFLECTION, ReasonKind.DIVERGENCE}
    assert school_a[ReasonKind.VISIT].text == "Visit overdue: no visit yet, started 2 weeks ago"


def test_a_threshold_of_one_level_reads_as_scored_differently(start, placement_a, world):
    db.session.add(SchoolSettings(school_id=world.school_a.id, divergence_levels=1))
    db.session.commit()
    register(placement_a, Actor.STUDENT, world.student_a, "i1", 3)
    register(placement_a, Actor.MENTOR, world.mentor_x, "i1", 2)
    reason = reasons_on(placement_a, start + timedelta(days=30))[ReasonKind.DIVERGENCE]
    assert reason.text == "1 indicator is scored differently"


# -- phases and order -------------------------------------------------------------------


def make_placement(world, student_name: str, *, start=None, end=None, **columns):
    """A placement of a new student of school A, by default with the world's dates."""
    student = User(email=f"{student_name.lower()}@a.example", name=student_name)
    student.password_hash = PASSWORD_HASH
    student.memberships.append(Membership(role=Role.STUDENT, organisation_id=world.school_a.id))
    db.session.add(student)
    db.session.flush()
    placement = Placement(
        student_id=student.id,
        school_id=world.school_a.id,
        workplace_id=columns.pop("workplace_id", world.company_x.id),
        mentor_id=columns.pop("mentor_id", world.mentor_x.id),
        coach_id=columns.pop("coach_id", world.coach_a.id),
        kind=columns.pop("kind", PlacementKind.DUAL_LEARNING),
        start_date=start or world.placement_a.start_date,
        end_date=end or world.placement_a.end_date,
        **FOLLOWED_WITH,
        **columns,
    )
    db.session.add(placement)
    db.session.commit()
    return placement


def test_placements_that_do_not_run_have_no_reasons(start, english, world):
    today = start + timedelta(days=49)
    upcoming = make_placement(world, "Ulla", start=monday(start, 9))
    ended = make_placement(
        world, "Emma", start=start - timedelta(days=184), end=start - timedelta(days=63)
    )
    stopped = make_placement(world, "Stan", status=PlacementStatus.STOPPED)
    for placement in (upcoming, ended, stopped):
        add_entry(placement, world.mentor_x, Actor.MENTOR, EntryKind.CONCERN, today)
        add_agreement(placement, start + timedelta(days=30))
    rows = services.assess(select(Placement).where(Placement.coach_id == world.coach_a.id), today)
    by_id = {row.placement_id: row for row in rows}
    for placement, phase in ((upcoming, "upcoming"), (ended, "ended"), (stopped, "stopped")):
        assert by_id[placement.id].phase == phase
        assert by_id[placement.id].reasons == []
    assert [row.group for row in rows] == [
        Group.ATTENTION,
        Group.UPCOMING,
        Group.UPCOMING,  # the world's mobility abroad, in preparation
        Group.ENDED,
        Group.ENDED,
    ]


def test_most_reasons_first_then_the_oldest_problem_then_the_name(start, english, world):
    today = start + timedelta(days=49)
    placements = {
        name: make_placement(world, name)
        for name in ("Bart", "Anna", "Cleo", "Dina", "Evi", "Fien")
    }
    for placement in placements.values():
        settle(placement, today)
    # Bart: two reasons. Anna and Cleo: one concern each, Cleo's older. Dina and Evi: one
    # concern of the same age, so by name. Fien: nothing to follow up.
    add_entry(placements["Bart"], world.mentor_x, Actor.MENTOR, EntryKind.CONCERN, today)
    add_agreement(placements["Bart"], today - timedelta(days=1))
    add_entry(
        placements["Anna"],
        world.mentor_x,
        Actor.MENTOR,
        EntryKind.CONCERN,
        start + timedelta(days=44),
    )
    add_entry(placements["Cleo"], world.mentor_x, Actor.MENTOR, EntryKind.CONCERN, monday(start, 5))
    for name in ("Evi", "Dina"):
        add_entry(placements[name], world.mentor_x, Actor.MENTOR, EntryKind.CONCERN, today)
    upcoming = make_placement(world, "Aaron", start=monday(start, 9))

    rows = services.assess(
        select(Placement).where(
            Placement.id.in_([p.id for p in placements.values()] + [upcoming.id])
        ),
        today,
    )
    names = [row.student_name for row in rows]
    assert names == ["Bart", "Cleo", "Anna", "Dina", "Evi", "Fien", "Aaron"]


# -- who sees which caseload ------------------------------------------------------------


def test_the_caseload_rule(english, world):
    def ids(role):
        user = db.session.get(User, world.user(role).id)
        return set(
            db.session.scalars(policy.caseload_placements(user).with_only_columns(Placement.id))
        )

    a, b, m = world.placement_a.id, world.placement_b.id, world.placement_m.id
    assert ids("admin") == {a, b, m}
    assert ids("coordinator_a") == {a, m}
    assert ids("coach_b") == {b}
    for role in ("mentor_x", "student_a", "company_coordinator_x", "outsider"):
        assert not policy.can_view_caseload(db.session.get(User, world.user(role).id))


# -- the coach's home page --------------------------------------------------------------


def home(browser) -> str:
    return browser.get("/").get_data(as_text=True)


def test_the_coach_sees_the_placement_that_needs_attention_on_top(today, app, world, login_as):
    with app.app_context():
        calm = make_placement(world, "Calm Carla", start=today - timedelta(days=60))
        settle(calm, today)
        troubled = make_placement(world, "Troubled Tom", start=today - timedelta(days=60))
        settle(troubled, today)
        add_entry(troubled, world.mentor_x, Actor.MENTOR, EntryKind.CONCERN, today)
        calm_id, troubled_id = calm.id, troubled.id
    page = home(login_as(world.coach_a))
    assert "My caseload" in page
    assert "2 of 3 running placements need attention" in page
    # Student A has three reasons (no feedback, no reflection, no visit yet); Tom one.
    assert page.index("Student A") < page.index("Troubled Tom") < page.index("Calm Carla")
    assert f'href="/placements/{troubled_id}/log?kind=concern">1 open concern</a>' in page
    assert f'href="/placements/{calm_id}"' in page
    # Every placement is in the caseload, so the cards are not listed a second time.
    assert "All placements you can see" not in page
    assert page.count("Calm Carla") == 1


def test_each_reason_links_to_where_it_is_dealt_with(today, app, world, login_as):
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        placement.start_date = today - timedelta(days=90)
        register(placement, Actor.STUDENT, world.student_a, "i1", 4)
        register(placement, Actor.MENTOR, world.mentor_x, "i1", 1)
        add_agreement(placement, today - timedelta(days=3))
    page = home(login_as(world.coach_a))
    placement_id = world.placement_a.id
    for link in (
        f'/placements/{placement_id}/log?kind=feedback">No feedback from the mentor for 90 days',
        f'/placements/{placement_id}/log?kind=weekly_log">No reflection from the student for 90',
        f'/placements/{placement_id}/matrix?divergent=1">1 indicator differs by 2 levels or more',
        f'/placements/{placement_id}/visits">Visit overdue: last visit',
        f'/placements/{placement_id}/development-plan#agreements">1 agreement overdue',
    ):
        assert link in page


def test_a_planned_visit_shows_as_information(today, app, world, login_as):
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        placement.start_date = today - timedelta(days=90)
        add_visit(placement, today + timedelta(days=5), VisitStatus.PLANNED)
    page = home(login_as(world.coach_a))
    assert "Visit overdue" not in page
    assert "Visit planned on" in page


def test_the_coach_sees_only_their_own_placements(world, login_as):
    page = home(login_as(world.coach_b))
    assert "My caseload" in page
    assert "Student B" in page
    assert "Student A" not in page


@pytest.mark.parametrize(
    "role", ["mentor_x", "student_a", "coordinator_a", "company_coordinator_x"]
)
def test_who_coaches_nothing_sees_the_home_page_as_before(world, login_as, role):
    page = home(login_as(world.user(role)))
    assert "My caseload" not in page
    assert 'class="card"' in page  # the placement cards, with what waits for them


def test_a_coach_without_placements_sees_the_page_as_before(app, world, login_as):
    with app.app_context():
        coach = User(email="new-coach@a.example", name="New Coach", locale="en")
        coach.memberships.append(Membership(role=Role.COACH, organisation_id=world.school_a.id))
        db.session.add(coach)
        db.session.commit()
        db.session.refresh(coach)
        db.session.expunge(coach)
    page = home(login_as(coach))
    assert "My caseload" not in page
    assert "No placement is shared with you yet." in page


def test_ended_placements_are_counted_not_listed_on_the_home_page(start, app, world, login_as):
    with app.app_context():
        make_placement(
            world, "Former Fleur", start=monday(start, -52), end=start - timedelta(days=63)
        )
    page = home(login_as(world.coach_a))
    assert "Former Fleur" not in page
    assert "1 placement has ended or stopped: see the overview" in page
    assert "Former Fleur" in login_as(world.coach_a).get("/caseload").get_data(as_text=True)


def test_a_coach_who_also_coordinates_sees_the_other_placements_below(app, world, login_as):
    with app.app_context():
        coordinator = db.session.get(User, world.coordinator_a.id)
        make_placement(world, "Coached Cas", coach_id=coordinator.id)
    page = home(login_as(world.coordinator_a))
    assert "My caseload" in page
    assert "All placements you can see" in page
    assert page.index("Coached Cas") < page.index("All placements you can see")
    assert "Student A" in page.split("All placements you can see")[1]


# -- the coordinator's overview ---------------------------------------------------------


@pytest.fixture
def school_a_caseload(app, world):
    """School A: a second coach, a second workplace, programmes and kinds to filter on."""
    with app.app_context():
        coach = User(email="coach2@a.example", name="Coach Two", password_hash=PASSWORD_HASH)
        coach.memberships.append(Membership(role=Role.COACH, organisation_id=world.school_a.id))
        garage = Organisation(name="Garage Zuid", kind=OrganisationKind.COMPANY, city="Gent")
        db.session.add_all([coach, garage])
        db.session.flush()
        placement_a = db.session.get(Placement, world.placement_a.id)
        placement_a.programme = "Elektrotechniek"
        make_placement(
            world,
            "Garage Gert",
            coach_id=coach.id,
            workplace_id=garage.id,
            kind=PlacementKind.INTERNSHIP,
            programme="Autotechniek",
            cohort="2026-2027",
        )
        make_placement(world, "Elektro Els", programme="Elektrotechniek")
        return {"coach": coach.id, "garage": garage.id}


def overview(browser, **arguments) -> str:
    response = browser.get("/caseload", query_string=arguments)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_overview_lists_the_schools_placements_and_their_coaches(
    world, login_as, school_a_caseload
):
    page = overview(login_as(world.coordinator_a))
    for name in ("Student A", "Garage Gert", "Elektro Els", "Coach Two", "Coach A"):
        assert name in page
    assert "Student B" not in page
    assert "3 of 3 running placements need attention" in page


def test_the_coordinator_filters_by_coach_workplace_kind_and_programme(
    world, login_as, school_a_caseload
):
    coordinator = login_as(world.coordinator_a)
    by_coach = overview(coordinator, coach=school_a_caseload["coach"])
    assert "Garage Gert" in by_coach
    assert "Elektro Els" not in by_coach
    assert "1 of 1 running placements needs attention" in by_coach
    by_workplace = overview(coordinator, workplace=world.company_x.id)
    assert "Garage Gert" not in by_workplace
    assert "Elektro Els" in by_workplace
    by_kind = overview(coordinator, kind="internship")
    assert "Garage Gert" in by_kind
    assert "Student A" not in by_kind
    by_programme = overview(coordinator, programme="Elektrotechniek")
    assert "Student A" in by_programme
    assert "Elektro Els" in by_programme
    assert "Garage Gert" not in by_programme
    assert '<option selected value="Elektrotechniek">' in by_programme
    assert "/caseload.csv?programme=Elektrotechniek" in by_programme


def test_the_filters_offer_only_what_the_placements_hold(world, login_as, school_a_caseload):
    page = overview(login_as(world.coordinator_a))
    assert '<option value="Autotechniek">' in page
    assert ">Company Y<" not in page  # school B's workplace
    assert ">Coach B<" not in page
    assert ">BBL (work-based pathway)<" not in page


def test_a_filter_outside_the_choices_is_ignored(world, login_as, school_a_caseload):
    page = overview(login_as(world.coordinator_a), coach=world.coach_b.id, kind="nonsense")
    assert "Garage Gert" in page
    assert "Student B" not in page


def test_the_pages_keep_the_filters(app, world, login_as, monkeypatch):
    monkeypatch.setattr("app.caseload.routes.PER_PAGE", 2)
    with app.app_context():
        for name in ("Pim", "Pam", "Pom"):
            make_placement(world, name, programme="Verkoop")
    page = overview(login_as(world.coordinator_a), programme="Verkoop")
    assert "Page 1 of 2" in page
    assert "/caseload?page=2&amp;programme=Verkoop" in page


def test_a_coach_opens_the_overview_of_their_own_placements(world, login_as, school_a_caseload):
    page = overview(login_as(world.coach_a))
    assert "Student A" in page
    assert "Elektro Els" in page
    assert "Garage Gert" not in page  # coached by Coach Two


# -- the CSV export ---------------------------------------------------------------------


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_the_export_has_the_overview_with_its_filters(
    start, today, app, world, login_as, school_a_caseload
):
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        add_entry(placement, world.mentor_x, Actor.MENTOR, EntryKind.CONCERN, today)
    coordinator = login_as(world.coordinator_a)
    rows = read_csv(coordinator.get("/caseload.csv"))
    assert [row["Student"] for row in rows][0] == "Student A"  # three reasons: on top
    assert {row["Student"] for row in rows} == {"Student A", "Garage Gert", "Elektro Els"}
    student_a = rows[0]
    assert student_a["School"] == "School A"
    assert student_a["Workplace"] == "Company X"
    assert student_a["Mentor"] == "Mentor X"
    assert student_a["Coach"] == "Coach A"
    assert student_a["Kind"] == "Dual learning"
    assert student_a["Programme"] == "Elektrotechniek"
    assert student_a["Phase"] == "Running"
    assert student_a["Open concerns"] == "1"
    assert "1 open concern | No feedback from the mentor for" in student_a["Reasons"]
    days = (today - start).days
    assert student_a["Days without mentor feedback"] == str(days)

    gert = read_csv(coordinator.get("/caseload.csv?programme=Autotechniek"))
    assert [row["Student"] for row in gert] == ["Garage Gert"]
    assert gert[0]["Cohort"] == "2026-2027"


def test_the_export_neutralises_formulas(app, world, login_as):
    with app.app_context():
        make_placement(world, '=HYPERLINK("http://evil.example")', programme="+SUM(A1)")
    rows = read_csv(login_as(world.coordinator_a).get("/caseload.csv"))
    names = [row["Student"] for row in rows]
    assert '\'=HYPERLINK("http://evil.example")' in names
    assert "'+SUM(A1)" in [row["Programme"] for row in rows]


def test_the_export_of_a_coach_holds_only_their_placements(world, login_as):
    rows = read_csv(login_as(world.coach_b).get("/caseload.csv"))
    assert [row["Student"] for row in rows] == ["Student B"]


# -- the school's thresholds form -------------------------------------------------------

SETTINGS = {
    "feedback_days": "21",
    "reflection_days": "10",
    "divergence_levels": "3",
    "visit_interval_weeks": "8",
    "log_due_weekday": "3",
    "module_start_days": "10",
    "reminders_from_hour": "9",
    "reminders_until_hour": "17",
    "reminders_on_weekends": "y",
}


def settings_path(school) -> str:
    return f"/admin/organisations/{school.id}/settings"


def saved_settings(app, school) -> SchoolSettings | None:
    with app.app_context():
        settings = db.session.get(SchoolSettings, school.id)
        if settings is not None:
            db.session.expunge(settings)
        return settings


def test_the_form_shows_the_defaults_and_the_first_save_creates_the_row(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    organisation_page = coordinator.get(f"/admin/organisations/{world.school_a.id}")
    assert settings_path(world.school_a) in organisation_page.get_data(as_text=True)
    form = coordinator.get(settings_path(world.school_a)).get_data(as_text=True)
    assert 'name="feedback_days" type="text" value="14"' in form
    assert 'inputmode="numeric"' in form
    assert "From 1 to 90." in form
    assert '<option selected value="4">Friday</option>' in form
    assert 'aria-describedby="mentor_links-hint" checked id="mentor_links"' in form
    assert saved_settings(app, world.school_a) is None

    response = coordinator.post(settings_path(world.school_a), SETTINGS, follow_redirects=True)
    assert "The settings of School A are saved." in response.get_data(as_text=True)
    settings = saved_settings(app, world.school_a)
    assert (
        settings.feedback_days,
        settings.reflection_days,
        settings.divergence_levels,
        settings.visit_interval_weeks,
    ) == (21, 10, 3, 8)
    assert (
        settings.log_due_weekday,
        settings.module_start_days,
        settings.reminders_from_hour,
        settings.reminders_until_hour,
        settings.reminders_on_weekends,
        settings.mentor_links,  # left unticked: switched off
    ) == (3, 10, 9, 17, True, False)
    again = coordinator.get(settings_path(world.school_a)).get_data(as_text=True)
    assert 'name="visit_interval_weeks" type="text" value="8"' in again


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("feedback_days", "0", "Enter a whole number from 1 to 90."),
        ("reflection_days", "91", "Enter a whole number from 1 to 90."),
        ("divergence_levels", "6", "Enter a whole number from 1 to 5."),
        ("visit_interval_weeks", "six", "Enter a whole number from 1 to 26."),
        ("visit_interval_weeks", "2.5", "Enter a whole number from 1 to 26."),
        ("feedback_days", "", "Enter a whole number from 1 to 90."),
        ("module_start_days", "0", "Enter a whole number from 1 to 90."),
        ("reminders_from_hour", "24", "Enter a whole number from 0 to 23."),
        ("reminders_until_hour", "9", "Choose an hour after the hour reminders start."),
    ],
)
def test_a_bad_threshold_is_explained_at_its_field_and_nothing_is_saved(
    app, world, login_as, name, value, message
):
    coordinator = login_as(world.coordinator_a)
    response = coordinator.post(settings_path(world.school_a), {**SETTINGS, name: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Please correct the fields marked below." in page
    assert f'<p class="error" id="{name}-error">{message}</p>' in page
    assert page.count('class="error"') == 1
    assert f'value="{value}"' in page  # what was typed stays, to correct it
    assert saved_settings(app, world.school_a) is None


def test_a_coordinator_sets_only_their_own_schools_thresholds(app, world, login_as):
    coordinator = login_as(world.coordinator_b)
    assert coordinator.get(settings_path(world.school_a)).status_code == 404
    assert coordinator.post(settings_path(world.school_a), SETTINGS).status_code == 404
    assert login_as(world.admin).get(settings_path(world.company_x)).status_code == 404
    assert saved_settings(app, world.school_a) is None


def test_saved_thresholds_change_the_coachs_caseload(today, app, world, login_as):
    with app.app_context():
        for placement in db.session.scalars(select(Placement)):
            placement.start_date = today - timedelta(days=30)
        db.session.commit()
    assert "No feedback from the mentor for 30 days" in home(login_as(world.coach_a))
    login_as(world.coordinator_a).post(
        settings_path(world.school_a), {**SETTINGS, "feedback_days": "31"}
    )
    assert "No feedback from the mentor" not in home(login_as(world.coach_a))
    assert "No feedback from the mentor for 30 days" in home(login_as(world.coach_b))


# -- the grouped queries agree with a plain reading, placement by placement -------------


def plain_reasons(placement: Placement, today: date) -> dict[ReasonKind, int]:
    """The reasons of one placement, read the slow and obvious way: every row of it."""
    if placement.phase_on(today) == "preparing":
        late = (today - placement.start_date).days
        return {ReasonKind.PREPARATION: late} if 0 <= late and today <= placement.end_date else {}
    if placement.phase_on(today) != "running":
        return {}
    limits = db.session.get(SchoolSettings, placement.school_id) or SchoolSettings.defaults(
        placement.school_id
    )
    entries = db.session.scalars(
        select(LogEntry).where(LogEntry.placement_id == placement.id)
    ).all()

    def local(moment: datetime) -> date:
        return moment.astimezone(ZoneInfo("Europe/Brussels")).date()

    def days_since(days: list[date]) -> int:
        return (today - max([*days, placement.start_date])).days

    found = {}
    concerns = [e for e in entries if e.kind == EntryKind.CONCERN and e.resolved_at is None]
    if concerns:
        found[ReasonKind.CONCERNS] = len(concerns)
    feedback = days_since(
        [
            local(e.created_at)
            for e in entries
            if e.kind == EntryKind.FEEDBACK and e.author_role == Actor.MENTOR
        ]
        + [local(e.reviewed_at) for e in entries if e.reviewed_at is not None]
    )
    if feedback >= limits.feedback_days:
        found[ReasonKind.FEEDBACK] = feedback
    reflection = days_since(
        [
            local(e.submitted_at)
            for e in entries
            if e.kind == EntryKind.WEEKLY_LOG and e.submitted_at is not None
        ]
    )
    if reflection >= limits.reflection_days:
        found[ReasonKind.REFLECTION] = reflection
    check_ins = sorted(
        (e.week_start, e.wellbeing)
        for e in entries
        if e.kind == EntryKind.WEEKLY_LOG and e.submitted_at is not None and e.wellbeing
    )
    moods = [level for _week, level in check_ins[-3:]]
    if moods and (moods[-1] <= 2 or (len(moods) == 3 and moods[0] > moods[1] > moods[2])):
        found[ReasonKind.WELLBEING] = moods[-1]
    visits = db.session.scalars(select(Visit).where(Visit.placement_id == placement.id)).all()
    held = [v.held_on or v.planned_on for v in visits if v.status in HELD_STATUSES]
    planned = [v for v in visits if v.status == VisitStatus.PLANNED and v.planned_on >= today]
    since_visit = days_since(held)
    if not planned and since_visit >= 7 * limits.visit_interval_weeks:
        found[ReasonKind.VISIT] = since_visit // 7
    actions = db.session.scalars(select(Action).where(Action.placement_id == placement.id))
    overdue = [a for a in actions if a.visit_id is not None and a.is_overdue(today)]
    if overdue:
        found[ReasonKind.AGREEMENTS] = len(overdue)
    latest = latest_registrations(placement)
    indicators = {indicator for _actor, indicator in latest}
    divergent = 0
    for indicator in indicators:
        levels = [
            r.level for (_actor, i), r in latest.items() if i == indicator and r.level is not None
        ]
        if levels and max(levels) - min(levels) >= limits.divergence_levels:
            divergent += 1
    if divergent:
        found[ReasonKind.DIVERGENCE] = divergent
    return found


def test_the_grouped_queries_agree_with_a_plain_reading(english, world):
    rng = random.Random(FUZZ_SEED)  # the same "random" caseload every run, unless asked
    today = world.placement_b.start_date + timedelta(days=136)
    db.session.add(
        SchoolSettings(
            school_id=world.school_b.id,
            feedback_days=10,
            reflection_days=3,
            divergence_levels=1,
            visit_interval_weeks=3,
        )
    )
    placements = [db.session.get(Placement, world.placement_b.id)]
    for n in range(30):
        start = today - timedelta(days=rng.randint(-20, 200))
        placements.append(
            make_placement(
                world,
                f"Random {n:02d}",
                start=start,
                end=start + timedelta(days=rng.randint(30, 300)),
                status=rng.choice(
                    [PlacementStatus.ACTIVE] * 5
                    + [PlacementStatus.STOPPED]
                    + [PlacementStatus.PREPARING]
                ),
            )
        )
    for placement in placements:
        student, mentor, coach = placement.student_id, placement.mentor_id, placement.coach_id

        def day():
            return today - timedelta(days=rng.randint(-5, 120))  # noqa: B023

        weeks = rng.sample(range(40), rng.randint(0, 8))
        for week in weeks:
            written = day()
            status = rng.choice(list(ReviewStatus))
            # A week handed in and returned keeps its review when handed in again.
            reviewed = status in (ReviewStatus.APPROVED, ReviewStatus.RETURNED) or (
                status == ReviewStatus.SUBMITTED and rng.random() < 0.3
            )
            db.session.add(
                LogEntry(
                    placement_id=placement.id,
                    author_id=student,
                    author_role=Actor.STUDENT,
                    kind=EntryKind.WEEKLY_LOG,
                    sections={},
                    week_start=monday_of(today) - timedelta(weeks=week),
                    review_status=status,
                    reviewed_by_id=mentor if reviewed else None,
                    reviewed_at=at(written + timedelta(days=2), rng.randint(0, 23))
                    if reviewed
                    else None,
                    created_at=at(written - timedelta(days=1)),
                    # A review changes the row after the student handed it in.
                    updated_at=at(written + timedelta(days=3 if reviewed else 0)),
                    submitted_at=None
                    if status == ReviewStatus.DRAFT
                    else at(written, rng.randint(0, 23)),
                    wellbeing=rng.choice([None, 1, 2, 3, 4, 5, 5]),
                )
            )
        for _ in range(rng.randint(0, 8)):
            kind = rng.choice([k for k in EntryKind if k != EntryKind.WEEKLY_LOG])
            author, role = rng.choice(
                [(mentor, Actor.MENTOR), (coach, Actor.COACH), (student, Actor.STUDENT)]
            )
            written = at(day(), rng.randint(0, 23))
            db.session.add(
                LogEntry(
                    placement_id=placement.id,
                    author_id=author,
                    author_role=role,
                    kind=kind,
                    sections={},
                    created_at=written,
                    updated_at=written,
                    resolved_at=written if rng.random() < 0.5 else None,
                )
            )
        for _ in range(rng.randint(0, 3)):
            status = rng.choice(list(VisitStatus))
            planned_on = today + timedelta(days=rng.randint(-90, 20))
            add_visit(
                placement,
                planned_on,
                status,
                held_on=planned_on + timedelta(days=1) if rng.random() < 0.3 else None,
            )
        for _ in range(rng.randint(0, 3)):
            add_agreement(
                placement,
                today + timedelta(days=rng.randint(-10, 10)),
                state=rng.choice([ActionState.OPEN] * 3 + list(ActionState)),
                from_visit=rng.random() < 0.8,
            )
        for indicator in rng.sample(["i1", "i2", "i3", "i4"], rng.randint(0, 4)):
            for actor, author in rng.sample(
                [(Actor.STUDENT, student), (Actor.MENTOR, mentor), (Actor.COACH, coach)],
                rng.randint(1, 3),
            ):
                for _ in range(rng.randint(1, 2)):
                    level = rng.choice([1, 2, 3, 4, None])
                    register(placement, actor, db.session.get(User, author), indicator, level)
    db.session.commit()

    rows = services.assess(
        select(Placement).where(Placement.id.in_([p.id for p in placements])),
        today,
        wellbeing=select(Placement.id),
    )
    computed = {
        row.placement_id: {reason.kind: reason.number for reason in row.reasons} for row in rows
    }
    expected = {placement.id: plain_reasons(placement, today) for placement in placements}
    assert computed == expected
    # The data reach every reason, and leave some placements without any.
    assert {kind for reasons in computed.values() for kind in reasons} == set(ReasonKind)
    assert any(not reasons for reasons in computed.values())


# -- the table ----------------------------------------------------------------------------


@pytest.fixture
def table_caseload(today, app, world):
    """Coach A: Student A (silent since the start: three reasons), a student with an open
    concern, one with a single reason, one settled with a visit planned, one upcoming.
    Student A's mobility abroad is coached by another teacher here.
    """
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        placement.start_date = today - timedelta(days=90)
        db.session.get(Placement, world.placement_m.id).coach_id = world.coordinator_coach_a.id
        names = {}
        for name in ("Cora Concern", "Amber Alone", "Gert Green"):
            names[name] = make_placement(world, name, start=today - timedelta(days=60))
            settle(names[name], today - timedelta(days=3 if name != "Gert Green" else 0))
        add_entry(names["Cora Concern"], world.mentor_x, Actor.MENTOR, EntryKind.CONCERN, today)
        add_agreement(names["Amber Alone"], today - timedelta(days=2))
        add_visit(names["Gert Green"], today + timedelta(days=4), VisitStatus.PLANNED)
        make_placement(world, "Ulla Upcoming", start=today + timedelta(days=10))
        return {name: p.id for name, p in names.items()}


def table(browser, **arguments) -> str:
    return overview(browser, view="table", **arguments)


def row_order(page: str, names) -> list[str]:
    body = page.split("<tbody")[1]
    return sorted(names, key=body.index)


NAMES = ("Student A", "Cora Concern", "Amber Alone", "Gert Green", "Ulla Upcoming")


def test_the_table_shows_status_top_reason_last_contact_and_next_visit(
    today, world, login_as, table_caseload
):
    page = table(login_as(world.coach_a))
    assert "<caption" in page
    assert "Placements, sorted by status (ascending)" in page
    assert page.count('scope="col"') == 5
    assert page.count('scope="row"') == 5
    assert '<th scope="col" role="columnheader" aria-sort="ascending">' in page
    assert row_order(page, NAMES) == list(NAMES)  # the caseload's own order
    rows = {name: page.split(name)[1].split("</tr>")[0] for name in NAMES}
    assert "Urgent" in rows["Student A"]  # three reasons
    assert "No feedback from the mentor for 90 days" in rows["Student A"]
    assert "and 2 more" in rows["Student A"]
    assert "Urgent" in rows["Cora Concern"]
    assert "1 open concern" in rows["Cora Concern"]
    assert "Follow up" in rows["Amber Alone"]
    assert "1 agreement overdue" in rows["Amber Alone"]
    assert "On track" in rows["Gert Green"]
    assert "Not running" in rows["Ulla Upcoming"]
    # the coach's last visit (three days ago) is the last contact; Gert's visit is planned
    # (with its year: a contact can be from an earlier school year)
    last_visit = format_date(today - timedelta(days=3), "d MMM yyyy", locale="en")
    assert last_visit in rows["Amber Alone"]
    assert "none yet" in rows["Student A"]
    next_visit = format_date(today + timedelta(days=4), "d MMM", locale="en")
    gert = table_caseload["Gert Green"]
    assert f'href="/placements/{gert}/visits">{next_visit}</a>' in rows["Gert Green"]


def test_the_table_sorts_by_each_column_with_links(world, login_as, table_caseload):
    coach = login_as(world.coach_a)
    by_name = table(coach, sort="name")
    assert row_order(by_name, NAMES) == sorted(NAMES)
    assert '<th scope="col" role="columnheader" aria-sort="ascending">' in by_name
    assert "sort=name&amp;dir=desc" in by_name  # the header link turns the order round
    assert row_order(table(coach, sort="name", dir="desc"), NAMES) == sorted(NAMES)[::-1]
    by_contact = table(coach, sort="contact")
    assert row_order(by_contact, NAMES)[:2] == ["Student A", "Ulla Upcoming"]  # none yet
    assert row_order(table(coach, sort="visit"), NAMES)[0] == "Gert Green"
    assert 'aria-sort="descending"' in table(coach, sort="visit", dir="desc")
    nonsense = table(coach, sort="password", dir="sideways")
    assert row_order(nonsense, NAMES) == list(NAMES)


def test_the_overview_searches_by_name_and_filters_by_reason(world, login_as, table_caseload):
    coach = login_as(world.coach_a)
    found = table(coach, q="  amber ")
    assert "Amber Alone" in found
    assert "Cora Concern" not in found
    assert 'name="q" type="search" value="amber"' in found
    assert "Student A" not in table(coach, q="%")  # a wildcard is just a character
    concerns = table(coach, reason="concerns")
    assert "Cora Concern" in concerns
    assert "Amber Alone" not in concerns
    assert "Gert Green" not in concerns
    cards = overview(coach, reason="agreements")
    assert "Amber Alone" in cards
    assert "Cora Concern" not in cards
    assert "Student A" in table(coach, reason="nonsense")  # ignored
    rows = read_csv(coach.get("/caseload.csv?reason=concerns"))
    assert [row["Student"] for row in rows] == ["Cora Concern"]


def test_the_filter_keeps_the_tables_order(world, login_as, table_caseload):
    page = table(login_as(world.coach_a), sort="name", dir="desc")
    assert '<input type="hidden" name="sort" value="name">' in page
    assert '<input type="hidden" name="dir" value="desc">' in page
    assert '<input type="hidden" name="view" value="table">' in page


def test_the_home_page_links_the_table(world, login_as):
    assert 'href="/caseload?view=table">All in one table</a>' in home(login_as(world.coach_a))


# -- the coordinator's home page ----------------------------------------------------------


def test_the_coordinators_home_counts_the_placements_that_need_attention(
    today, app, world, login_as
):
    with app.app_context():
        for placement in db.session.scalars(
            select(Placement).where(Placement.id != world.placement_m.id)
        ):
            placement.start_date = today - timedelta(days=30)
            placement.end_date = today + timedelta(days=200)
        make_placement(world, "Rustige Rik", start=today - timedelta(days=30))
        calm = make_placement(world, "Kalme Kim", start=today - timedelta(days=30))
        settle(calm, today)
        calm_id = calm.id
        db.session.commit()
    page = home(login_as(world.coordinator_a))
    assert (
        '<a class="button" href="/caseload">Caseload overview: 2 placements need attention</a>'
        in page
    )
    # School B's coordinator counts School B only.
    assert "Caseload overview: 1 placement needs attention" in home(login_as(world.coordinator_b))
    with app.app_context():
        for placement in db.session.scalars(
            select(Placement).where(
                Placement.school_id == world.school_a.id, Placement.id != calm_id
            )
        ):
            settle(placement, today)
    page = home(login_as(world.coordinator_a))
    assert "Caseload overview: no placement needs attention" in page
    assert "Caseload overview" not in home(login_as(world.coach_a))  # a coach has their own
    # A platform admin gets the link without a count: it would assess every school's
    # placements on each visit of the home page.
    assert "Caseload overview: who needs attention" in home(login_as(world.admin))


# -- the company coordinator --------------------------------------------------------------


@pytest.fixture
def at_company_x(today, app, world):
    """Placement A at Company X runs for 60 days: the mentor never wrote, a visit report
    waits for the mentor's confirmation, an agreement of the mentor is overdue, and the
    student's latest week says wellbeing 1 with a coach-only visit note beside it.
    """
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        placement.start_date = today - timedelta(days=60)
        placement.end_date = today + timedelta(days=200)
        week = add_entry(placement, world.student_a, Actor.STUDENT, EntryKind.WEEKLY_LOG, today)
        week.wellbeing = 1
        add_entry(
            placement, world.coach_a, Actor.COACH, EntryKind.VISIT_NOTE, today, coach_only=True
        )
        visit = add_visit(placement, today - timedelta(days=3), VisitStatus.FINAL)
        add_agreement(placement, today - timedelta(days=1))
        db.session.commit()
        return visit.id


def test_the_company_coordinator_sees_what_the_company_can_act_on(world, login_as, at_company_x):
    page = home(login_as(world.company_coordinator_x))
    card = page.split("Student A")[1].split("</li>\n</ul>")[0]
    assert "No feedback from the mentor for 60 days" in card
    assert "Visit report waiting for the mentor" in card
    assert "1 agreement of the mentor overdue" in card
    # Nothing of the log's content, the student's wellbeing or the school's notes.
    for secret in ("wellbeing", "Wellbeing", "reflection", "open concern", "Visit overdue"):
        assert secret not in card
    assert "/log" not in card


def test_the_signals_clear_when_the_mentor_acts(today, app, world, login_as, at_company_x):
    with app.app_context():
        visit = db.session.get(Visit, at_company_x)
        placement = db.session.get(Placement, world.placement_a.id)
        visits.confirm(visit, db.session.get(User, world.mentor_x.id), "Read it.")
        add_entry(placement, world.mentor_x, Actor.MENTOR, EntryKind.FEEDBACK, today)
    page = home(login_as(world.company_coordinator_x))
    assert "No feedback from the mentor" not in page
    assert "Visit report waiting for the mentor" not in page
    assert "1 agreement of the mentor overdue" in page  # not ticked off yet


@pytest.mark.parametrize("role", ["mentor_x", "mentor_y", "coach_a", "coordinator_a", "student_a"])
def test_only_the_companys_coordinator_gets_the_companys_signals(
    world, login_as, at_company_x, role
):
    page = home(login_as(world.user(role)))
    assert "Visit report waiting for the mentor" not in page
    assert "agreement of the mentor overdue" not in page


@pytest.mark.parametrize("threshold", [1, 2, 3])
def test_the_caseload_and_the_matrix_count_divergence_by_the_schools_threshold(
    app, world, login_as, threshold
):
    """An indicator whose levels lie exactly the school's threshold apart differs, one
    further apart too, one closer not; the caseload counts what the matrix marks.
    """
    today = date.today()
    top = 4  # the framework's scale runs from 1 to 4
    spreads = {"on-time": threshold, "reports-absence": threshold - 1}
    if threshold + 1 < top:
        spreads["keeps-break-times"] = threshold + 1
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        placement.start_date = today - timedelta(days=60)
        placement.end_date = today + timedelta(days=200)
        settings = SchoolSettings.defaults(world.school_a.id)
        settings.divergence_levels = threshold
        db.session.add(settings)
        db.session.commit()
        for indicator, spread in spreads.items():
            register(placement, Actor.STUDENT, world.student_a, indicator, 1 + spread)
            register(placement, Actor.MENTOR, world.mentor_x, indicator, 1)
        [row] = services.assess(select(Placement).where(Placement.id == placement.id), today)
        counted = row.divergent_indicators
    page = login_as(world.coach_a).get(f"/placements/{world.placement_a.id}/matrix")
    marked = page.get_data(as_text=True).count('<tr class="is-divergent')
    expected = sum(spread >= threshold for spread in spreads.values())
    assert counted == marked == expected
    assert f"differ by {threshold}+" in page.get_data(as_text=True)
