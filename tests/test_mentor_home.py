"""The mentor's home page: one to-do list at the top with a tap per thing to do, a
"give feedback" button on each running placement, bounded queries, and nobody else's
work in it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from app import dates
from app.extensions import db
from app.followup.entries import monday_of
from app.models import (
    Actor,
    EntryKind,
    LogEntry,
    Membership,
    Placement,
    PlacementKind,
    Recommendation,
    ReviewStatus,
    Role,
    User,
    Visit,
    VisitStatus,
)
from app.placements.mentor_todo import mentor_tasks
from tests.conftest import FOLLOWED_WITH, write_entry

pytestmark = pytest.mark.usefixtures("in_english")


def run_now(app) -> date:
    """Every placement of the world runs today, whatever day the tests run on."""
    today = dates.today()
    with app.app_context():
        for placement in db.session.scalars(select(Placement)):
            placement.start_date = today - timedelta(days=90)
            placement.end_date = today + timedelta(days=90)
        db.session.commit()
    return today


def weeks_ago(today: date, weeks: int) -> date:
    return monday_of(today) - timedelta(weeks=weeks)


def review(app, entry_id: int, mentor, comment: str = "") -> None:
    with app.app_context():
        entry = db.session.get(LogEntry, entry_id)
        entry.review_status = ReviewStatus.APPROVED
        entry.review_comment = comment
        entry.reviewed_by_id = mentor.id
        entry.reviewed_at = datetime.now(UTC)
        db.session.commit()


def todo(page: str) -> str:
    """The to-do list of the home page ('' when there is none)."""
    match = re.search(r'<section class="mentor-todo".*?</section>', page, re.S)
    return match.group(0) if match else ""


def home(browser) -> str:
    return browser.get("/").get_data(as_text=True)


def test_the_todo_list_has_one_tap_per_thing_to_do(app, world, login_as):
    today = run_now(app)
    approved = write_entry(
        app, world.placement_a, world.student_a, week=weeks_ago(today, 2), submit=True
    )
    review(app, approved, world.mentor_x)
    submitted = write_entry(
        app, world.placement_a, world.student_a, week=weeks_ago(today, 1), submit=True
    )
    with app.app_context():
        visit = Visit(
            placement_id=world.placement_a.id,
            planned_by_id=world.coach_a.id,
            planned_on=today - timedelta(days=3),
            held_on=today - timedelta(days=3),
            status=VisitStatus.FINAL,
        )
        db.session.add(visit)
        db.session.add(
            Recommendation(
                mentor_id=world.mentor_x.id,
                module_id="feedback-that-lands",
                placement_id=world.placement_a.id,
                recommended_by_id=world.coach_a.id,
            )
        )
        db.session.commit()
        visit_id = visit.id
    strip = todo(home(login_as(world.mentor_x)))
    placement = f"/placements/{world.placement_a.id}"
    links = re.findall(r'<a class="button[^"]*" href="([^"]+)">([^<]+)<', strip)
    assert "by Coach A · 7 minutes" in strip
    assert [(href.replace("&amp;", "&"), text) for href, text in links] == [
        (
            f"{placement}/log/{submitted}#review",
            f"Approve the week of {weeks_ago(today, 1).day} {weeks_ago(today, 1).strftime('%B')}",
        ),
        (f"{placement}/visits/{visit_id}", "Confirm the visit report"),
        (
            f"{placement}/log/new/feedback?week={weeks_ago(today, 2).isoformat()}",
            f"Give feedback on the week of {weeks_ago(today, 2).day} "
            f"{weeks_ago(today, 2).strftime('%B')}",
        ),
        ("/training/modules/feedback-that-lands", "Recommended module: Feedback that lands"),
    ]
    assert strip.count("Student A") == 3


def test_feedback_or_a_comment_on_the_approval_takes_the_feedback_off_the_list(
    app, world, login_as
):
    today = run_now(app)
    week = write_entry(
        app, world.placement_a, world.student_a, week=weeks_ago(today, 1), submit=True
    )
    review(app, week, world.mentor_x)
    mentor = login_as(world.mentor_x)
    assert "Give feedback on the week" in todo(home(mentor))
    review(app, week, world.mentor_x, comment="Good week.")
    assert todo(home(mentor)) == ""
    review(app, week, world.mentor_x)
    write_entry(app, world.placement_a, world.mentor_x, kind="feedback")
    assert todo(home(mentor)) == ""


def test_feedback_written_just_after_midnight_on_monday_counts_for_that_week(app, world, login_as):
    """00:30 on Monday in Brussels is still Sunday in UTC: the week's feedback is given."""
    today = run_now(app)
    monday = weeks_ago(today, 1)
    week = write_entry(app, world.placement_a, world.student_a, week=monday, submit=True)
    review(app, week, world.mentor_x)
    feedback = write_entry(app, world.placement_a, world.mentor_x, kind="feedback")
    with app.app_context():
        written = datetime.combine(monday, time(0, 30), tzinfo=ZoneInfo("Europe/Brussels"))
        db.session.get(LogEntry, feedback).created_at = written.astimezone(UTC)
        db.session.commit()
    assert todo(home(login_as(world.mentor_x))) == ""


