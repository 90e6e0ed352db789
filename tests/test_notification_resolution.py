"""Doing the work a notification asks for resolves it: it leaves the bell, is no longer
new, and its e-mail (one by one or in the daily summary) is not sent. Notifications that
only inform stay until read; another placement's are untouched. Every notification names
the week or thing it is about.

Each piece of work is done through the pages, as its person would; the world runs
around today (the placement started 60 days ago), and reminders are decided now.
"""

from __future__ import annotations

import ast
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.dates import format_date
from flask_babel import force_locale
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from app import create_app, signals
from app.extensions import db
from app.models import (
    Action,
    EmailPreference,
    Goal,
    LogEntry,
    Notification,
    NotificationKind,
    Placement,
    PracticePost,
    Recommendation,
    SchoolSettings,
    User,
)
from app.notifications import delivery, reminders
from app.notifications.resolutions import resolve
from app.notifications.services import Pending, Target, write
from app.notifications.texts import describe
from app.plans import services as plans
from app.visits import services as visits
from config import TestingConfig
from tests.conftest import build_world, monday, png_bytes, reset_postgres_schema, written

K = NotificationKind
pytestmark = pytest.mark.usefixtures("in_english")

TODAY = date.today()  # the day the tests run on (moved with --today)
MONDAY = TODAY - timedelta(days=TODAY.weekday())
LAST_MONDAY = MONDAY - timedelta(days=7)


# -- the world around today -------------------------------------------------------------


@pytest.fixture
def running(app, world):
    """Both placements started 60 days ago and run for months; both schools send
    reminders at any hour of any day, and the log is due on Monday.
    """
    with app.app_context():
        for placement_id in (world.placement_a.id, world.placement_b.id):
            placement = db.session.get(Placement, placement_id)
            placement.start_date = TODAY - timedelta(days=60)
            placement.end_date = TODAY + timedelta(days=150)
        for school in (world.school_a, world.school_b):
            settings = SchoolSettings.defaults(school.id)
            settings.reminders_from_hour = 0
            settings.reminders_until_hour = 24
            settings.reminders_on_weekends = True
            settings.log_due_weekday = 0
            db.session.add(settings)
        db.session.commit()
    return world


def decide(app) -> None:
    with app.app_context():
        reminders.decide(datetime.now(UTC))


def bell(browser) -> int:
    """The number on the bell, as its accessible name says it."""
    page = browser.get("/notifications").get_data(as_text=True)
    found = re.search(r"Notifications, (\d+) unread", page)
    return int(found.group(1)) if found else 0


