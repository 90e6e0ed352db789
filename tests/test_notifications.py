"""Notifications: who is told of what at once, never twice, and how it reaches them: the
bell and the list in the app, e-mail one by one or as a daily summary, retried when the
mail server fails.

Everything runs against the real database; the clock is an argument.
"""

from __future__ import annotations

import socket
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import dates
from app.content.services import training_library
from app.extensions import db
from app.followup import entries
from app.models import (
    EmailPreference,
    EmailStatus,
    LogEntry,
    Notification,
    NotificationKind,
    Placement,
    User,
    Visit,
)
from app.notifications import delivery
from app.notifications.services import Target, notify
from app.plans import services as plans
from app.training import services as training
from app.visits import services as visits
from tests.conftest import at, monday, postgres_url, write_entry, written

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def monday_morning(start) -> datetime:
    """A Monday in the placement, at 10:00 in Brussels: after the summary hour."""
    return at(monday(start, 5), 10, zone=dates.time_zone())


# -- helpers ----------------------------------------------------------------------------


def told(app, kind: NotificationKind | None = None) -> set[str]:
    """The names of everyone notified (of `kind`)."""
    with app.app_context():
        query = select(User.name).join(Notification, Notification.user_id == User.id)
        if kind is not None:
            query = query.where(Notification.kind == kind)
        return set(db.session.scalars(query))


def rows(app) -> list[Notification]:
    with app.app_context():
        found = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        db.session.expunge_all()
        return found


def get(app, model, obj_id):
    return db.session.get(model, obj_id)


def set_preference(app, user, preference: EmailPreference, locale: str = "en") -> None:
    with app.app_context():
        person = db.session.get(User, user.id)
        person.notify_by_email = preference
        person.locale = locale
        db.session.commit()


def tell(app, user, key: str, *, at: datetime, kind=NotificationKind.ENTRY_ADDED) -> int:
    """A notification for `user`, written at `at` (as an event at that moment would)."""
    with app.app_context():
        return notify(
            [user.id],
            kind,
            key,
            Target("notifications.list_notifications"),
            {"entry_kind": "feedback"},
            now=at,
        )


def deliver(app, now: datetime) -> delivery.DeliveryReport:
    with app.app_context():
        return delivery.deliver(now)


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def plan_a_visit(app, world, day: date | None = None) -> int:
    """A visit planned for `day`, by default the thirtieth day of the placement."""
    day = day or world.placement_a.start_date + timedelta(days=30)
    with app.app_context():
        visit = visits.plan_visit(
            get(app, Placement, world.placement_a.id),
            get(app, User, world.coach_a.id),
            visits.VisitPlan(day, None, "", ["student", "mentor", "coach"], ""),
        )
        return visit.id


def finalise_visit(app, world, visit_id: int) -> None:
    start = world.placement_a.start_date
    with app.app_context():
        visit = get(app, Visit, visit_id)
        visits.save_report(
            visit,
            held_on=start + timedelta(days=30),
            sections={"learning_process": "Wires boards on her own."},
            coach_only=[],
            expected_version=visit.version,
        )
        visits.finalise(
            visit, get(app, User, world.coach_a.id), start + timedelta(days=31), expected_version=2
        )


# -- the log ----------------------------------------------------------------------------


def test_a_submitted_week_tells_mentor_and_coach_but_not_its_author(app, world):
    write_entry(app, world.placement_a, world.student_a, submit=True)
    assert told(app) == {"Mentor X", "Coach A"}


def test_a_draft_week_tells_nobody_until_it_is_submitted(app, world):
    entry_id = write_entry(app, world.placement_a, world.student_a)
    assert told(app) == set()
    with app.app_context():
        entries.submit_entry(get(app, LogEntry, entry_id), expected_version=1)
    assert told(app) == {"Mentor X", "Coach A"}


def test_a_draft_submitted_from_the_edit_form_tells_mentor_and_coach_once(app, world):
    entry_id = write_entry(app, world.placement_a, world.student_a)
    with app.app_context():
        entry = get(app, LogEntry, entry_id)
        entries.update_entry(
            entry, entry.author, {"did": "Wired a board"}, expected_version=1, submit=True
        )
        entries.review_entry(
            entry,
            get(app, User, world.mentor_x.id),
            approve=False,
            comment="Say what you learned.",
            expected_version=entry.version,
        )
        entries.update_entry(
            entry,
            entry.author,
            {"did": "Wired a board and learned to test it"},
            expected_version=entry.version,
            submit=True,
        )
    assert sorted((n.user_id, n.key) for n in rows(app)) == sorted(
        [(world.mentor_x.id, f"entry:{entry_id}"), (world.coach_a.id, f"entry:{entry_id}")]
    )


