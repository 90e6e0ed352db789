"""The caseload in a browser: a coach with a dozen students sees who needs attention, on
a phone and on a laptop; the coordinator narrows the school's overview to one coach.

Coach and coordinator read English here, so the assertions hold once the new texts are
translated. Every visited page is screenshotted (tests/e2e/screenshots/<role>-<page>.png)
and must pass axe-core without serious violations and without sideways scrolling.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import (
    Actor,
    EntryKind,
    LogEntry,
    Membership,
    Organisation,
    OrganisationKind,
    Placement,
    PlacementKind,
    ReviewStatus,
    Role,
    User,
    Visit,
    VisitStatus,
)
from tests.conftest import FOLLOWED_WITH, PASSWORD_HASH

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1280, "height": 800}


def at(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=UTC)


def note(placement, author_id, role, kind, day, **columns) -> None:
    weekly = kind == EntryKind.WEEKLY_LOG
    db.session.add(
        LogEntry(
            placement_id=placement.id,
            author_id=author_id,
            author_role=role,
            kind=kind,
            sections={"text": "…"},
            week_start=day - timedelta(days=day.weekday()) if weekly else None,
            review_status=ReviewStatus.SUBMITTED if weekly else None,
            created_at=at(day),
            updated_at=at(day),
            submitted_at=at(day) if weekly else None,
            **columns,
        )
    )


def keep_up(placement, today: date) -> None:
    """Recent feedback, a recent weekly log and a recent visit: nothing to follow up."""
    note(placement, placement.mentor_id, Actor.MENTOR, EntryKind.FEEDBACK, today)
    note(placement, placement.student_id, Actor.STUDENT, EntryKind.WEEKLY_LOG, today)
    db.session.add(
        Visit(
            placement_id=placement.id,
            planned_by_id=placement.coach_id,
            planned_on=today - timedelta(days=10),
            status=VisitStatus.LOCKED,
        )
    )


STUDENTS = [
    # name, workplace, programme, what happened
    ("Lotte Peeters", "Elektro Verbeke", "Elektrotechniek", "concern"),
    ("Yusuf Demir", "Elektro Verbeke", "Elektrotechniek", "quiet mentor"),
    ("Jana Willems", "Garage De Smet", "Autotechniek", "fine"),
    ("Milan Goossens", "Garage De Smet", "Autotechniek", "fine"),
    ("Noor Hermans", "Elektro Verbeke", "Elektrotechniek", "visit planned"),
    ("Aisha Bakari", "Garage De Smet", "Autotechniek", "fine"),
    ("Dirk Smets", "Elektro Verbeke", "Elektrotechniek", "fine"),
    ("Eva Jacobs", "Garage De Smet", "Autotechniek", "fine"),
    ("Bram De Vos", "Elektro Verbeke", "Elektrotechniek", "upcoming"),
]


@pytest.fixture
def caseload(app, world):
    """Coach A's caseload: nine students at two workplaces; coach and coordinator read
    English. Student A (the world's placement) has been running without anyone writing.
    """
    today = date.today()
    with app.app_context():
        for user in (world.coach_a, world.coordinator_a):
            db.session.get(User, user.id).locale = "en"
        second_coach = User(email="coach2@a.example", name="Sofie Wouters")
        second_coach.password_hash = PASSWORD_HASH
        second_coach.memberships.append(
            Membership(role=Role.COACH, organisation_id=world.school_a.id)
        )
        db.session.add(second_coach)
        workplaces = {}
        for name in ("Elektro Verbeke", "Garage De Smet"):
            workplaces[name] = Organisation(name=name, kind=OrganisationKind.COMPANY)
            db.session.add(workplaces[name])
        db.session.flush()
        world_placement = db.session.get(Placement, world.placement_a.id)
        world_placement.start_date = today - timedelta(days=70)
        for number, (name, workplace, programme, story) in enumerate(STUDENTS):
            student = User(email=f"student{number}@a.example", name=name)
            student.memberships.append(
                Membership(role=Role.STUDENT, organisation_id=world.school_a.id)
            )
            db.session.add(student)
            db.session.flush()
            start = today + timedelta(days=12) if story == "upcoming" else today - timedelta(60)
            placement = Placement(
                student_id=student.id,
                school_id=world.school_a.id,
                workplace_id=workplaces[workplace].id,
                mentor_id=world.mentor_x.id,
                coach_id=second_coach.id if number == 3 else world.coach_a.id,
                kind=PlacementKind.DUAL_LEARNING,
                start_date=start,
                end_date=start + timedelta(days=270),
                programme=programme,
                cohort="2026-2027",
                **FOLLOWED_WITH,
            )
            db.session.add(placement)
            db.session.flush()
            if story == "upcoming":
                continue
            keep_up(placement, today)
            if story == "concern":
                note(placement, world.mentor_x.id, Actor.MENTOR, EntryKind.CONCERN, today)
            elif story == "quiet mentor":
                db.session.query(LogEntry).filter_by(
                    placement_id=placement.id, kind=EntryKind.FEEDBACK
                ).delete()
                note(
                    placement,
                    world.mentor_x.id,
                    Actor.MENTOR,
                    EntryKind.FEEDBACK,
                    today - timedelta(days=16),
                )
            elif story == "visit planned":
                db.session.add(
                    Visit(
                        placement_id=placement.id,
                        planned_by_id=world.coach_a.id,
                        planned_on=today + timedelta(days=9),
                        status=VisitStatus.PLANNED,
                    )
                )
        db.session.commit()


def test_the_coach_sees_who_needs_attention_on_a_phone_and_a_laptop(caseload, phone):
    page = phone.page
    phone.log_in("coach_a", "coach@a.example")
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    expect(page.locator(".caseload-count")).to_have_text("3 of 8 running placements need attention")
    attention = page.locator(".case-group-attention li.case")
    expect(attention).to_have_count(3)
    # Student A: nobody wrote for ten weeks: three reasons, so on top.
    expect(attention.nth(0)).to_contain_text("Student A")
    expect(attention.nth(0)).to_contain_text("Visit overdue: no visit yet, started 10 weeks ago")
    # One reason each: the mentor silent for 16 days before a concern raised today.
    expect(attention.nth(1)).to_contain_text("No feedback from the mentor for 16 days")
    expect(attention.nth(2)).to_contain_text("Lotte Peeters")
    expect(page.locator(".case-group-fine")).to_contain_text("Visit planned on")
    expect(page.locator(".case-group-upcoming")).to_contain_text("Bram De Vos")
    expect(page.get_by_text("Milan Goossens")).to_have_count(0)  # another coach's student
    phone.check("caseload-phone")

    page.set_viewport_size(LAPTOP)
    phone.check("caseload-laptop")

    attention.nth(2).get_by_role("link", name="1 open concern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lotte Peeters")
    expect(page.locator("select#kind")).to_have_value("concern")
    phone.check("caseload-concern")


def test_the_coordinator_narrows_the_overview_to_one_coach(caseload, phone):
    page = phone.page
    phone.log_in("coordinator_a", "coordinator@a.example")
    page.get_by_role("link", name="Caseload overview: 3 placements need attention").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload overview")
    expect(page.locator(".caseload-count")).to_have_text("3 of 9 running placements need attention")
    phone.check("overview-phone")

    page.set_viewport_size(LAPTOP)
    page.get_by_label("Coach").select_option(label="Sofie Wouters")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".caseload-count")).to_have_text(
        "The running placement needs no attention."
    )
    expect(page.locator("li.case")).to_have_count(1)
    expect(page.locator("li.case")).to_contain_text("Milan Goossens")
    expect(page.get_by_role("link", name="Download as CSV")).to_have_attribute(
        "href", f"/caseload.csv?coach={page.get_by_label('Coach').input_value()}"
    )
    phone.check("overview-laptop-filtered")

    page.get_by_label("Programme").select_option("Elektrotechniek")
    page.get_by_label("Coach").select_option(label="All")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".case-group-upcoming")).to_contain_text("Bram De Vos")
    expect(page.get_by_text("Jana Willems")).to_have_count(0)
    phone.check("overview-laptop-programme")


def test_the_coordinator_sets_the_schools_thresholds(caseload, phone):
    page = phone.page
    phone.log_in("coordinator_a", "coordinator@a.example")
    phone.nav_link("Administration").click()
    page.get_by_role("link", name="Organisations").click()
    page.get_by_role("link", name="School A").click()
    page.get_by_role("link", name="Caseload and reminders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload and reminders")
    feedback = page.get_by_label("Days without feedback from the mentor")
    expect(feedback).to_have_value("14")
    phone.check("thresholds")

    feedback.fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#feedback_days-error")).to_have_text("Enter a whole number from 1 to 90.")
    expect(feedback).to_have_attribute("aria-invalid", "true")
    phone.check("thresholds-error")

    feedback.fill("17")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("The settings of School A are saved.")
    page.get_by_role("button", name="Log out").click()
    phone.log_in("coach_a", "coach@a.example")
    # Yusuf's mentor has been quiet for 16 days: no longer a reason at this school.
    expect(page.locator(".caseload-count")).to_have_text("2 of 8 running placements need attention")


@pytest.fixture
def old_week(app, world, caseload):
    """Student A handed in a week ten days ago that the mentor has not looked at yet;
    the mentor reads English too, and a visit to Student A is planned for today.
    """
    today = date.today()
    with app.app_context():
        db.session.get(User, world.mentor_x.id).locale = "en"
        placement = db.session.get(Placement, world.placement_a.id)
        handed_in = today - timedelta(days=10)
        entry = LogEntry(
            placement_id=placement.id,
            author_id=world.student_a.id,
            author_role=Actor.STUDENT,
            kind=EntryKind.WEEKLY_LOG,
            sections={"did": "Wired the meter cupboard."},
            week_start=handed_in - timedelta(days=handed_in.weekday()),
            review_status=ReviewStatus.SUBMITTED,
            wellbeing=2,
            created_at=at(handed_in),
            updated_at=at(handed_in),
            submitted_at=at(handed_in),
        )
        db.session.add(entry)
        visit = Visit(
            placement_id=placement.id,
            planned_by_id=world.coach_a.id,
            planned_on=today,
            status=VisitStatus.PLANNED,
        )
        db.session.add(visit)
        db.session.commit()
        return {"entry": entry.id, "visit": visit.id, "placement": placement.id}


def test_the_mentor_approving_an_old_week_leaves_the_students_silence_on_the_caseload(
    old_week, phone
):
    page = phone.page
    phone.log_in("coach_a", "coach@a.example")
    student_a = page.locator(".case-group-attention li.case").filter(has_text="Student A")
    expect(student_a).to_contain_text("No reflection from the student for 10 days")
    expect(student_a).to_contain_text("Low wellbeing: 2 of 5 in the latest week")
    expect(student_a).to_contain_text("No feedback from the mentor for 70 days")
    phone.check("caseload-before-approval")
    page.get_by_role("button", name="Log out").click()

    phone.log_in("mentor_x", "mentor@x.example")
    phone.goto(f"/placements/{old_week['placement']}/log/{old_week['entry']}")
    page.get_by_role("button", name="Approve").click()
    week = page.locator("article").filter(has_text="Wired the meter cupboard.")
    expect(week).to_contain_text("Approved")
    page.get_by_role("button", name="Log out").click()

    phone.log_in("coach_a", "coach@a.example")
    # The approval is the mentor's feedback: that reason goes. The student's silence and
    # wellbeing are about the student: they stay.
    expect(student_a).not_to_contain_text("No feedback from the mentor")
    expect(student_a).to_contain_text("No reflection from the student for 10 days")
    expect(student_a).to_contain_text("Low wellbeing: 2 of 5 in the latest week")
    phone.check("caseload-after-approval")


def test_the_visit_agenda_of_the_student_most_at_risk_names_every_reason(old_week, phone):
    page = phone.page
    phone.log_in("coach_a", "coach@a.example")
    phone.goto(f"/placements/{old_week['placement']}/visits/{old_week['visit']}")
    agenda = page.locator("#agenda")
    expect(agenda).not_to_contain_text("Nothing stands out")
    attention = agenda.locator(".agenda-attention")
    for reason in (
        "Low wellbeing: 2 of 5 in the latest week",
        "No feedback from the mentor for 70 days",
        "No reflection from the student for 10 days",
    ):
        expect(attention.get_by_role("link", name=reason)).to_be_visible()
    expect(
        agenda.get_by_role("link", name="The student has not scored any indicator yet")
    ).to_be_visible()
    phone.check("visit-agenda-at-risk")
    agenda.get_by_role(
        "link", name="The development plan has no goal the student works on yet"
    ).click()
    expect(page).to_have_url(re.compile(r"/development-plan$"))
    page.get_by_role("button", name="Log out").click()

    # The mentor reads the same agenda, without the student's wellbeing.
    phone.log_in("mentor_x", "mentor@x.example")
    phone.goto(f"/placements/{old_week['placement']}/visits/{old_week['visit']}")
    expect(page.locator("#agenda")).to_contain_text("No feedback from the mentor for 70 days")
    expect(page.locator("#agenda")).not_to_contain_text("wellbeing")
    phone.check("visit-agenda-at-risk")


def test_the_coach_sorts_and_searches_the_caseload_table_on_a_phone(caseload, phone):
    page = phone.page
    phone.log_in("coach_a", "coach@a.example")
    page.get_by_role("link", name="All in one table").click()
    table = page.get_by_role("table")
    expect(table.locator("caption")).to_contain_text("Placements, sorted by status (ascending)")
    # on a phone the column names are a row of links, and the caption says what they do
    expect(table.locator("caption .sort-hint")).to_be_visible()
    expect(table.locator("caption .sort-hint")).to_have_text("Sort by:")
    expect(table.locator("tbody tr")).to_have_count(10)  # with student A's mobility abroad
    expect(table.locator("tbody tr").first).to_contain_text("Student A")
    expect(table.locator("tbody tr").first).to_contain_text("Urgent")
    phone.check("caseload-table")

    table.get_by_role("link", name="Student", exact=True).click()
    expect(page.get_by_role("columnheader", name="Student", exact=True)).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(table.locator("tbody tr").first).to_contain_text("Aisha Bakari")
    table.get_by_role("link", name="Student", exact=True).click()
    expect(page.get_by_role("columnheader", name="Student", exact=True)).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(table.locator("tbody tr").first).to_contain_text("Yusuf Demir")

    page.get_by_label("Student’s name").fill("lotte")
    page.get_by_role("button", name="Filter").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr")).to_contain_text("1 open concern")
    expect(page.get_by_role("columnheader", name="Student", exact=True)).to_have_attribute(
        "aria-sort", "descending"
    )

    page.get_by_role("link", name="Show all").click()
    page.get_by_label("Reason for attention").select_option(label="No feedback from the mentor")
    page.get_by_role("button", name="Filter").click()
    expect(table.locator("tbody tr")).to_have_count(2)  # Yusuf, and Student A
    phone.check("caseload-table-filtered")

    page.set_viewport_size(LAPTOP)
    page.get_by_role("link", name="Show all").click()
    expect(table.locator("caption .sort-hint")).to_be_hidden()  # the headers say it there
    phone.check("caseload-table-laptop")


def test_the_company_coordinator_sees_what_the_company_can_act_on(app, world, old_week, phone):
    with app.app_context():
        db.session.get(User, world.company_coordinator_x.id).locale = "en"
        db.session.add(
            Visit(
                placement_id=old_week["placement"],
                planned_by_id=world.coach_a.id,
                planned_on=date.today() - timedelta(days=5),
                held_on=date.today() - timedelta(days=5),
                status=VisitStatus.FINAL,
                report={"learning_process": "Works on her own."},
            )
        )
        db.session.commit()
    page = phone.page
    phone.log_in("company_coordinator_x", "hr@x.example")
    card = page.locator("li.card").filter(has_text="Student A")
    expect(card.locator(".company-signals")).to_contain_text(
        "No feedback from the mentor for 70 days"
    )
    expect(card.locator(".company-signals")).to_contain_text("Visit report waiting for the mentor")
    expect(card).not_to_contain_text("wellbeing")
    expect(card).not_to_contain_text("reflection")
    phone.check("home-signals")
