"""The personal development plan: goals, actions, suggestions, evidence, approval, the
PDF, and templates for a cohort.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Action,
    ActionState,
    DevelopmentPlan,
    Goal,
    GoalState,
    Placement,
    PlacementStatus,
    PlanStatus,
    PlanTemplate,
    Registration,
    Setting,
    User,
)
from app.plans import services
from tests.conftest import monday, write_entry, written

pytestmark = pytest.mark.usefixtures("in_english")

TOMORROW = date.today() + timedelta(days=1)


def plan_path(world, suffix: str = "") -> str:
    return f"/placements/{world.placement_a.id}/development-plan{suffix}"


def goal_form(start, **changes) -> dict:
    """A goal to reach by the placement's 137th day."""
    form = {
        "title": "Plan my own working day",
        "why": "Luc now tells me every task.",
        "success": "I make the day's list before 8:00 and Luc agrees with it.",
        "target_date": (start + timedelta(days=136)).isoformat(),
        "links": ["competence:planning", "criterion:initiative"],
    }
    form.update(changes)
    return form


def add_goal(app, world, author=None, **changes) -> int:
    """A goal through the service, as the student unless `author` is given."""
    start = world.placement_a.start_date
    form = goal_form(start, **changes)
    with app.app_context():
        goal = services.create_goal(
            db.session.get(Placement, world.placement_a.id),
            db.session.get(User, (author or world.student_a).id),
            services.GoalText(
                title=form["title"],
                why=form["why"],
                success=form["success"],
                target_date=date.fromisoformat(form["target_date"]),
                links=form["links"],
            ),
        )
        return goal.id


def goal_of(app, goal_id: int) -> Goal:
    with app.app_context():
        goal = db.session.get(Goal, goal_id)
        db.session.expunge(goal)
        return goal


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# -- goals ------------------------------------------------------------------------------


def test_student_adds_a_goal_and_sees_it_in_the_plan(start, world, login_as):
    student = login_as(world.student_a)
    response = student.post(
        plan_path(world, "/goals/new"),
        goal_form(
            start,
        ),
    )
    assert response.status_code == 302
    page = student.get(plan_path(world)).get_data(as_text=True)
    assert "Plan my own working day" in page
    assert "Working on it" in page
    assert "Draft" in page  # the coach has not approved the plan yet


