"""Reminders: each rule on the day before its threshold (nothing), on the day (one) and
the day after (still one); the school's hours and weekends; ended placements; running a
pass twice or twice at once; and a daily pass over thousands of placements.

The clock is an argument: every pass runs at a moment chosen here, in Brussels time.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select, update

from app.extensions import db
from app.models import (
    Action,
    Actor,
    LogEntry,
    ModuleProgress,
    Notification,
    NotificationKind,
    Placement,
    PlacementKind,
    PlacementStatus,
    Recommendation,
    SchoolSettings,
    User,
    Visit,
)
from app.notifications import reminders
from app.notifications.services import CHUNK
from app.plans import services as plans
from app.visits import services as visits
from tests.conftest import FOLLOWED_WITH, monday, postgres_url, write_entry, written

pytestmark = pytest.mark.usefixtures("in_english")

BRUSSELS = ZoneInfo("Europe/Brussels")
K = NotificationKind


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A moment on `day` in Brussels."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRUSSELS)


def decide(app, moment: datetime) -> reminders.ReminderReport:
    with app.app_context():
        return reminders.decide(moment)


def reminded(app, kind: NotificationKind) -> list[tuple[str, str]]:
    """(name, key) of every reminder of `kind`, in a stable order."""
    with app.app_context():
        return sorted(
            db.session.execute(
                select(User.name, Notification.key)
                .join(Notification, Notification.user_id == User.id)
                .where(Notification.kind == kind)
            ).all()
        )


def names(app, kind: NotificationKind, placement=None) -> list[str]:
    with app.app_context():
        query = (
            select(User.name)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.kind == kind)
        )
        if placement is not None:
            query = query.where(Notification.placement_id == placement.id)
        return sorted(db.session.scalars(query))


def settings(app, school, **values) -> None:
    with app.app_context():
        row = db.session.get(SchoolSettings, school.id)
        if row is None:
            row = SchoolSettings.defaults(school.id)
            db.session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def written_at(app, model, row_id: int, moment: datetime, column: str = "created_at") -> None:
    """Move a row's moment to `moment` (the services write the real clock's)."""
    with app.app_context():
        db.session.execute(
            update(model).where(model.id == row_id).values({column: moment.astimezone(UTC)})
        )
        db.session.commit()


def plan_visit(app, world, day: date, attendees=("student", "mentor")) -> int:
    with app.app_context():
        visit = visits.plan_visit(
            db.session.get(Placement, world.placement_a.id),
            db.session.get(User, world.coach_a.id),
            visits.VisitPlan(day, None, "", list(attendees), ""),
        )
        return visit.id


def open_goal(app, world) -> int:
    with app.app_context():
        goal = plans.create_goal(
            db.session.get(Placement, world.placement_a.id),
            db.session.get(User, world.student_a.id),
            plans.GoalText("Plan my day", "", "", None, ["competence:planning"]),
        )
        return goal.id


def add_action(app, world, goal_id: int, due: date) -> int:
    with app.app_context():
        from app.models import Goal

        action = plans.add_action(
            db.session.get(Placement, world.placement_a.id),
            db.session.get(Goal, goal_id),
            db.session.get(User, world.student_a.id),
            "Make a list",
            due,
        )
        return action.id


# -- the weekly log ---------------------------------------------------------------------


@pytest.fixture
def week(start):
    """The sixth week of the placements (a Monday); its log is due on Friday."""
    return monday(start, 5)


def test_this_weeks_log_is_due_from_the_schools_weekday_once(week, start, app, world):
    decide(app, at(week + timedelta(days=3)))  # Thursday
    assert ("Student A", f"log_due:{world.placement_a.id}:{week}") not in reminded(app, K.LOG_DUE)
    decide(app, at(week + timedelta(days=4)))  # Friday
    decide(app, at(week + timedelta(days=4), 15))
    assert reminded(app, K.LOG_DUE) == [
        ("Student A", f"log_due:{world.placement_a.id}:{week}"),
        ("Student B", f"log_due:{world.placement_b.id}:{week}"),
    ]


def test_a_log_handed_in_is_not_due_and_the_school_chooses_the_day(week, app, world):
    write_entry(app, world.placement_a, world.student_a, submit=True, week=week)
    settings(app, world.school_b, log_due_weekday=2)  # Wednesday
    decide(app, at(week + timedelta(days=1)))  # Tuesday: not yet due anywhere
    assert names(app, K.LOG_DUE) == []
    decide(app, at(week + timedelta(days=2)))  # Wednesday: due at school B
    assert names(app, K.LOG_DUE) == ["Student B"]
    decide(app, at(week + timedelta(days=4)))  # Friday: A's log is in
    assert names(app, K.LOG_DUE) == ["Student B"]


def test_last_weeks_log_that_never_came_is_missing_once(week, start, app, world):
    write_entry(app, world.placement_b, world.student_b, submit=True, week=week)
    write_entry(app, world.placement_a, world.student_a, week=week)  # a draft is not in
    monday = week + timedelta(days=7)
    decide(app, at(monday))
    decide(app, at(monday + timedelta(days=1)))
    assert (
        "Student A",
        f"log_missing:{world.placement_a.id}:{week}",
    ) in reminded(app, K.LOG_MISSING)
    assert f"log_missing:{world.placement_b.id}:{week}" not in {
        key for _name, key in reminded(app, K.LOG_MISSING)
    }
    assert names(app, K.LOG_MISSING) == ["Student A"]  # Monday and Tuesday: told once


# -- the mentor's silence and the coach's attention -------------------------------------


def test_no_feedback_for_the_schools_days_reminds_the_mentor_once(start, app, world):
    decide(app, at(start + timedelta(days=13)))
    assert names(app, K.FEEDBACK_MISSING, world.placement_a) == []
    decide(app, at(start + timedelta(days=14)))
    decide(app, at(start + timedelta(days=15)))
    assert reminded(app, K.FEEDBACK_MISSING)[0] == (
        "Mentor X",
        f"feedback_missing:{world.placement_a.id}:{start}",
    )
    assert names(app, K.FEEDBACK_MISSING) == ["Mentor X", "Mentor Y"]


def test_feedback_starts_a_new_silence_and_the_school_sets_its_length(start, app, world):
    settings(app, world.school_a, feedback_days=5)
    entry_id = write_entry(app, world.placement_a, world.mentor_x, "feedback")
    written_at(app, LogEntry, entry_id, at(start + timedelta(days=9)))
    decide(app, at(monday(start, 2)))  # four days after the feedback
    assert names(app, K.FEEDBACK_MISSING, world.placement_a) == []
    decide(app, at(start + timedelta(days=14)))
    decide(app, at(start + timedelta(days=15)))
    assert reminded(app, K.FEEDBACK_MISSING)[0] == (
        "Mentor X",
        f"feedback_missing:{world.placement_a.id}:{start + timedelta(days=9)}",
    )
    assert names(app, K.FEEDBACK_MISSING, world.placement_a) == ["Mentor X"]


def test_the_coach_hears_when_a_placement_newly_needs_attention(start, app, world):
    decide(app, at(start + timedelta(days=6)))
    assert names(app, K.NEEDS_ATTENTION, world.placement_a) == []
    decide(app, at(start + timedelta(days=7)))  # a week without a reflection
    decide(app, at(start + timedelta(days=8)))
    assert reminded(app, K.NEEDS_ATTENTION) == [
        ("Coach A", f"attention:{world.placement_a.id}:reflection:{start}"),
        ("Coach B", f"attention:{world.placement_b.id}:reflection:{start}"),
    ]
    decide(app, at(start + timedelta(days=14)))  # and two weeks without feedback
    assert (
        "Coach A",
        f"attention:{world.placement_a.id}:feedback:{start}",
    ) in reminded(app, K.NEEDS_ATTENTION)


def test_a_visit_overdue_reminds_the_coach_until_one_is_planned(start, app, world):
    six_weeks = start + timedelta(weeks=6)  # a Tuesday
    decide(app, at(six_weeks - timedelta(days=1)))
    assert names(app, K.VISIT_OVERDUE) == []
    decide(app, at(six_weeks))
    decide(app, at(six_weeks + timedelta(days=1)))
    assert reminded(app, K.VISIT_OVERDUE) == [
        ("Coach A", f"visit_overdue:{world.placement_a.id}:{start}"),
        ("Coach B", f"visit_overdue:{world.placement_b.id}:{start}"),
    ]
    # Needs attention does not repeat what the visit reminder says.
    assert not any(":visit:" in key for _name, key in reminded(app, K.NEEDS_ATTENTION))


# -- visits, actions and agreements -----------------------------------------------------


def test_a_visit_is_announced_the_day_before_to_the_coach_and_who_attends(start, app, world):
    visit_id = plan_visit(app, world, start + timedelta(days=43), attendees=("student",))
    decide(app, at(monday(start, 6)))
    assert names(app, K.VISIT_TOMORROW) == []
    decide(app, at(start + timedelta(days=42)))
    decide(app, at(start + timedelta(days=43)))
    assert reminded(app, K.VISIT_TOMORROW) == [
        ("Coach A", f"visit_tomorrow:{visit_id}:{start + timedelta(days=43)}"),
        ("Student A", f"visit_tomorrow:{visit_id}:{start + timedelta(days=43)}"),
    ]


def test_a_monday_visit_is_announced_on_friday_unless_the_school_works_weekends(start, app, world):
    plan_visit(app, world, monday(start, 6))
    decide(app, at(start + timedelta(days=38)))  # Friday
    assert names(app, K.VISIT_TOMORROW) == ["Coach A", "Mentor X", "Student A"]


def test_a_school_that_works_weekends_announces_on_sunday(start, app, world):
    settings(app, world.school_a, reminders_on_weekends=True)
    plan_visit(app, world, monday(start, 6))
    decide(app, at(start + timedelta(days=38)))  # Friday: Monday is not tomorrow
    assert names(app, K.VISIT_TOMORROW) == []
    decide(app, at(start + timedelta(days=40)))  # Sunday
    assert names(app, K.VISIT_TOMORROW) == ["Coach A", "Mentor X", "Student A"]


def test_a_moved_visit_is_announced_again_for_its_new_day(start, app, world):
    visit_id = plan_visit(app, world, start + timedelta(days=43))
    decide(app, at(start + timedelta(days=42)))
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        visits.change_plan(
            visit,
            visits.VisitPlan(start + timedelta(days=44), None, "", ["student", "mentor"], ""),
            expected_version=visit.version,
            coach_id=world.coach_a.id,
        )
    assert names(app, K.VISIT_MOVED) == ["Mentor X", "Student A"]
    decide(app, at(start + timedelta(days=43)))
    assert len(reminded(app, K.VISIT_TOMORROW)) == 6


def test_an_action_is_announced_the_day_before_and_again_when_overdue(start, app, world):
    action_id = add_action(app, world, open_goal(app, world), start + timedelta(days=43))
    decide(app, at(monday(start, 6)))
    assert names(app, K.ACTION_DUE) == []
    decide(app, at(start + timedelta(days=42)))
    decide(app, at(start + timedelta(days=43)))  # the day itself: nothing more
    assert reminded(app, K.ACTION_DUE) == [
        ("Student A", f"action_due:{action_id}:{start + timedelta(days=43)}")
    ]
    assert names(app, K.ACTION_OVERDUE) == []
    decide(app, at(start + timedelta(days=44)))
    decide(app, at(start + timedelta(days=45)))
    assert reminded(app, K.ACTION_OVERDUE) == [
        ("Student A", f"action_overdue:{action_id}:{start + timedelta(days=43)}")
    ]


def test_a_done_action_is_not_announced(start, app, world):
    action_id = add_action(app, world, open_goal(app, world), start + timedelta(days=43))
    with app.app_context():
        plans.set_action_done(
            db.session.get(Action, action_id), db.session.get(User, world.student_a.id), True
        )
    decide(app, at(start + timedelta(days=42)))
    decide(app, at(start + timedelta(days=44)))
    assert names(app, K.ACTION_DUE) + names(app, K.ACTION_OVERDUE) == []


def test_an_agreement_reminds_its_owner_only_once_the_report_is_final(start, app, world):
    visit_id = plan_visit(app, world, start + timedelta(days=30))
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        coach = db.session.get(User, world.coach_a.id)
        visits.add_agreement(
            visit, coach, "Order the safety shoes", Actor.MENTOR, start + timedelta(days=36)
        )
    decide(app, at(start + timedelta(days=35)))
    assert names(app, K.ACTION_DUE) == []  # a draft agreement is nobody's yet
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        visits.save_report(
            visit,
            held_on=start + timedelta(days=30),
            sections={"learning_process": "Wires boards on her own."},
            coach_only=[],
            expected_version=visit.version,
        )
        visit = db.session.get(Visit, visit_id)
        visits.finalise(
            visit,
            db.session.get(User, world.coach_a.id),
            start + timedelta(days=31),
            expected_version=visit.version,
        )
    decide(app, at(start + timedelta(days=35), 11))
    assert names(app, K.ACTION_DUE) == ["Mentor X"]
    with app.app_context():
        (row,) = db.session.scalars(select(Notification).where(Notification.kind == K.ACTION_DUE))
        assert row.payload["agreement"] is True
        assert row.target_values["_anchor"] == "agreements"


# -- mentors' training ------------------------------------------------------------------


def recommend(app, world, moment: datetime) -> int:
    with app.app_context():
        recommendation = Recommendation(
            mentor_id=world.mentor_x.id,
            module_id="feedback-that-lands",
            placement_id=world.placement_a.id,
            recommended_by_id=world.coach_a.id,
            created_at=moment.astimezone(UTC),
        )
        db.session.add(recommendation)
        db.session.commit()
        return recommendation.id


def test_a_recommended_module_not_started_after_the_schools_days_reminds_once(start, app, world):
    recommendation_id = recommend(app, world, at(start + timedelta(days=30), 16))
    decide(app, at(start + timedelta(days=43)))  # 13 days
    assert names(app, K.MODULE_NOT_STARTED) == []
    decide(app, at(start + timedelta(days=44)))  # 14 days
    decide(app, at(start + timedelta(days=45)))
    assert reminded(app, K.MODULE_NOT_STARTED) == [
        ("Mentor X", f"module_not_started:{recommendation_id}")
    ]


def test_a_started_module_is_not_reminded(start, app, world):
    recommend(app, world, at(start + timedelta(days=30)))
    with app.app_context():
        db.session.add(ModuleProgress(user_id=world.mentor_x.id, module_id="feedback-that-lands"))
        db.session.commit()
    decide(app, at(start + timedelta(days=49)))
    assert names(app, K.MODULE_NOT_STARTED) == []


# -- when, and about which placements ---------------------------------------------------


@pytest.mark.parametrize(
    ("days", "hour", "minute"),
    [
        (38, 7, 59),  # a Friday, before the school's hours
        (38, 18, 0),  # after them
        (39, 10, 0),  # Saturday
        (40, 10, 0),  # Sunday
    ],
    ids=["early", "late", "saturday", "sunday"],
)
def test_nothing_is_decided_outside_the_schools_hours(start, app, world, days, hour, minute):
    report = decide(app, at(start + timedelta(days=days), hour, minute))
    assert report.schools == 0
    assert report.total == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_each_school_has_its_own_hours_and_a_missed_pass_is_made_up(start, app, world):
    settings(app, world.school_b, reminders_from_hour=9, reminders_until_hour=17)
    decide(app, at(start + timedelta(days=38), 8, 30))
    assert names(app, K.LOG_DUE) == ["Student A"]
    decide(app, at(monday(start, 6), 9))  # Monday: B's Friday reminder is now missing
    assert "Student B" in names(app, K.LOG_MISSING)


def test_ended_and_stopped_placements_are_left_alone(start, app, world):
    with app.app_context():
        db.session.get(Placement, world.placement_a.id).end_date = start + timedelta(days=37)
        db.session.get(Placement, world.placement_b.id).status = PlacementStatus.STOPPED
        db.session.commit()
    report = decide(app, at(start + timedelta(days=38)))
    assert report.placements == 0
    assert report.total == 0


def test_a_second_pass_at_the_same_moment_decides_nothing(start, app, world):
    first = decide(app, at(start + timedelta(days=42)))
    second = decide(app, at(start + timedelta(days=42)))
    assert first.total > 0
    assert second.total == 0
    assert first.written[K.VISIT_OVERDUE] == 2


@pytest.mark.skipif(not postgres_url(), reason="concurrent writers need PostgreSQL")
def test_two_passes_at_once_write_each_reminder_once(start, app, world):
    moment = at(start + timedelta(days=42))
    single = decide(app, moment).total
    with app.app_context():
        db.session.execute(Notification.__table__.delete())
        db.session.commit()
    totals, errors = [], []

    def run():
        try:
            totals.append(decide(app, moment).total)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(totals) == single
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id))) == single


# -- the command ------------------------------------------------------------------------


def test_reminders_run_decides_and_delivers_and_a_rerun_does_nothing(
    start, app, world, runner, outbox
):
    result = runner.invoke(args=["reminders", "run", "--at", f"{start + timedelta(days=42)}T10:00"])
    assert result.exit_code == 0, result.output
    assert "2 visit overdue" in result.output
    assert len(outbox) > 0
    sent = len(outbox)
    again = runner.invoke(args=["reminders", "run", "--at", f"{start + timedelta(days=42)}T10:00"])
    assert "0 reminders" in again.output
    assert "0 e-mails sent" in again.output
    assert len(outbox) == sent


# -- many placements --------------------------------------------------------------------


def add_placements(app, world, count: int, batch: str) -> None:
    """`count` running placements of school A, each with its own student, in bulk."""
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"{batch}{n}@a.example",
                    "name": f"Student {batch}{n}",
                    "password_hash": "x",
                }
                for n in range(count)
            ],
        )
        students = db.session.scalars(
            select(User.id).where(User.email.like(f"{batch}%@a.example")).order_by(User.id)
        ).all()
        db.session.execute(
            insert(Placement),
            [
                {
                    "student_id": student_id,
                    "school_id": world.school_a.id,
                    "workplace_id": world.company_x.id,
                    "mentor_id": world.mentor_x.id,
                    "coach_id": world.coach_a.id,
                    "kind": PlacementKind.DUAL_LEARNING,
                    "status": PlacementStatus.ACTIVE,
                    "start_date": world.placement_a.start_date,
                    "end_date": world.placement_a.end_date,
                    **FOLLOWED_WITH,
                }
                for student_id in students
            ],
        )
        db.session.commit()


def counted_pass(app, count_queries, moment):
    with count_queries() as counter:
        started = time.perf_counter()
        report = decide(app, moment)
        elapsed = time.perf_counter() - started
    return report, counter.count, elapsed


def forget_notifications(app) -> None:
    with app.app_context():
        db.session.execute(Notification.__table__.delete())
        db.session.commit()


@pytest.fixture
def busy_day(start):
    """A Tuesday six weeks in: weeks missing, silence, visits overdue, attention for all."""
    return at(start + timedelta(weeks=6))


def test_a_pass_runs_the_same_queries_for_few_and_many_placements(
    busy_day, app, world, count_queries
):
    add_placements(app, world, 20, "few")
    few, few_queries, _ = counted_pass(app, count_queries, busy_day)
    forget_notifications(app)
    add_placements(app, world, 150, "many")
    many, many_queries, _ = counted_pass(app, count_queries, busy_day)
    assert (few.placements, many.placements) == (22, 172)
    assert few.total < many.total < CHUNK
    assert many_queries == few_queries


def test_a_daily_pass_over_5000_placements_takes_seconds(busy_day, app, world, count_queries):
    add_placements(app, world, 5000, "load")
    report, queries, elapsed = counted_pass(app, count_queries, busy_day)
    assert report.placements == 5002
    # Per placement: a week missing, the mentor's silence, a visit overdue, and the
    # coach's two reasons (no reflection, no feedback).
    assert report.total == 5 * 5002
    chunks = -(-report.total // CHUNK)
    # Six more look at the mobility files of the stays abroad still to start.
    assert queries <= 20 + chunks
    # About 8 s on an idle machine; the margin is for one busy with other workers. The
    # statement count above, not the clock, catches a pass that grows per placement.
    assert elapsed < 90, f"{elapsed:.1f} s"


# -- what the reader sees ---------------------------------------------------------------


def busy_placement_a(app, world) -> None:
    """Placement A with something of every kind due on the busy day (six weeks in)."""
    start = world.placement_a.start_date
    plan_visit(app, world, start + timedelta(days=43))
    add_action(app, world, open_goal(app, world), start + timedelta(days=38))
    recommend(app, world, at(start + timedelta(days=19)))
    settings(app, world.school_a, log_due_weekday=1)


def test_every_reminder_leads_its_reader_to_a_page_they_can_open(busy_day, app, world, login_as):
    busy_placement_a(app, world)
    decide(app, busy_day)
    with app.app_context():
        found = db.session.execute(
            select(Notification.id, Notification.kind, User.email).join(
                User, User.id == Notification.user_id
            )
        ).all()
    assert {kind for _id, kind, _email in found} == {
        K.VISIT_PLANNED,  # the event of planning the visit, for comparison
        K.LOG_DUE,
        K.LOG_MISSING,
        K.FEEDBACK_MISSING,
        K.NEEDS_ATTENTION,
        K.VISIT_OVERDUE,
        K.VISIT_TOMORROW,
        K.ACTION_OVERDUE,
        K.MODULE_NOT_STARTED,
    }
    for notification_id, kind, email in found:
        reader = login_as(world_user(app, email))
        opened = reader.get(f"/notifications/{notification_id}/open")
        assert opened.status_code == 302, kind
        page = reader.get(opened.headers["Location"])
        assert page.status_code == 200, (kind, email, opened.headers["Location"])


def world_user(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def test_reminders_read_as_plain_sentences_in_the_readers_language(
    busy_day, start, app, world, login_as
):
    busy_placement_a(app, world)
    decide(app, busy_day)
    student = login_as(world.student_a).get("/notifications").get_data(as_text=True)
    week = written(monday(start, 5))
    action_due = written(start + timedelta(days=38), "EEEE d MMMM yyyy")
    visit_day = written(start + timedelta(days=43), "EEEE d MMMM yyyy")
    assert f"Your weekly log for the week of {week} was not handed in" in student
    assert f"An action in the development plan was due on {action_due}" in student
    assert f"Reminder: visit on {visit_day}" in student
    mentor = login_as(world.mentor_x).get("/notifications").get_data(as_text=True)
    assert "You have given no feedback for 42 days: a few lines help your student" in mentor
    assert "A module recommended to you is waiting:" in mentor
    coach = login_as(world.coach_a).get("/notifications").get_data(as_text=True)
    assert "Needs attention: No reflection from the student for 42 days" in coach
    assert "Visit overdue: no visit yet, started 6 weeks ago" not in coach  # one is planned
    with app.app_context():
        db.session.get(User, world.coach_a.id).locale = "nl"
        db.session.commit()
    dutch = login_as(world.coach_a).get("/notifications").get_data(as_text=True)
    assert "Vraagt aandacht: Al 42 dagen geen reflectie van de leerling" in dutch
    assert "Traject van Student A" in dutch