def test_a_students_concern_reaches_the_coach_and_never_the_mentor(app, world):
    write_entry(app, world.placement_a, world.student_a, "concern")
    assert told(app) == {"Coach A"}


def test_a_coach_only_note_tells_nobody_and_a_shared_one_tells_student_and_mentor(app, world):
    write_entry(app, world.placement_a, world.coach_a, "visit_note", coach_only=True)
    assert told(app) == set()
    write_entry(app, world.placement_a, world.coach_a, "visit_note")
    assert told(app) == {"Student A", "Mentor X"}


def test_mentor_feedback_tells_student_and_coach_of_that_placement_only(app, world):
    write_entry(app, world.placement_a, world.mentor_x, "feedback")
    assert told(app) == {"Student A", "Coach A"}


def test_a_comment_tells_the_author_and_earlier_commenters_but_not_the_commenter(app, world):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True)
    with app.app_context():
        entry = get(app, LogEntry, entry_id)
        entries.add_comment(entry, get(app, User, world.mentor_x.id), "Nice work.")
    assert told(app, NotificationKind.COMMENT_ADDED) == {"Student A"}
    with app.app_context():
        entry = get(app, LogEntry, entry_id)
        entries.add_comment(entry, get(app, User, world.coach_a.id), "Agreed.")
    with app.app_context():
        second = db.session.scalars(
            select(User.name)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.key.like("comment:%"))
            .order_by(Notification.id)
        ).all()
    assert sorted(second) == ["Mentor X", "Student A", "Student A"]


def test_a_comment_on_a_students_concern_never_reaches_the_mentor(app, world):
    entry_id = write_entry(app, world.placement_a, world.student_a, "concern")
    with app.app_context():
        entry = get(app, LogEntry, entry_id)
        entries.add_comment(entry, get(app, User, world.coach_a.id), "Let's talk on Monday.")
    assert told(app, NotificationKind.COMMENT_ADDED) == {"Student A"}
    assert "Mentor X" not in told(app)


# -- the plan and visits ----------------------------------------------------------------


def test_a_suggestion_of_mentor_or_coach_tells_the_student_and_her_own_goal_nobody(app, world):
    with app.app_context():
        placement = get(app, Placement, world.placement_a.id)
        student = get(app, User, world.student_a.id)
        goal = plans.create_goal(
            placement, student, plans.GoalText("Plan my day", "", "", None, ["competence:planning"])
        )
        assert told(app) == set()
        plans.create_goal(
            placement,
            get(app, User, world.mentor_x.id),
            plans.GoalText("Ask questions", "", "", None, ["competence:planning"]),
        )
        plans.add_action(placement, goal, student, "Make a list", None)
        plans.add_action(placement, goal, get(app, User, world.coach_a.id), "Use a diary", None)
    assert told(app, NotificationKind.GOAL_SUGGESTED) == {"Student A"}
    assert told(app, NotificationKind.ACTION_SUGGESTED) == {"Student A"}
    assert len(rows(app)) == 2


def test_a_planned_visit_tells_student_and_mentor(app, world):
    plan_a_visit(app, world)
    assert told(app) == {"Student A", "Mentor X"}


def test_a_final_report_asks_the_mentor_first_then_the_student(app, world):
    visit_id = plan_a_visit(app, world)
    finalise_visit(app, world, visit_id)
    assert told(app, NotificationKind.VISIT_REPORT_TO_CONFIRM) == {"Mentor X"}
    with app.app_context():
        visits.confirm(get(app, Visit, visit_id), get(app, User, world.mentor_x.id), "")
    assert told(app, NotificationKind.VISIT_REPORT_TO_CONFIRM) == {"Mentor X", "Student A"}
    with app.app_context():
        visits.confirm(get(app, Visit, visit_id), get(app, User, world.student_a.id), "")
    assert len(rows(app)) == 4  # planned ×2, to confirm ×2: the student's confirming tells no one