def test_a_mentor_sees_only_their_own_placements_and_those_of_both_companies(app, world, login_as):
    today = run_now(app)
    write_entry(app, world.placement_a, world.student_a, week=weeks_ago(today, 1), submit=True)
    write_entry(app, world.placement_b, world.student_b, week=weeks_ago(today, 1), submit=True)
    assert "Student A" not in todo(home(login_as(world.mentor_y)))
    assert "Student B" in todo(home(login_as(world.mentor_y)))
    # Those who see the placement but do not mentor it have no to-do list.
    for person in (world.coordinator_a, world.company_coordinator_x, world.coach_a):
        assert todo(home(login_as(person))) == ""
    # Mentor X starts mentoring at Company Y too: both students' weeks are on the list.
    with app.app_context():
        db.session.add(
            Membership(
                user_id=world.mentor_x.id, organisation_id=world.company_y.id, role=Role.MENTOR
            )
        )
        db.session.get(Placement, world.placement_b.id).mentor_id = world.mentor_x.id
        db.session.commit()
    strip = todo(home(login_as(world.mentor_x)))
    assert "Student A" in strip
    assert "Student B" in strip


def test_the_placement_card_has_give_feedback_for_its_mentor_only(app, world, login_as):
    run_now(app)
    feedback = f'href="/placements/{world.placement_a.id}/log/new/feedback"'
    assert feedback in home(login_as(world.mentor_x))
    assert feedback not in home(login_as(world.student_a))
    assert feedback not in home(login_as(world.coach_a))


def add_mentored_placements(app, world, count: int, today: date, prefix: str) -> None:
    """`count` more running placements of Mentor X, each with a student of its own, a
    week to approve and an approved week without feedback.
    """
    with app.app_context():
        db.session.execute(
            insert(User),
            [
                {"email": f"{prefix}{n}@a.example", "name": f"{prefix} {n}", "locale": "en"}
                for n in range(count)
            ],
        )
        students = db.session.scalars(
            select(User.id).where(User.email.like(f"{prefix}%")).order_by(User.id)
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
                    "start_date": today - timedelta(days=90),
                    "end_date": today + timedelta(days=90),
                    **FOLLOWED_WITH,
                }
                for student_id in students
            ],
        )
        placements = db.session.execute(
            select(Placement.id, Placement.student_id).where(Placement.student_id.in_(students))
        ).all()
        db.session.execute(
            insert(LogEntry),
            [
                {
                    "placement_id": placement_id,
                    "author_id": student_id,
                    "author_role": Actor.STUDENT,
                    "kind": EntryKind.WEEKLY_LOG,
                    "sections": {"did": "Work."},
                    "week_start": weeks_ago(today, weeks),
                    "review_status": status,
                    "version": 1,
                }
                for placement_id, student_id in placements
                for weeks, status in ((2, ReviewStatus.APPROVED), (1, ReviewStatus.SUBMITTED))
            ],
        )
        db.session.commit()


def test_the_home_page_runs_the_same_queries_for_2_and_200_placements(
    app, world, login_as, count_queries
):
    today = run_now(app)
    mentor = login_as(world.mentor_x)
    add_mentored_placements(app, world, 2, today, "few")
    with count_queries() as few:
        page = home(mentor)
    assert todo(page).count("Approve the week of") == 2
    add_mentored_placements(app, world, 198, today, "many")
    with count_queries() as many:
        page = home(mentor)
    assert todo(page).count("Approve the week of") == 6
    assert "394 more below" in todo(page)
    assert many.count == few.count
    with app.app_context():
        user = db.session.get(User, world.mentor_x.id)
        with count_queries() as own:
            tasks = mentor_tasks(user, today)
    assert len(tasks) == 400
    assert own.count == 4
    wide = [s[:300] for s, n in zip(many.statements, many.bound, strict=True) if n >= 50]
    assert not wide, wide


def test_the_feedback_form_from_the_list_shows_the_students_week_above_the_boxes(
    app, world, login_as
):
    today = run_now(app)
    week = weeks_ago(today, 1)
    write_entry(
        app,
        world.placement_a,
        world.student_a,
        week=week,
        submit=True,
        sections={"did": "Wired the kitchen sockets."},
    )
    mentor = login_as(world.mentor_x)
    form = mentor.get(
        f"/placements/{world.placement_a.id}/log/new/feedback?week={week.isoformat()}"
    ).get_data(as_text=True)
    assert f"What Student A wrote in the week of {week.day} {week.strftime('%B')}" in form
    assert form.index("Wired the kitchen sockets.") < form.index('name="went_well"')
    # A week argument that is not a date is ignored, not an error.
    assert (
        mentor.get(f"/placements/{world.placement_a.id}/log/new/feedback?week=soon").status_code
        == 200
    )
