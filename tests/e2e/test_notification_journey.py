"""Notifications on a phone: the bell in the header, the list, opening one, marking all
read, doing the work they ask for (which resolves them), and choosing how to be
e-mailed. Pages are screenshotted to tests/e2e/screenshots/<role>-notifications-*.png
and pass axe-core.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from playwright.sync_api import expect

from app.extensions import db
from app.models import Placement, SchoolSettings, User
from app.notifications import reminders
from app.visits import services as visits
from tests.conftest import at, monday, write_entry, written

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("in_english")]


def bell(phone):
    return phone.page.locator("header").get_by_role("link", name=re.compile("^Notifications"))


def test_mentor_follows_the_bell_to_a_new_week_and_marks_the_rest_read(start, app, world, phone):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True)
    with app.app_context():
        visits.plan_visit(
            db.session.get(Placement, world.placement_a.id),
            db.session.get(User, world.coach_a.id),
            visits.VisitPlan(
                start + timedelta(days=30), None, "", ["student", "mentor", "coach"], ""
            ),
        )
    phone.log_in("mentor_x", "mentor@x.example")
    page = phone.page
    expect(bell(phone)).to_have_accessible_name("Notifications, 2 unread")
    expect(bell(phone)).to_contain_text("2")
    phone.check("notifications-bell")

    bell(phone).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    items = page.locator(".notifications li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(
        f"Coach A planned a visit on {written(start + timedelta(days=30), 'EEEE d MMMM yyyy')}"
    )
    expect(items.nth(1)).to_contain_text(
        f"Student A handed in the weekly log of the week of {written(monday(start, 5))}"
    )
    expect(items.nth(1)).to_contain_text("Placement of Student A")
    phone.check("notifications-list")

    items.nth(1).get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/placements/{world.placement_a.id}/log/{entry_id}$"))
    expect(bell(phone)).to_have_accessible_name("Notifications, 1 unread")

    bell(phone).click()
    expect(page.locator(".notifications li.unread")).to_have_count(1)
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("status")).to_have_text("All your notifications are marked as read.")
    expect(page.locator(".notifications li.unread")).to_have_count(0)
    expect(bell(phone)).to_have_accessible_name("Notifications")
    phone.check("notifications-all-read")


def test_mentor_chooses_a_daily_summary_on_the_account_page(app, world, phone):
    phone.log_in("mentor_x", "mentor@x.example")
    page = phone.page
    phone.nav_link("My account").click()
    choice = page.get_by_label("E-mail me")
    expect(choice).to_have_value("each")
    choice.select_option(label="A daily summary")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Your settings are saved.")
    expect(page.get_by_label("E-mail me")).to_have_value("daily")
    phone.check("notifications-preference")
    with app.app_context():
        assert db.session.get(User, world.mentor_x.id).notify_by_email == "daily"


def test_student_follows_a_reminder_to_her_log(start, app, world, phone):
    with app.app_context():
        reminders.decide(at(start + timedelta(weeks=6), 10, zone=ZoneInfo("Europe/Brussels")))
    phone.log_in("student_a", "student@a.example")
    page = phone.page
    bell(phone).click()
    reminder = page.locator(".notifications li").filter(
        has_text=f"Your weekly log for the week of {written(monday(start, 5))} was not handed in"
    )
    expect(reminder).to_have_count(1)
    expect(reminder).to_contain_text("Your placement")
    phone.check("notifications-reminder")
    reminder.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/placements/{world.placement_a.id}/log$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_coordinator_sets_when_reminders_go_out(app, world, phone):
    phone.log_in("coordinator_a", "coordinator@a.example")
    page = phone.page
    phone.goto(f"/admin/organisations/{world.school_a.id}/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload and reminders")
    page.get_by_label("The weekly log is due on").select_option(label="Thursday")
    page.get_by_label("Reminders from (hour)").fill("9")
    page.get_by_label("Reminders until (hour)").fill("8")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#reminders_until_hour-error")).to_have_text(
        "Choose an hour after the hour reminders start."
    )
    expect(page.get_by_label("The weekly log is due on")).to_have_value("3")
    phone.check("school-settings-error")
    page.get_by_label("Reminders until (hour)").fill("17")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("The settings of School A are saved.")
    with app.app_context():
        saved = db.session.get(SchoolSettings, world.school_a.id)
        assert (saved.log_due_weekday, saved.reminders_from_hour) == (3, 9)
        assert saved.reminders_until_hour == 17
    page.get_by_role("link", name="Caseload and reminders").click()
    phone.check("school-settings")


def test_mentor_gives_feedback_approves_and_confirms_and_the_bell_counts_down(
    today, app, world, phone
):
    """The issue's morning: four notifications; the mentor does the work from the
    placement's pages (not from the notifications, whose opening alone reads them), and
    each piece of work takes its notification off the bell.
    """
    last_monday = today - timedelta(days=today.weekday() + 7)
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        placement.start_date = today - timedelta(days=60)
        placement.end_date = today + timedelta(days=150)
        settings = SchoolSettings.defaults(world.school_a.id)
        settings.reminders_from_hour, settings.reminders_until_hour = 0, 24
        settings.reminders_on_weekends = True
        db.session.add(settings)
        db.session.commit()
        reminders.decide(datetime.now(UTC))  # 60 days without the mentor's feedback
    entry_id = write_entry(app, world.placement_a, world.student_a, week=last_monday, submit=True)
    with app.app_context():
        coach = db.session.get(User, world.coach_a.id)
        visit = visits.plan_visit(
            db.session.get(Placement, world.placement_a.id),
            coach,
            visits.VisitPlan(today - timedelta(days=2), None, "", ["student", "mentor"], ""),
        )
        visits.save_report(
            visit,
            held_on=today - timedelta(days=2),
            sections={"learning_process": "Wires boards on her own now."},
            coach_only=[],
            expected_version=visit.version,
        )
        visits.finalise(visit, coach, today - timedelta(days=1), expected_version=visit.version)
        visit_id = visit.id
    week = format_date(last_monday, "d MMMM yyyy", locale="en")
    log = f"/placements/{world.placement_a.id}/log"

    phone.log_in("mentor_x", "mentor@x.example")
    page = phone.page
    expect(bell(phone)).to_have_accessible_name("Notifications, 4 unread")
    bell(phone).click()
    items = page.locator(".notifications li")
    expect(items.filter(has_text="You have given no feedback for")).to_have_count(1)
    expect(items.filter(has_text=f"the weekly log of the week of {week}")).to_have_count(1)
    phone.check("notifications-four-to-do")

    # Feedback, from the log: "no feedback for 60 days" is done.
    phone.goto(log)
    page.get_by_role("link", name="Give feedback").first.click()
    page.get_by_label("One thing that went well").fill("You always switch off first.")
    page.get_by_label("One thing to work on").fill("Label the cables.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved in the log.")
    expect(bell(phone)).to_have_accessible_name("Notifications, 3 unread")

    # The week, from the log: approving it is done.
    phone.goto(f"{log}/{entry_id}")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Week approved.")
    expect(bell(phone)).to_have_accessible_name("Notifications, 2 unread")

    # The report, from the visit's page: confirming it is done.
    phone.goto(f"/placements/{world.placement_a.id}/visits/{visit_id}")
    page.get_by_role("button", name="I have read the report and confirm it").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you for confirming.")
    expect(bell(phone)).to_have_accessible_name("Notifications, 1 unread")

    # What is left only informs: the visit that was planned.
    bell(phone).click()
    expect(page.locator(".notifications .badge.done")).to_have_count(3)
    expect(page.locator(".notifications li.unread")).to_have_count(1)
    expect(page.locator(".notifications li.unread")).to_contain_text("planned a visit")
    phone.check("notifications-work-done")