# -- mentors' training ------------------------------------------------------------------


def test_shared_practice_tells_the_coordinators_of_the_mentors_school_only(app, world):
    with app.app_context():
        module = training_library().module("feedback-that-lands", "en")
        training.share_practice(get(app, User, world.mentor_x.id), module, "Ask first.")
    assert told(app) == {"Cor A", "Cora Coach"}  # every coordinator of School A, not B's


def test_practice_of_a_mentor_without_placements_goes_to_the_admins(app, world):
    with app.app_context():
        placement = get(app, Placement, world.placement_b.id)
        placement.mentor_id = world.mentor_x.id  # Mentor Y now mentors nobody
        placement_a = get(app, Placement, world.placement_a.id)
        placement_a.mentor_id = world.mentor_x.id
        db.session.commit()
        module = training_library().module("feedback-that-lands", "en")
        training.share_practice(get(app, User, world.mentor_y.id), module, "Ask first.")
    assert told(app) == {"Ada Admin"}


# -- once, whatever happens -------------------------------------------------------------


def test_the_same_key_twice_gives_one_row(monday_morning, app, world):
    assert tell(app, world.mentor_x, "entry:1", at=monday_morning) == 1
    assert tell(app, world.mentor_x, "entry:1", at=monday_morning + timedelta(hours=1)) == 0
    assert tell(app, world.coach_a, "entry:1", at=monday_morning) == 1
    assert len(rows(app)) == 2


def test_the_same_key_at_once_from_two_processes_gives_one_row(monday_morning, app, world):
    barrier = threading.Barrier(4)
    results = []

    def write() -> None:
        with app.app_context():
            barrier.wait()
            results.append(tell(app, world.mentor_x, "entry:7", at=monday_morning))

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 0, 1]
    assert len(rows(app)) == 1


# -- e-mail -----------------------------------------------------------------------------


def test_delivery_sends_each_notification_once_with_a_link_to_it(start, app, world, outbox):
    write_entry(app, world.placement_a, world.student_a, submit=True)
    later = datetime.now(UTC) + timedelta(minutes=1)
    report = deliver(app, later)
    assert (report.sent, report.emails) == (2, 2)
    assert deliver(app, later).emails == 0
    assert deliver(app, later + timedelta(days=1)).emails == 0
    assert len(outbox) == 2
    message = next(m for m in outbox.messages if m["To"] == "mentor@x.example")
    assert (
        message["Subject"]
        == f"Student A handed in the weekly log of the week of {written(monday(start, 5))}"
    )
    body = outbox.body(message)
    assert "Placement of Student A" in body
    notification = next(n for n in rows(app) if n.user_id == world.mentor_x.id)
    # The mentor's quick link comes first (test_mentorlinks.py), then the notification.
    assert outbox.links(message)[-1] == f"/notifications/{notification.id}/open"
    assert "did by Student A" not in body  # what someone wrote stays behind the link
    assert all(n.email_status == EmailStatus.SENT and n.attempts == 1 for n in rows(app))


def test_the_email_link_logs_in_first_then_opens_the_entry_and_marks_it_read(
    app, world, outbox, browser
):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True)
    deliver(app, datetime.now(UTC) + timedelta(minutes=1))
    link = outbox.links(next(m for m in outbox.messages if m["To"] == "mentor@x.example"))[-1]
    response = browser.get(link)
    assert response.status_code == 302
    assert "/login?next=" in response.location
    response = browser.login("mentor@x.example", next=link)
    assert response.location == link
    response = browser.get(link)
    assert response.location == f"/placements/{world.placement_a.id}/log/{entry_id}"
    assert browser.get(response.location).status_code == 200
    mentor_row = next(n for n in rows(app) if n.user_id == world.mentor_x.id)
    assert mentor_row.read_at is not None


def test_emails_are_in_the_language_of_each_recipient(start, app, world, outbox):
    set_preference(app, world.student_a, EmailPreference.EACH, locale="nl")
    plan_a_visit(app, world, monday(start, 5))
    deliver(app, datetime.now(UTC) + timedelta(minutes=1))
    by_address = {m["To"]: m for m in outbox.messages}
    assert (
        f"{written(monday(start, 5), 'EEEE d MMMM yyyy')}"
        in by_address["mentor@x.example"]["Subject"]
    )
    assert f"{written(monday(start, 5), 'EEEE d MMMM yyyy', 'nl')}" in outbox.body(
        by_address["student@a.example"]
    )


