"""Actions that cannot be undone ask first, on every page that has one, and a "no"
changes nothing. Playwright dismisses dialogs unless told otherwise, so each test
answers the question itself and checks what the browser asked.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import Goal, GoalState, Placement, User, Visit, VisitStatus
from app.plans import services as plans
from app.visits import services as visits

pytestmark = pytest.mark.e2e


class Answers:
    """Answers every dialog of a page with the current `accept`; keeps what was asked."""

    def __init__(self, page) -> None:
        self.accept = False
        self.asked: list[str] = []
        page.on("dialog", self._answer)

    def _answer(self, dialog) -> None:
        self.asked.append(dialog.message)
        if self.accept:
            dialog.accept()
        else:
            dialog.dismiss()


def test_making_a_visit_report_final_asks_first_and_no_keeps_it_a_draft(app, world, phone):
    with app.app_context():
        visit_id = visits.plan_visit(
            db.session.get(Placement, world.placement_a.id),
            db.session.get(User, world.coach_a.id),
            visits.VisitPlan(
                planned_on=date.today() - timedelta(days=1),
                planned_time=None,
                place="Werkplaats",
                attendees=["student", "mentor"],
                other_attendees="",
            ),
        ).id
    page = phone.page
    answers = Answers(page)
    phone.log_in("coach_a", "coach@a.example")
    phone.goto(f"/placements/{world.placement_a.id}/visits/{visit_id}/report")
    page.get_by_label("Hoe het leerproces loopt").fill("Student A plant zijn dag nu zelf.")

    page.get_by_role("button", name="Opslaan en definitief maken").click()
    expect(page.get_by_label("Hoe het leerproces loopt")).to_have_value(
        "Student A plant zijn dag nu zelf."
    )
    assert answers.asked == [
        "Het verslag definitief maken? Mentor en leerling lezen het dan, en je kunt het niet "
        "meer wijzigen, alleen aanvullen."
    ]
    with app.app_context():
        assert db.session.get(Visit, visit_id).status == VisitStatus.PLANNED

    answers.accept = True
    page.get_by_role("button", name="Opslaan en definitief maken").click()
    expect(page.get_by_role("status")).to_contain_text("Het verslag is definitief")
    with app.app_context():
        assert db.session.get(Visit, visit_id).status == VisitStatus.FINAL


def test_declining_a_suggestion_asks_first_and_no_keeps_it_open(app, world, phone):
    with app.app_context():
        goal_id = plans.create_goal(
            db.session.get(Placement, world.placement_a.id),
            db.session.get(User, world.mentor_x.id),
            plans.GoalText(
                title="Vragen stellen voor ik begin",
                why="",
                success="",
                target_date=None,
                links=["competence:planning"],
            ),
        ).id
    page = phone.page
    answers = Answers(page)
    phone.log_in("student_a", "student@a.example")
    phone.goto(f"/placements/{world.placement_a.id}/development-plan")

    page.get_by_role("button", name="Afwijzen").first.click()
    assert answers.asked == ["Dit voorstel afwijzen? Het blijft in het plan staan als afgewezen."]
    expect(page.get_by_role("button", name="Afwijzen").first).to_be_visible()
    with app.app_context():
        assert db.session.get(Goal, goal_id).state == GoalState.SUGGESTED

    answers.accept = True
    page.get_by_role("button", name="Afwijzen").first.click()
    expect(page.get_by_text("Voorstel afgewezen").first).to_be_visible()
    with app.app_context():
        assert db.session.get(Goal, goal_id).state == GoalState.DECLINED