def open_rows(app, user, kind: NotificationKind | None = None) -> list[Notification]:
    """The unread, unresolved notifications of `user` (of `kind`)."""
    with app.app_context():
        query = select(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
        if kind is not None:
            query = query.where(Notification.kind == kind)
        found = db.session.scalars(query.order_by(Notification.id)).all()
        db.session.expunge_all()
        return found


def kinds_open(app, user) -> list[NotificationKind]:
    return sorted(n.kind for n in open_rows(app, user))


def daily(app, *users) -> None:
    with app.app_context():
        for user in users:
            db.session.get(User, user.id).notify_by_email = EmailPreference.DAILY
        db.session.commit()


def digest_to(app, outbox, address: str) -> str:
    """Send tomorrow's summaries; the body of the one to `address` ('' when none)."""
    with app.app_context():
        delivery.deliver(datetime.now(UTC) + timedelta(days=1, hours=1))
    found = [m for m in outbox.messages if m["To"] == address]
    return outbox.body(found[-1]) if found else ""


def week_name(day: date) -> str:
    """A week as the English interface names it: "7 December 2026"."""
    return format_date(day, "d MMMM yyyy", locale="en")


def hand_in_last_week(browser, world):
    response = browser.post(
        f"/placements/{world.placement_a.id}/log/new/weekly_log",
        {
            "week": LAST_MONDAY.isoformat(),
            "did": "Wired two switchboards.",
            "went_well": "Measuring.",
            "was_hard": "",
            "need": "",
            "wellbeing": "4",
            "submit": "Submit to my mentor",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def the_week(app, world) -> LogEntry:
    with app.app_context():
        entry = db.session.scalar(
            select(LogEntry).where(
                LogEntry.placement_id == world.placement_a.id, LogEntry.week_start == LAST_MONDAY
            )
        )
        db.session.expunge(entry)
        return entry


def final_report(app, world) -> int:
    with app.app_context():
        coach = db.session.get(User, world.coach_a.id)
        visit = visits.plan_visit(
            db.session.get(Placement, world.placement_a.id),
            coach,
            visits.VisitPlan(TODAY - timedelta(days=2), None, "", ["student", "mentor"], ""),
        )
        visits.save_report(
            visit,
            held_on=TODAY - timedelta(days=2),
            sections={"learning_process": "Wires boards on her own now."},
            coach_only=[],
            expected_version=visit.version,
        )
        visits.finalise(visit, coach, TODAY - timedelta(days=1), expected_version=visit.version)
        return visit.id


# -- the mentor's day: the four notifications -----------------------------------


def test_mentor_giving_feedback_approving_and_confirming_empties_the_bell_and_the_summary(
    app, running, login_as, outbox
):
    world = running
    daily(app, world.mentor_x, world.coach_a)
    decide(app)  # 60 days without feedback, without a log, without a visit
    hand_in_last_week(login_as(world.student_a), world)
    visit_id = final_report(app, world)
    mentor = login_as(world.mentor_x)
    assert kinds_open(app, world.mentor_x) == sorted(
        [K.FEEDBACK_MISSING, K.ENTRY_ADDED, K.VISIT_PLANNED, K.VISIT_REPORT_TO_CONFIRM]
    )
    assert bell(mentor) == 4
    page = mentor.get("/notifications").get_data(as_text=True)
    assert f"Student A handed in the weekly log of the week of {week_name(LAST_MONDAY)}" in page
    coach_before = {n.id for n in open_rows(app, world.coach_a)}

    # Feedback through the form: "no feedback for N days" is done, for the coach too.
    response = mentor.post(
        f"/placements/{world.placement_a.id}/log/new/feedback",
        {"went_well": "Neat wiring.", "work_on": "Label the cables.", "next_step": ""},
    )
    assert response.status_code == 302
    assert bell(mentor) == 3
    assert K.FEEDBACK_MISSING not in kinds_open(app, world.mentor_x)
    coach_open = open_rows(app, world.coach_a, K.NEEDS_ATTENTION)
    assert all(n.subject != "attention:feedback" for n in coach_open)

    # Approving the week.
    entry = the_week(app, world)
    response = mentor.post(
        f"/placements/{world.placement_a.id}/log/{entry.id}/review",
        {"version": entry.version, "approve": "Approve"},
    )
    assert response.status_code == 302
    assert bell(mentor) == 2

    # Confirming the report: only the visit that was planned stays (it only informs).
    response = mentor.post(
        f"/placements/{world.placement_a.id}/visits/{visit_id}/confirm", {"comment": ""}
    )
    assert response.status_code == 302
    assert bell(mentor) == 1
    assert kinds_open(app, world.mentor_x) == [K.VISIT_PLANNED]
    page = mentor.get("/notifications").get_data(as_text=True)
    assert page.count('class="badge done"') == 3
    assert page.count('class="badge new"') == 1

    # Tomorrow's summary names the visit and nothing that was done.
    body = digest_to(app, outbox, "mentor@x.example")
    assert "1 thing happened" in body
    assert "planned a visit" in body
    assert "weekly log" not in body
    assert "no feedback" not in body
    assert "report" not in body
    # The coach's copy of the week only informed: it is still there, as is what the
    # mentor's work did not touch.
    done = coach_before - {n.id for n in open_rows(app, world.coach_a)}
    with app.app_context():
        done_for_coach = set(
            db.session.scalars(select(Notification.subject).where(Notification.id.in_(done)))
        )
    assert done_for_coach == {"attention:feedback"}
    assert any(n.kind == K.ENTRY_ADDED for n in open_rows(app, world.coach_a))
    assert "Student A handed in the weekly log of the week of" in digest_to(
        app, outbox, "coach@a.example"
    )


def test_a_week_returned_is_done_for_the_mentor_and_waits_again_when_handed_in(
    app, running, login_as
):
    world = running
    hand_in_last_week(login_as(world.student_a), world)
    mentor = login_as(world.mentor_x)
    entry = the_week(app, world)
    mentor.post(
        f"/placements/{world.placement_a.id}/log/{entry.id}/review",
        {"version": entry.version, "return_entry": "x", "comment": "Add what you measured."},
    )
    assert open_rows(app, world.mentor_x, K.ENTRY_ADDED) == []
    entry = the_week(app, world)
    student = login_as(world.student_a)
    response = student.post(
        f"/placements/{world.placement_a.id}/log/{entry.id}/submit", {"version": entry.version}
    )
    assert response.status_code == 302
    assert len(open_rows(app, world.mentor_x, K.ENTRY_ADDED)) == 1
    assert bell(mentor) == 1


def test_an_approved_week_the_student_changes_waits_for_the_mentor_again(app, running, login_as):
    world = running
    hand_in_last_week(login_as(world.student_a), world)
    mentor = login_as(world.mentor_x)
    entry = the_week(app, world)
    mentor.post(
        f"/placements/{world.placement_a.id}/log/{entry.id}/review",
        {"version": entry.version, "approve": "Approve"},
    )
    assert bell(mentor) == 0
    entry = the_week(app, world)
    response = login_as(world.student_a).post(
        f"/placements/{world.placement_a.id}/log/{entry.id}/edit",
        {
            "version": entry.version,
            "week": LAST_MONDAY.isoformat(),
            "did": "Wired three switchboards.",
            "went_well": "Measuring.",
            "wellbeing": "4",
            "save": "Save",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert bell(mentor) == 1


def test_an_approved_week_given_a_photo_waits_for_the_mentor_again(app, running, login_as):
    world = running
    hand_in_last_week(login_as(world.student_a), world)
    mentor = login_as(world.mentor_x)
    entry = the_week(app, world)
    mentor.post(
        f"/placements/{world.placement_a.id}/log/{entry.id}/review",
        {"version": entry.version, "approve": "Approve"},
    )
    assert bell(mentor) == 0
    response = login_as(world.student_a).post(
        f"/placements/{world.placement_a.id}/log/{entry.id}/attachments",
        {"file": (io.BytesIO(png_bytes()), "switchboard.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert bell(mentor) == 1


def test_approving_all_waiting_weeks_at_once_resolves_each(app, running, login_as):
    world = running
    student = login_as(world.student_a)
    hand_in_last_week(student, world)
    student.post(
        f"/placements/{world.placement_a.id}/log/new/weekly_log",
        {"week": MONDAY.isoformat(), "did": "Cabling.", "submit": "Submit to my mentor"},
    )
    assert len(open_rows(app, world.mentor_x, K.ENTRY_ADDED)) == 2
    with app.app_context():
        shown = dict(
            db.session.execute(
                select(LogEntry.id, LogEntry.version).where(
                    LogEntry.placement_id == world.placement_a.id
                )
            ).all()
        )
    mentor = login_as(world.mentor_x)
    data = {"week": [f"{entry_id}:{version}" for entry_id, version in shown.items()]}
    response = mentor.post(f"/placements/{world.placement_a.id}/log/approve-weeks", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert open_rows(app, world.mentor_x, K.ENTRY_ADDED) == []


# -- the student's reminders ------------------------------------------------------------


def test_handing_in_a_missing_week_resolves_its_reminder_and_names_the_week(
    app, running, login_as, outbox
):
    world = running
    daily(app, world.student_a)
    decide(app)
    student = login_as(world.student_a)
    page = student.get("/notifications").get_data(as_text=True)
    assert f"the week of {week_name(LAST_MONDAY)} was not handed in" in page
    assert f"the week of {week_name(MONDAY)} is due" in page
    assert bell(student) == 2
    hand_in_last_week(student, world)
    # Last week's reminder is done; this week's is still asked.
    assert [n.kind for n in open_rows(app, world.student_a)] == [K.LOG_DUE]
    assert bell(student) == 1
    # The coach's "no reflection" is done by the student's week.
    assert all(
        n.subject != "attention:reflection"
        for n in open_rows(app, world.coach_a, K.NEEDS_ATTENTION)
    )
    body = digest_to(app, outbox, "student@a.example")
    assert week_name(MONDAY) in body
    assert week_name(LAST_MONDAY) not in body


def test_answering_suggestions_and_ticking_an_action_resolve_them(app, running, login_as):
    world = running
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        suggested = plans.create_goal(
            placement,
            db.session.get(User, world.mentor_x.id),
            plans.GoalText("Label every cable", "", "", None, ["competence:planning"]),
        )
        own = plans.create_goal(
            placement,
            db.session.get(User, world.student_a.id),
            plans.GoalText("Plan my day", "", "", None, ["competence:planning"]),
        )
        action = plans.add_action(
            placement, own, db.session.get(User, world.student_a.id), "Make a list", TODAY
        )
        proposal = plans.add_action(
            placement, own, db.session.get(User, world.coach_a.id), "Ask Jan", None
        )
        ids = (suggested.id, own.id, action.id, proposal.id)
        action_row = db.session.get(Action, action.id)
        action_row.due_date = TODAY - timedelta(days=2)  # overdue now
        db.session.commit()
    suggested_id, _own_id, action_id, proposal_id = ids
    decide(app)
    student = login_as(world.student_a)
    page = student.get("/notifications").get_data(as_text=True)
    assert "Mentor X suggests a goal for your development plan: Label every cable" in page
    assert "Coach A suggests an action for your goal: Plan my day" in page
    kinds = kinds_open(app, world.student_a)
    for kind in (K.GOAL_SUGGESTED, K.ACTION_SUGGESTED, K.ACTION_OVERDUE):
        assert kind in kinds
    before = bell(student)
    plan = f"/placements/{world.placement_a.id}/development-plan"
    student.post(f"{plan}/goals/{suggested_id}/respond", {"decline": "Decline"})
    student.post(f"{plan}/actions/{proposal_id}/respond", {"accept": "Accept"})
    student.post(f"{plan}/actions/{action_id}/tick", {"done": 1})
    kinds = kinds_open(app, world.student_a)
    for kind in (K.GOAL_SUGGESTED, K.ACTION_SUGGESTED, K.ACTION_OVERDUE):
        assert kind not in kinds
    assert bell(student) == before - 3


# -- the coach's and the reviewers' ----------------------------------------------------


def test_planning_a_visit_resolves_visit_overdue(app, running, login_as):
    world = running
    decide(app)
    assert len(open_rows(app, world.coach_a, K.VISIT_OVERDUE)) == 1
    coach = login_as(world.coach_a)
    response = coach.post(
        f"/placements/{world.placement_a.id}/visits/new",
        {
            "planned_on": (TODAY + timedelta(days=7)).isoformat(),
            "planned_time": "",
            "place": "",
            "attendees": ["student", "mentor", "coach"],
            "other_attendees": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert open_rows(app, world.coach_a, K.VISIT_OVERDUE) == []
    # Placement B's coach was not near it: theirs stays.
    assert len(open_rows(app, world.coach_b, K.VISIT_OVERDUE)) == 1


def test_opening_a_recommended_module_resolves_its_reminder(app, running, login_as):
    world = running
    with app.app_context():
        db.session.add(
            Recommendation(
                mentor_id=world.mentor_x.id,
                module_id="feedback-that-lands",
                placement_id=world.placement_a.id,
                recommended_by_id=world.coach_a.id,
                created_at=datetime.now(UTC) - timedelta(days=30),
            )
        )
        db.session.commit()
    decide(app)
    assert len(open_rows(app, world.mentor_x, K.MODULE_NOT_STARTED)) == 1
    assert login_as(world.mentor_x).get("/training/modules/feedback-that-lands").status_code == 200
    assert open_rows(app, world.mentor_x, K.MODULE_NOT_STARTED) == []


def test_a_tip_reviewed_by_one_coordinator_is_done_for_every_reviewer(app, running, login_as):
    world = running
    response = login_as(world.mentor_x).post(
        "/training/modules/feedback-that-lands/practice",
        {"body": "I ask one question before I give feedback."},
    )
    assert response.status_code in (200, 302)
    assert len(open_rows(app, world.coordinator_a, K.PRACTICE_TO_REVIEW)) == 1
    with app.app_context():
        post_id = db.session.scalar(select(PracticePost.id))
    login_as(world.coordinator_a).post(
        f"/training/practice/{post_id}/review", {"decision": "approve"}
    )
    assert open_rows(app, world.coordinator_a, K.PRACTICE_TO_REVIEW) == []


# -- informing, other placements, old rows ----------------------------------------------


def test_the_other_placements_notifications_are_untouched(app, running, login_as):
    world = running
    decide(app)
    with app.app_context():
        before = {
            (n.id, n.read_at, n.resolved_at, n.email_status)
            for n in db.session.scalars(
                select(Notification).where(Notification.placement_id == world.placement_b.id)
            )
        }
    assert {K.FEEDBACK_MISSING, K.LOG_MISSING} <= {
        n.kind for n in open_rows(app, world.mentor_y) + open_rows(app, world.student_b)
    }
    hand_in_last_week(login_as(world.student_a), world)
    login_as(world.mentor_x).post(
        f"/placements/{world.placement_a.id}/log/new/feedback",
        {"went_well": "Neat.", "work_on": "Labels.", "next_step": ""},
    )
    with app.app_context():
        after = {
            (n.id, n.read_at, n.resolved_at, n.email_status)
            for n in db.session.scalars(
                select(Notification).where(Notification.placement_id == world.placement_b.id)
            )
        }
    assert after == before


def test_a_resolved_notification_already_emailed_keeps_its_sent_state(app, running, login_as):
    world = running
    decide(app)
    with app.app_context():
        delivery.deliver(datetime.now(UTC) + timedelta(minutes=1))
    login_as(world.mentor_x).post(
        f"/placements/{world.placement_a.id}/log/new/feedback",
        {"went_well": "Neat.", "work_on": "Labels.", "next_step": ""},
    )
    with app.app_context():
        row = db.session.scalar(
            select(Notification).where(
                Notification.user_id == world.mentor_x.id,
                Notification.kind == K.FEEDBACK_MISSING,
            )
        )
        assert row.resolved_at is not None
        assert row.email_status == "sent"


# -- cost -------------------------------------------------------------------------------


def _many(app, world, count: int) -> None:
    """`count` open notifications over both placements and many subjects."""
    now = datetime.now(UTC)
    people = (world.student_a.id, world.mentor_x.id, world.coach_a.id)
    pending = [
        Pending(
            people[n % 3],
            K.LOG_MISSING,
            f"bulk:{count}:{n}",
            Target("notifications.list_notifications"),
            {"week": (MONDAY - timedelta(days=7 * (n % 200))).isoformat()},
            (world.placement_a.id, world.placement_b.id)[n % 2],
            f"week:{(MONDAY - timedelta(days=7 * (n % 200))).isoformat()}",
        )
        for n in range(count)
    ]
    with app.app_context():
        write(pending, now)


def test_resolving_runs_the_same_small_statements_for_50_and_5000_notifications(
    app, running, count_queries
):
    world = running

    def measured(count: int):
        _many(app, world, count)
        with app.app_context(), count_queries() as counter:
            resolved = resolve(
                (K.LOG_DUE, K.LOG_MISSING),
                f"week:{(MONDAY - timedelta(days=14)).isoformat()}",
                placement_id=world.placement_a.id,
            )
        return counter, resolved

    few, few_resolved = measured(50)
    many, many_resolved = measured(5000)
    assert few_resolved >= 1
    assert many_resolved > few_resolved
    assert many.count == few.count == 1, many.statements  # one UPDATE
    assert max(many.bound) == max(few.bound) <= 10


def test_resolving_reads_the_subject_index(start, app, running):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the plan is read from SQLite's EXPLAIN QUERY PLAN")
        plan = " ".join(
            str(row[-1])
            for row in db.session.execute(
                text(
                    "EXPLAIN QUERY PLAN UPDATE notification SET resolved_at = 1 "
                    "WHERE placement_id = 1 AND kind IN ('log_due', 'log_missing') "
                    "AND subject = :subject AND resolved_at IS NULL"
                ),
                {"subject": f"week:{monday(start, 14)}"},
            )
        )
    assert "ix_notification_subject" in plan


def test_goal_titles_stay_out_of_emails(app, running, outbox):
    world = running
    with app.app_context():
        goal = plans.create_goal(
            db.session.get(Placement, world.placement_a.id),
            db.session.get(User, world.mentor_x.id),
            plans.GoalText("Label every cable", "", "", None, ["competence:planning"]),
        )
        assert db.session.get(Goal, goal.id) is not None
        delivery.deliver(datetime.now(UTC) + timedelta(minutes=1))
    message = next(m for m in outbox.messages if m["To"] == "student@a.example")
    assert "suggests a goal for your development plan" in message["Subject"]
    assert "Label every cable" not in outbox.body(message) + message["Subject"]


# -- notifications written before subjects existed --------------------------------------


def test_notifications_from_before_the_migration_get_their_subject_and_still_read_well(start, app):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            reset_postgres_schema()
        else:
            db.drop_all()
        upgrade()
        world = build_world()
        entry = LogEntry(
            placement_id=world.placement_a.id,
            author_id=world.student_a.id,
            author_role="student",
            kind="weekly_log",
            sections={"did": "Cabling"},
            week_start=monday(start, 5),
            review_status="submitted",
        )
        db.session.add(entry)
        db.session.commit()
        ids = SimpleNamespace(
            entry=entry.id,
            **{name: world.user(name).id for name in ("student_a", "mentor_x", "coach_a")},
            placement_a=world.placement_a.id,
        )
        db.session.close()
        # Back to the schema before notification subjects, to write notifications as then.
        downgrade(revision="0016_caseload")
        old = [
            (
                ids.mentor_x,
                "entry_added",
                f"entry:{ids.entry}",
                {"entry_id": ids.entry, "entry_kind": "weekly_log", "actor_id": ids.student_a},
            ),
            (
                ids.student_a,
                "log_missing",
                f"log_missing:{ids.placement_a}:{monday(start, 5)}",
                {"week": monday(start, 5).isoformat()},
            ),
            (
                ids.mentor_x,
                "feedback_missing",
                f"feedback_missing:{ids.placement_a}:x",
                {"days": 42},
            ),
            (
                ids.mentor_x,
                "visit_report_to_confirm",
                "visit:7:confirm",
                {"visit_id": 7, "day": (start + timedelta(days=30)).isoformat()},
            ),
            (
                ids.coach_a,
                "needs_attention",
                f"attention:{ids.placement_a}:feedback:x",
                {"reason": "feedback", "number": 42},
            ),
        ]
        for user_id, kind, key, payload in old:
            db.session.execute(
                text(
                    "INSERT INTO notification (user_id, kind, key, placement_id, payload, "
                    "target_endpoint, target_values, created_at, email_status, attempts, "
                    "next_attempt_at, last_error) VALUES (:user_id, :kind, :key, :placement, "
                    ":payload, 'notifications.list_notifications', '{}', :now, 'pending', 0, "
                    ":now, '')"
                ),
                {
                    "user_id": user_id,
                    "kind": kind,
                    "key": key,
                    "placement": ids.placement_a,
                    "payload": json.dumps(payload),
                    "now": datetime.now(UTC),
                },
            )
        db.session.commit()
        upgrade()
        subjects = dict(db.session.execute(select(Notification.kind, Notification.subject)).all())
        assert subjects == {
            K.ENTRY_ADDED: f"entry:{ids.entry}",
            K.LOG_MISSING: f"week:{monday(start, 5)}",
            K.FEEDBACK_MISSING: "feedback",
            K.VISIT_REPORT_TO_CONFIRM: "visit:7",
            K.NEEDS_ATTENTION: "attention:feedback",
        }
        mentor = db.session.get(User, ids.mentor_x)
        with app.test_request_context(), force_locale("en"):
            titles = [
                shown.title
                for shown in describe(
                    db.session.scalars(
                        select(Notification).where(Notification.user_id == mentor.id)
                    ).all(),
                    mentor,
                )
            ]
        assert (
            f"Student A handed in the weekly log of the week of {written(monday(start, 5))}"
            in titles
        )
        # Doing the work resolves them too.
        assert resolve((K.FEEDBACK_MISSING,), "feedback", placement_id=ids.placement_a) == 1


def test_the_features_announce_and_never_import_notifications():
    """The log, the plan, visits and training send domain events; notifications listen."""
    features = Path(__file__).resolve().parents[1] / "app"
    for package in ("followup", "plans", "visits", "training", "competences", "caseload"):
        for source in (features / package).glob("*.py"):
            tree = ast.parse(source.read_text())
            imported = {
                node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            } | {
                alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.Import)
                for alias in node.names
            }
            assert not any(name.startswith("app.notifications") for name in imported), source


def test_every_domain_event_is_heard_once_however_many_apps_are_made(app):
    """The app subscribes the notifications to the features' events when it is made; a
    second app in the same process (as in tests, or a worker) adds no second listener.
    """

    def listeners() -> dict[str, int]:
        return {name: len(signal.receivers) for name, signal in signals._signals.items()}

    heard = listeners()
    assert all(heard.values()), heard  # no event goes unheard
    create_app(TestingConfig)
    assert listeners() == heard