def test_no_email_for_those_who_chose_none(monday_morning, app, world, outbox):
    set_preference(app, world.mentor_x, EmailPreference.NONE)
    tell(app, world.mentor_x, "entry:1", at=monday_morning)
    tell(app, world.coach_a, "entry:1", at=monday_morning)
    report = deliver(app, monday_morning)
    assert (report.sent, report.skipped) == (1, 1)
    assert [m["To"] for m in outbox.messages] == ["coach@a.example"]
    statuses = {n.user_id: n.email_status for n in rows(app)}
    assert statuses[world.mentor_x.id] == EmailStatus.SKIPPED


def test_a_daily_reader_gets_one_summary_a_day_after_the_summary_hour(start, app, world, outbox):
    set_preference(app, world.mentor_x, EmailPreference.DAILY)
    brussels = dates.time_zone()
    evening = at(monday(start, 5), 20, zone=brussels)
    tell(app, world.mentor_x, "entry:1", at=evening)
    tell(app, world.mentor_x, "entry:2", at=evening + timedelta(hours=1))
    # 06:59 in Brussels the next morning: not yet.
    tuesday = monday(start, 5) + timedelta(days=1)
    assert deliver(app, at(tuesday, 6, 59, zone=brussels)).emails == 0
    # 07:00 in Brussels: one summary of both.
    morning = at(tuesday, 7, 0, zone=brussels)
    report = deliver(app, morning)
    assert (report.digests, report.in_digests, report.sent) == (1, 2, 0)
    message = outbox.last()
    assert message["Subject"] == "Leerspoor: 2 new notifications"
    assert outbox.link(message) == "/notifications"
    assert outbox.body(message).count("/open") == 2
    # What comes in after the summary waits for the next one, even if run again that day.
    tell(app, world.mentor_x, "entry:3", at=morning + timedelta(hours=2))
    assert deliver(app, morning + timedelta(hours=10)).emails == 0
    report = deliver(app, morning + timedelta(days=1))
    assert (report.digests, report.in_digests) == (1, 1)
    assert outbox.last()["Subject"] == "Leerspoor: 1 new notification"
    assert len(outbox) == 2


def test_a_failing_mail_server_keeps_the_notification_and_retries_later(
    monday_morning, app, world, outbox
):
    tell(app, world.mentor_x, "entry:1", at=monday_morning)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port(), MAIL_USE_TLS=False)
    report = deliver(app, monday_morning)
    assert (report.sent, report.retrying) == (0, 1)
    (row,) = rows(app)
    assert row.email_status == EmailStatus.PENDING
    assert row.attempts == 1
    assert row.next_attempt_at == monday_morning + timedelta(minutes=5)
    assert "ConnectionRefusedError" in row.last_error
    # Not due yet: nothing tried.
    assert deliver(app, monday_morning + timedelta(minutes=4)).retrying == 0
    assert rows(app)[0].attempts == 1
    # Still failing: the wait grows.
    deliver(app, monday_morning + timedelta(minutes=5))
    assert rows(app)[0].next_attempt_at == monday_morning + timedelta(minutes=35)
    # The server is back (here: the outbox): sent on the next due run, once.
    app.config.update(MAIL_SERVER="")
    assert deliver(app, monday_morning + timedelta(minutes=35)).sent == 1
    (row,) = rows(app)
    assert (row.email_status, row.attempts, row.last_error) == (EmailStatus.SENT, 3, "")
    assert len(outbox) == 1


def test_after_the_last_retry_the_email_failed_but_the_notification_stays(
    monday_morning, app, world, login_as
):
    tell(app, world.mentor_x, "entry:1", at=monday_morning)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port(), MAIL_USE_TLS=False)
    moment = monday_morning
    for wait in (*delivery.BACKOFF, None):
        deliver(app, moment)
        if wait is not None:
            moment += wait
    (row,) = rows(app)
    assert (row.email_status, row.attempts, row.next_attempt_at) == (EmailStatus.FAILED, 5, None)
    assert deliver(app, moment + timedelta(days=2)).emails == 0
    page = login_as(world.mentor_x).get("/notifications").get_data(as_text=True)
    assert "wrote a new entry" in page