def test_a_goal_linked_to_a_competence_outside_the_framework_is_refused(
    start, app, world, login_as
):
    student = login_as(world.student_a)
    response = student.post(
        plan_path(world, "/goals/new"), goal_form(start, links=["competence:welding-under-water"])
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "“welding-under-water” is not a competence or criterion of this placement" in page
    assert "Plan my own working day" in page  # what was typed is kept
    assert count(app, Goal) == 0


def test_a_goal_needs_a_link(start, app, world, login_as):
    response = login_as(world.student_a).post(
        plan_path(world, "/goals/new"), goal_form(start, links=[])
    )
    assert response.status_code == 422
    assert "Link the goal to at least one competence or soft skill." in response.get_data(
        as_text=True
    )
    assert count(app, Goal) == 0


def test_a_target_date_outside_the_placement_is_refused(start, app, world, login_as):
    response = login_as(world.student_a).post(
        plan_path(world, "/goals/new"),
        goal_form(start, target_date=(start - timedelta(days=31)).isoformat()),
    )
    assert response.status_code == 422
    assert "This date is before the placement starts" in response.get_data(as_text=True)
    assert count(app, Goal) == 0


def test_the_plan_shows_the_current_levels_of_the_linked_competences(start, app, world, login_as):
    goal_id = add_goal(app, world)
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        framework = services.framework_of(placement)
        planning = next(c for c in framework.competences if c.id == "planning")
        for indicator, level in zip(planning.indicators[:2], (2, 3), strict=True):
            db.session.add(
                Registration(
                    placement_id=placement.id,
                    author_id=world.mentor_x.id,
                    actor="mentor",
                    framework_id=framework.id,
                    framework_version=framework.version,
                    competence_id="planning",
                    indicator_id=indicator.id,
                    setting=Setting.WORKPLACE,
                    level=level,
                    observed_on=start + timedelta(days=30),
                )
            )
        db.session.commit()
        levels = services.goal_levels(placement, [db.session.get(Goal, goal_id)])[goal_id]
    planning_row = next(row for row in levels if row.choice.key == "competence:planning")
    assert planning_row.levels["mentor"] == 2.5
    assert planning_row.levels["student"] is None
    page = login_as(world.student_a).get(plan_path(world)).get_data(as_text=True)
    assert '<span class="level-average">2.5</span>' in page
    # an average is a number, never the coloured chip of a level of the scale
    table = page[page.index('class="table goal-levels"') :]
    assert "level-chip" not in table[: table.index("</table>")]


def test_the_student_reads_once_what_a_pop_is(world, login_as):
    explained = "Your development plan (POP): the goals you work on during this placement"
    assert explained in login_as(world.student_a).get(plan_path(world)).get_data(as_text=True)
    for role in ("mentor_x", "coach_a"):
        assert explained not in login_as(world.user(role)).get(plan_path(world)).get_data(
            as_text=True
        )


def test_student_changes_a_goal_and_a_stale_form_keeps_the_text(start, app, world, login_as):
    goal_id = add_goal(app, world)
    student = login_as(world.student_a)
    response = student.post(
        plan_path(world, f"/goals/{goal_id}/edit"),
        goal_form(start, title="Plan my week", version=1),
    )
    assert response.status_code == 302
    assert goal_of(app, goal_id).title == "Plan my week"
    stale = student.post(
        plan_path(world, f"/goals/{goal_id}/edit"),
        goal_form(start, title="Plan my month", version=1),
    )
    assert stale.status_code == 409
    assert "Plan my month" in stale.get_data(as_text=True)
    assert goal_of(app, goal_id).title == "Plan my week"


def test_mentor_suggests_a_goal_and_the_student_accepts_it(start, app, world, login_as):
    mentor = login_as(world.mentor_x)
    response = mentor.post(plan_path(world, "/goals/new"), goal_form(start, title="Measure twice"))
    assert response.status_code == 302
    with app.app_context():
        goal = db.session.scalar(select(Goal))
        assert goal.state == GoalState.SUGGESTED
        goal_id = goal.id
    student = login_as(world.student_a)
    page = student.get(plan_path(world)).get_data(as_text=True)
    assert "suggested by Mentor X" in page
    student.post(plan_path(world, f"/goals/{goal_id}/respond"), {"accept": "Accept"})
    assert goal_of(app, goal_id).state == GoalState.OPEN


def test_a_declined_suggestion_stays_visible_as_declined(app, world, login_as):
    goal_id = add_goal(app, world, author=world.coach_a)
    student = login_as(world.student_a)
    student.post(plan_path(world, f"/goals/{goal_id}/respond"), {"decline": "Decline"})
    assert goal_of(app, goal_id).state == GoalState.DECLINED
    assert "Suggestion declined" in student.get(plan_path(world)).get_data(as_text=True)
    again = student.post(plan_path(world, f"/goals/{goal_id}/respond"), {"accept": "Accept"})
    assert again.status_code == 302
    assert goal_of(app, goal_id).state == GoalState.DECLINED


def test_closing_a_goal_needs_a_reflection(app, world, login_as):
    goal_id = add_goal(app, world)
    student = login_as(world.student_a)
    refused = student.post(
        plan_path(world, f"/goals/{goal_id}/close"),
        {"version": 1, "state": "reached", "reflection": " "},
    )
    assert refused.status_code == 422
    assert "Write a few lines" in refused.get_data(as_text=True)
    assert goal_of(app, goal_id).state == GoalState.OPEN
    student.post(
        plan_path(world, f"/goals/{goal_id}/close"),
        {"version": 1, "state": "reached", "reflection": "I make the list myself now."},
    )
    closed = goal_of(app, goal_id)
    assert closed.state == GoalState.REACHED
    assert closed.reflection == "I make the list myself now."


# -- actions ----------------------------------------------------------------------------


def test_student_adds_an_action_and_ticks_it_off(app, world, login_as):
    goal_id = add_goal(app, world)
    student = login_as(world.student_a)
    student.post(
        plan_path(world, f"/goals/{goal_id}/actions"),
        {"title": "Ask Luc for the order list", "due_date": TOMORROW.isoformat()},
    )
    with app.app_context():
        action = db.session.scalar(select(Action))
        assert action.state == ActionState.OPEN
        action_id = action.id
    student.post(plan_path(world, f"/actions/{action_id}/tick"), {"done": 1})
    student.post(plan_path(world, f"/actions/{action_id}/tick"), {"done": 1})  # double tap
    with app.app_context():
        assert db.session.get(Action, action_id).state == ActionState.DONE


def test_an_action_due_before_the_placement_starts_is_refused(start, app, world, login_as):
    goal_id = add_goal(app, world)
    response = login_as(world.student_a).post(
        plan_path(world, f"/goals/{goal_id}/actions"),
        {"title": "Read the safety rules", "due_date": (start - timedelta(days=12)).isoformat()},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"This date is before the placement starts ({written(start)})." in page
    assert "Read the safety rules" in page
    assert count(app, Action) == 0


def test_an_action_of_the_mentor_is_a_suggestion_the_mentor_cannot_tick(app, world, login_as):
    goal_id = add_goal(app, world)
    mentor = login_as(world.mentor_x)
    mentor.post(plan_path(world, f"/goals/{goal_id}/actions"), {"title": "Shadow Jan one day"})
    with app.app_context():
        action = db.session.scalar(select(Action))
        assert action.state == ActionState.SUGGESTED
        action_id = action.id
    assert (
        mentor.post(plan_path(world, f"/actions/{action_id}/tick"), {"done": 1}).status_code == 403
    )
    student = login_as(world.student_a)
    student.post(plan_path(world, f"/actions/{action_id}/respond"), {"accept": "Accept"})
    with app.app_context():
        assert db.session.get(Action, action_id).state == ActionState.OPEN


def test_the_plan_lists_overdue_actions(start, app, world):
    goal_id = add_goal(app, world)
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        db.session.add(
            Action(
                placement_id=placement.id,
                goal_id=goal_id,
                author_id=world.student_a.id,
                author_role="student",
                title="Late one",
                due_date=start + timedelta(days=30),
            )
        )
        db.session.commit()
        goals = services.goals_of(placement)
        progress = services.progress(goals, [], start + timedelta(days=31))
        assert [a.title for a in progress.overdue] == ["Late one"]
        assert services.progress(goals, [], start + timedelta(days=30)).overdue == []


# -- comments, evidence, approval -------------------------------------------------------


def test_coach_comments_on_a_goal_and_the_student_reads_it(app, world, login_as):
    goal_id = add_goal(app, world)
    login_as(world.coach_a).post(
        plan_path(world, f"/goals/{goal_id}/comments"), {"body": "Start with Mondays."}
    )
    page = (
        login_as(world.student_a).get(plan_path(world, f"/goals/{goal_id}")).get_data(as_text=True)
    )
    assert "Start with Mondays." in page


def test_student_links_a_week_as_evidence_but_not_a_coach_only_note(app, world, login_as):
    goal_id = add_goal(app, world)
    week = write_entry(app, world.placement_a, world.student_a, submit=True)
    secret = write_entry(app, world.placement_a, world.coach_a, "visit_note", coach_only=True)
    student = login_as(world.student_a)
    page = student.get(plan_path(world, f"/goals/{goal_id}")).get_data(as_text=True)
    assert f'<option value="{week}"' in page
    assert f'<option value="{secret}"' not in page
    refused = student.post(plan_path(world, f"/goals/{goal_id}/evidence"), {"entry": secret})
    assert refused.status_code == 422
    student.post(plan_path(world, f"/goals/{goal_id}/evidence"), {"entry": week})
    student.post(plan_path(world, f"/goals/{goal_id}/evidence"), {"entry": week})
    assert [e.entry_id for e in goal_of_with_evidence(app, goal_id)] == [week]


def goal_of_with_evidence(app, goal_id):
    with app.app_context():
        return list(db.session.get(Goal, goal_id).evidence)


def test_coach_approves_a_plan_with_a_goal(app, world, login_as):
    coach = login_as(world.coach_a)
    coach.post(plan_path(world, "/approve"))
    assert "nothing to approve" in coach.get(plan_path(world)).get_data(as_text=True)
    add_goal(app, world)
    coach.post(plan_path(world, "/approve"))
    with app.app_context():
        plan = db.session.scalar(select(DevelopmentPlan))
        assert plan.status == PlanStatus.ACTIVE
        assert plan.approved_by_id == world.coach_a.id
    assert "Approved by Coach A" in login_as(world.student_a).get(plan_path(world)).get_data(
        as_text=True
    )


def test_a_closed_placement_plan_is_read_only(start, app, world, login_as):
    goal_id = add_goal(app, world)
    with app.app_context():
        db.session.get(Placement, world.placement_a.id).status = PlacementStatus.COMPLETED
        db.session.commit()
    student = login_as(world.student_a)
    assert "Add a goal" not in student.get(plan_path(world)).get_data(as_text=True)
    assert (
        student.post(
            plan_path(world, "/goals/new"),
            goal_form(
                start,
            ),
        ).status_code
        == 403
    )
    assert (
        student.post(plan_path(world, f"/goals/{goal_id}/comments"), {"body": "x"}).status_code
        == 403
    )


def test_the_plan_downloads_as_a_pdf_with_its_goals(app, world, login_as):
    add_goal(app, world)
    response = login_as(world.student_a).get(plan_path(world, ".pdf"))
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Plan my own working day" in text
    assert "Personal development plan" in text


# -- templates for a cohort -------------------------------------------------------------


@pytest.fixture
def cohort(app, world):
    """Placement A and a second placement of School A in the same programme and cohort."""
    with app.app_context():
        first = db.session.get(Placement, world.placement_a.id)
        first.programme, first.cohort = "Elektrotechniek", "2026-2027"
        second = Placement(
            student_id=world.student_b.id,
            school_id=world.school_a.id,
            workplace_id=world.company_x.id,
            mentor_id=world.mentor_x.id,
            coach_id=world.coach_a.id,
            kind=first.kind,
            start_date=first.start_date,
            end_date=first.end_date,
            programme="Elektrotechniek",
            cohort="2026-2027",
            framework_id="it-support",
            framework_version=1,
            rubric_id=first.rubric_id,
            rubric_version=first.rubric_version,
        )
        db.session.add(second)
        db.session.commit()
        return second.id


def test_coach_applies_a_template_to_a_cohort_once(app, world, login_as, cohort):
    add_goal(app, world)
    coach = login_as(world.coach_a)
    response = coach.post(plan_path(world, "/template"), {"name": "Eerste jaar"})
    assert response.status_code == 302
    with app.app_context():
        template_id = db.session.scalar(select(PlanTemplate.id))
    page = coach.get(f"/plan-templates/{template_id}?cohort=2026-2027").get_data(as_text=True)
    assert "Student A" in page
    assert "Student B" in page
    coach.post(f"/plan-templates/{template_id}", {"cohort": "2026-2027", "confirm": 1})
    coach.post(f"/plan-templates/{template_id}", {"cohort": "2026-2027", "confirm": 1})
    with app.app_context():
        goals = db.session.scalars(select(Goal).where(Goal.placement_id == cohort)).all()
        assert [g.title for g in goals] == ["Plan my own working day"]
        # the IT framework has no "planning" competence: only the rubric link is kept
        assert goals[0].links == ["criterion:initiative"]
        assert goals[0].state == GoalState.OPEN
        # placement A, whose plan the template was made from, does not get it twice
        assert (
            db.session.scalar(
                select(func.count(Goal.id)).where(Goal.placement_id == world.placement_a.id)
            )
            == 1
        )
    page = coach.get(f"/plan-templates/{template_id}").get_data(as_text=True)
    assert "0 goals added to the plans of the cohort. 2 were in a plan already." in page


def test_a_template_is_only_for_the_coaches_and_coordinators_of_its_school(
    app, world, login_as, cohort
):
    add_goal(app, world)
    login_as(world.coach_a).post(plan_path(world, "/template"), {"name": "Eerste jaar"})
    with app.app_context():
        template_id = db.session.scalar(select(PlanTemplate.id))
    assert login_as(world.coach_b).get(f"/plan-templates/{template_id}").status_code == 404
    assert login_as(world.coordinator_a).get(f"/plan-templates/{template_id}").status_code == 200
    assert login_as(world.mentor_x).get("/plan-templates").status_code == 403


def test_mentor_never_sees_the_students_concern_as_evidence(start, app, world, login_as):
    goal_id = add_goal(app, world)
    concern = write_entry(
        app, world.placement_a, world.student_a, "concern", sections={"body": "Ik ben bang."}
    )
    draft = write_entry(app, world.placement_a, world.student_a, week=monday(start, 4))
    student = login_as(world.student_a)
    page = student.get(plan_path(world, f"/goals/{goal_id}")).get_data(as_text=True)
    assert f'<option value="{concern}"' not in page
    assert f'<option value="{draft}"' not in page
    for entry_id in (concern, draft):
        refused = student.post(plan_path(world, f"/goals/{goal_id}/evidence"), {"entry": entry_id})
        assert refused.status_code == 422
    assert goal_of_with_evidence(app, goal_id) == []


def test_an_id_beyond_the_database_is_a_clear_refusal(app, world, login_as):
    goal_id = add_goal(app, world)
    response = login_as(world.student_a).post(
        plan_path(world, f"/goals/{goal_id}/evidence"), {"entry": 10**30}
    )
    assert response.status_code == 422


def test_a_closed_goal_takes_its_actions_off_the_lists(start, app, world, login_as):
    goal_id = add_goal(app, world)
    with app.app_context():
        db.session.add(
            Action(
                placement_id=world.placement_a.id,
                goal_id=goal_id,
                author_id=world.student_a.id,
                author_role="student",
                title="Old step",
                due_date=start + timedelta(days=30),
            )
        )
        db.session.commit()
        action_id = db.session.scalar(select(Action.id))
    student = login_as(world.student_a)
    assert "Old step" in student.get("/").get_data(as_text=True)
    student.post(
        plan_path(world, f"/goals/{goal_id}/close"),
        {"version": 1, "state": "dropped", "reflection": "Other priorities now."},
    )
    assert "Old step" not in student.get("/").get_data(as_text=True)
    plan = student.get(plan_path(world)).get_data(as_text=True)
    assert 'id="overdue-title"' not in plan
    student.post(plan_path(world, f"/actions/{action_id}/tick"), {"done": 1})
    with app.app_context():
        assert db.session.get(Action, action_id).state == ActionState.OPEN


def test_an_answer_that_names_neither_choice_changes_nothing(app, world, login_as):
    goal_id = add_goal(app, world, author=world.mentor_x)
    student = login_as(world.student_a)
    assert student.post(plan_path(world, f"/goals/{goal_id}/respond"), {}).status_code == 400
    assert goal_of(app, goal_id).state == GoalState.SUGGESTED


def test_a_title_of_spaces_is_refused(start, app, world, login_as):
    response = login_as(world.student_a).post(
        plan_path(world, "/goals/new"), goal_form(start, title="   ")
    )
    assert response.status_code == 422
    assert count(app, Goal) == 0


def test_the_goal_page_runs_the_same_queries_with_more_evidence(
    app, world, login_as, count_queries
):
    goal_id = add_goal(app, world)
    student = login_as(world.student_a)

    def queries() -> int:
        with count_queries() as counter:
            assert student.get(plan_path(world, f"/goals/{goal_id}")).status_code == 200
        return counter.count

    week = write_entry(app, world.placement_a, world.student_a, submit=True)
    student.post(plan_path(world, f"/goals/{goal_id}/evidence"), {"entry": week})
    few = queries()
    for weeks in (6, 7, 8):
        entry = write_entry(
            app,
            world.placement_a,
            world.student_a,
            submit=True,
            week=monday(world.placement_a.start_date, weeks),
        )
        student.post(plan_path(world, f"/goals/{goal_id}/evidence"), {"entry": entry})
    assert queries() == few


def test_a_plan_changed_after_approval_says_so_and_can_be_approved_again(app, world, login_as):
    add_goal(app, world)
    coach = login_as(world.coach_a)
    coach.post(plan_path(world, "/approve"))
    with app.app_context():
        first = db.session.scalar(select(DevelopmentPlan.approved_at))
    assert "Goals changed since then" not in coach.get(plan_path(world)).get_data(as_text=True)
    add_goal(app, world, title="Ask before I start")
    page = coach.get(plan_path(world)).get_data(as_text=True)
    assert "Goals changed since then" in page
    assert "Approve the plan again" in page
    coach.post(plan_path(world, "/approve"))
    with app.app_context():
        assert db.session.scalar(select(DevelopmentPlan.approved_at)) > first
    assert "Goals changed since then" not in coach.get(plan_path(world)).get_data(as_text=True)