@pytest.mark.skipif(not postgres_url(), reason="row locks need PostgreSQL")
@pytest.mark.parametrize("preference", [EmailPreference.EACH, EmailPreference.DAILY])
def test_two_dispatchers_at_once_send_each_email_once(
    monday_morning, app, world, outbox, monkeypatch, preference
):
    for user in (world.mentor_x, world.coach_a, world.student_a, world.mentor_y):
        set_preference(app, user, preference)
        for n in range(5):
            tell(app, user, f"entry:{n}", at=monday_morning - timedelta(days=1))
    real_send = delivery.send_mail
    sending = threading.Event()

    def slow_send(*args):
        sending.set()
        threading.Event().wait(0.05)  # a mail server takes its time: the runs overlap
        return real_send(*args)

    monkeypatch.setattr(delivery, "send_mail", slow_send)
    barrier = threading.Barrier(2)
    reports = []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            reports.append(delivery.deliver(monday_morning))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = 20 if preference == EmailPreference.EACH else 4
    assert sum(report.emails for report in reports) == expected
    assert len(outbox) == expected
    assert all(report.emails for report in reports), "both dispatchers took part"
    assert all(n.email_status == EmailStatus.SENT and n.attempts == 1 for n in rows(app))


# -- the command ------------------------------------------------------------------------


@pytest.fixture
def nothing_to_remind(start, app, world):
    """Every placement ended the day before the runs below: no reminder is due, so the
    e-mails counted are the notifications written here (reminders: test_reminders.py).
    """
    with app.app_context():
        for placement in db.session.scalars(select(Placement)):
            placement.start_date = min(placement.start_date, start)
            placement.end_date = start + timedelta(days=33)
        db.session.commit()


@pytest.mark.usefixtures("nothing_to_remind")
def test_reminders_run_at_a_moment_sends_once_and_says_what_it_did(
    monday_morning, start, app, world, runner, outbox
):
    tell(app, world.mentor_x, "entry:1", at=monday_morning)
    tell(app, world.coach_a, "entry:1", at=monday_morning)
    result = runner.invoke(args=["reminders", "run", "--at", f"{monday(start, 5)}T10:00"])
    assert result.exit_code == 0, result.output
    in_utc = monday_morning.astimezone(UTC).isoformat()  # 10:00 in Brussels, summer or winter
    assert result.output.startswith(f"Run at {in_utc}: 0 reminders")
    assert "; 2 e-mails sent" in result.output
    again = runner.invoke(args=["reminders", "run", "--at", f"{monday(start, 5)}T10:00"])
    assert "0 e-mails sent" in again.output
    assert len(outbox) == 2


@pytest.mark.usefixtures("nothing_to_remind")
def test_reminders_run_before_a_notification_exists_sends_nothing(
    monday_morning, start, app, world, runner, outbox
):
    tell(app, world.mentor_x, "entry:1", at=monday_morning)
    result = runner.invoke(args=["reminders", "run", "--at", f"{monday(start, 5)}T09:59+02:00"])
    assert "0 e-mails sent" in result.output
    assert len(outbox) == 0


def test_reminders_run_refuses_a_moment_it_cannot_read(app, runner):
    result = runner.invoke(args=["reminders", "run", "--at", "next monday"])
    assert result.exit_code != 0
    assert "not an ISO date and time" in result.output


# -- the bell and the list --------------------------------------------------------------


def test_the_bell_says_how_many_are_unread(app, world, login_as):
    write_entry(app, world.placement_a, world.student_a, submit=True)
    write_entry(app, world.placement_a, world.student_a, "concern")
    coach = login_as(world.coach_a).get("/").get_data(as_text=True)
    assert 'aria-label="Notifications, 2 unread"' in coach
    assert '<span class="bell-count" aria-hidden="true">2</span>' in coach
    mentor = login_as(world.mentor_x).get("/").get_data(as_text=True)
    assert 'aria-label="Notifications, 1 unread"' in mentor
    student = login_as(world.student_a).get("/").get_data(as_text=True)
    assert 'aria-label="Notifications"' in student
    assert "bell-count" not in student


def test_a_visitor_has_no_bell_and_costs_no_notification_query(app, world, client, count_queries):
    with count_queries() as counter:
        page = client.get("/login").get_data(as_text=True)
    assert "bell" not in page
    assert not [s for s in counter.statements if "notification" in s]


def test_the_bell_costs_one_query_and_the_list_the_same_for_3_or_40(
    monday_morning, app, world, login_as, count_queries
):
    mentor = login_as(world.mentor_x)
    for n in range(3):
        tell(app, world.mentor_x, f"entry:{n}", at=monday_morning)
    with count_queries() as counter:
        mentor.get("/")
    assert len([s for s in counter.statements if "FROM notification" in s]) == 1
    with count_queries() as small:
        mentor.get("/notifications")
    for n in range(3, 40):
        tell(app, world.mentor_x, f"entry:{n}", at=monday_morning)
    with count_queries() as large:
        page = mentor.get("/notifications").get_data(as_text=True)
    assert large.count == small.count
    assert small.count <= 8, small.statements
    assert "Page 1 of 2" in page


def test_the_list_shows_newest_first_marks_unread_and_opens_its_page(start, app, world, login_as):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True)
    plan_a_visit(app, world)
    mentor = login_as(world.mentor_x)
    page = mentor.get("/notifications").get_data(as_text=True)
    visit = page.index(
        f"Coach A planned a visit on {written(start + timedelta(days=30), 'EEEE d MMMM yyyy')}"
    )
    entry = page.index(
        f"Student A handed in the weekly log of the week of {written(monday(start, 5))}"
    )
    assert visit < entry
    assert page.count('class="badge new"') == 2
    assert "Placement of Student A" in page
    entry_row = next(
        n for n in rows(app) if n.user_id == world.mentor_x.id and n.key == f"entry:{entry_id}"
    )
    opened = mentor.get(f"/notifications/{entry_row.id}/open")
    assert opened.location == f"/placements/{world.placement_a.id}/log/{entry_id}"
    page = mentor.get("/notifications").get_data(as_text=True)
    assert page.count('class="badge new"') == 1
    assert 'aria-label="Notifications, 1 unread"' in page


def test_the_student_reads_your_placement(app, world, login_as):
    write_entry(app, world.placement_a, world.mentor_x, "feedback")
    page = login_as(world.student_a).get("/notifications").get_data(as_text=True)
    assert "Mentor X wrote a new entry: Feedback" in page
    assert "Your placement" in page


def test_someone_elses_notification_is_not_found(app, world, login_as):
    write_entry(app, world.placement_a, world.student_a, submit=True)
    mentor_row = next(n for n in rows(app) if n.user_id == world.mentor_x.id)
    assert login_as(world.coach_a).get(f"/notifications/{mentor_row.id}/open").status_code == 404
    assert rows(app)[0].read_at is None


def test_mark_all_read_needs_a_form_from_the_page_and_empties_the_bell(app, world, login_as):
    write_entry(app, world.placement_a, world.student_a, submit=True)
    coach = login_as(world.coach_a)
    assert coach.post("/notifications/read", csrf=False).status_code == 400
    response = coach.post("/notifications/read")
    assert response.status_code == 302
    page = coach.get("/notifications").get_data(as_text=True)
    assert "All your notifications are marked as read." in page
    assert 'aria-label="Notifications"' in page
    assert "Mark all as read" not in page
    with app.app_context():
        unread = db.session.scalar(
            select(func.count(Notification.id)).where(Notification.read_at.is_(None))
        )
    assert unread == 1  # the mentor's own is untouched


# -- the choice of e-mail ---------------------------------------------------------------


def test_the_account_page_saves_the_choice_of_email(app, world, login_as):
    mentor = login_as(world.mentor_x)
    page = mentor.get("/account").get_data(as_text=True)
    assert "E-mail me" in page
    assert "A daily summary" in page
    response = mentor.post(
        "/account", {"name": "Mentor X", "locale": "en", "notify_by_email": "daily"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert get(app, User, world.mentor_x.id).notify_by_email == EmailPreference.DAILY
    assert 'selected value="daily"' in mentor.get("/account").get_data(as_text=True)


def test_the_account_page_refuses_an_unknown_choice(app, world, login_as):
    mentor = login_as(world.mentor_x)
    response = mentor.post(
        "/account", {"name": "Mentor X", "locale": "en", "notify_by_email": "hourly"}
    )
    assert response.status_code == 200
    with app.app_context():
        assert get(app, User, world.mentor_x.id).notify_by_email == EmailPreference.EACH
