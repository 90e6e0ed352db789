"""A mobility abroad before and during the stay: the school prepares its plans while it
is in preparation, and the host monitor follows it beside the workplace mentor.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Actor,
    Goal,
    GoalState,
    LogEntry,
    Notification,
    NotificationKind,
    Placement,
    PlacementStatus,
    PlanItem,
    Registration,
    User,
    VisitConfirmation,
)
from app.models.columns import utcnow
from app.plans import services as plans
from app.visits import services as visits
from tests.browser import page_form

pytestmark = pytest.mark.usefixtures("in_english")


def placement_path(world, rest: str = "") -> str:
    return f"/placements/{world.placement_m.id}{rest}"


def set_status(app, world, status: PlacementStatus, **changes) -> None:
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        placement.status = status
        for name, value in changes.items():
            setattr(placement, name, value)
        db.session.commit()


def activate_now(app, world, today, **changes) -> None:
    """Placement M running today (its two weeks moved to start yesterday)."""
    dates = {"start_date": today - timedelta(days=1), "end_date": today + timedelta(days=12)}
    set_status(app, world, PlacementStatus.ACTIVE, **{**dates, **changes})


# -- preparing before activation -------------------------------------------------------


def test_placement_m_is_in_preparation(app, world):
    with app.app_context():
        assert db.session.get(Placement, world.placement_m.id).status == PlacementStatus.PREPARING


@pytest.mark.parametrize("role", ["coach_a", "coordinator_a"])
def test_school_drafts_the_training_plan_while_in_preparation(app, world, login_as, role):
    browser = login_as(world.user(role))
    path = placement_path(world, "/plan")
    page = browser.get(path)
    assert page.status_code == 200
    form = page_form(page, path)
    rows = sorted({name.split("-")[1] for name in form if name.startswith("rows-")})
    form[f"rows-{rows[0]}-setting"] = ["workplace"]
    form[f"rows-{rows[0]}-period"] = ["Week 1"]
    assert browser.post(path, form).status_code == 302
    with app.app_context():
        items = db.session.scalars(
            select(PlanItem).where(PlanItem.placement_id == world.placement_m.id)
        ).all()
        assert [item.period for item in items] == ["Week 1"]


@pytest.mark.parametrize("role", ["student_a", "mentor_es"])
def test_student_and_mentor_read_the_plan_in_preparation_without_changing_it(world, login_as, role):
    browser = login_as(world.user(role))
    path = placement_path(world, "/plan")
    assert browser.get(path).status_code == 200
    assert browser.post(path, {}).status_code == 403
    assert browser.get(placement_path(world, "/development-plan")).status_code == 200
    assert browser.get(placement_path(world, "/development-plan/goals/new")).status_code == 403


def test_coach_suggests_goals_while_in_preparation(app, world, login_as):
    browser = login_as(world.coach_a)
    path = placement_path(world, "/development-plan/goals/new")
    page = browser.get(path)
    assert page.status_code == 200
    form = page_form(page, path)
    form["title"] = ["Order a coffee in Spanish"]
    form["links"] = ["competence:planning"]
    assert browser.post(path, form).status_code == 302
    with app.app_context():
        goal = db.session.scalar(select(Goal).where(Goal.placement_id == world.placement_m.id))
        assert goal.state == GoalState.SUGGESTED
        assert goal.author_role == Actor.COACH


def test_coordinator_gives_preparing_placements_the_programme_goals(app, world):
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        placement.programme, placement.cohort = "Elektrotechniek", "2026"
        db.session.commit()
        template = plans.PlanTemplate(
            school_id=world.school_a.id,
            name="Abroad",
            programme="Elektrotechniek",
            goals=[{"title": "Plan", "why": "", "success": "", "links": []}],
            created_by_id=world.coach_a.id,
        )
        db.session.add(template)
        db.session.commit()
        coordinator = db.session.get(User, world.coordinator_a.id)
        assert world.placement_m.id in {
            p.id for p in plans.cohort_placements(template, "2026", coordinator)
        }


@pytest.mark.parametrize(
    "path",
    ["/log/new/weekly_log", "/log/new/feedback", "/log/new/visit_note", "/competences/register"],
)
@pytest.mark.parametrize("role", ["student_a", "mentor_es", "coach_a", "monitor"])
def test_nothing_of_the_stay_itself_is_written_before_activation(world, login_as, role, path):
    assert login_as(world.user(role)).get(placement_path(world, path)).status_code in (403, 404)


# -- the monitor -----------------------------------------------------------------------


def test_monitor_reads_the_log_of_the_placement_they_monitor_only(world, login_as):
    browser = login_as(world.monitor)
    assert browser.get(placement_path(world)).status_code == 200
    assert browser.get(placement_path(world, "/log")).status_code == 200
    assert browser.get(f"/placements/{world.placement_a.id}").status_code == 404
    assert browser.get(f"/placements/{world.placement_b.id}/log").status_code == 404


def test_monitor_home_page_lists_their_placement(world, login_as):
    page = login_as(world.monitor).get("/").get_data(as_text=True)
    assert "Student A" in page
    assert "Student B" not in page


def test_monitor_gives_feedback_like_a_mentor_once_the_stay_is_active(app, world, login_as, today):
    activate_now(app, world, today)
    browser = login_as(world.monitor)
    path = placement_path(world, "/log/new/feedback")
    page = browser.get(path)
    assert page.status_code == 200
    form = page_form(page, path)
    for name in ("went_well", "work_on", "next_step"):
        form[name] = ["Greeted every customer in Spanish today."]
    answer = browser.post(path, form)
    assert answer.status_code == 302
    with app.app_context():
        entry = db.session.scalar(
            select(LogEntry).where(LogEntry.placement_id == world.placement_m.id)
        )
        assert entry.author_id == world.monitor.id
        assert entry.author_role == Actor.MENTOR


def test_monitor_registers_on_the_hosts_side_keeping_who_registered(app, world, today):
    from app.competences import services as competences

    activate_now(app, world, today)
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        monitor = db.session.get(User, world.monitor.id)
        competence = competences.framework_of(placement).competences[0]
        indicator = competence.indicators[0]
        saved = competences.register(
            placement,
            monitor,
            competence,
            [competences.Judgement(indicator.id, None, 3, "Works on her own now.")],
        )
        assert saved == 1
        row = db.session.scalar(
            select(Registration).where(Registration.placement_id == placement.id)
        )
        assert (row.actor, row.author_id) == (Actor.MENTOR, world.monitor.id)
        assert competences.latest_registrations(placement)[(Actor.MENTOR, indicator.id)]


def test_monitor_only_reads_when_the_placement_does_not_let_them_score(app, world, login_as, today):
    activate_now(app, world, today, monitor_scores=False)
    browser = login_as(world.monitor)
    assert browser.get(placement_path(world, "/log")).status_code == 200
    assert browser.get(placement_path(world, "/log/new/feedback")).status_code == 403


def final_report(app, world, today) -> int:
    activate_now(app, world, today)
    with app.app_context():
        placement = db.session.get(Placement, world.placement_m.id)
        coach = db.session.get(User, world.coach_a.id)
        visit = visits.plan_visit(
            placement,
            coach,
            visits.VisitPlan(today, None, "Valencia", ["student", "mentor", "coach"], ""),
        )
        visits.save_report(
            visit,
            held_on=today,
            sections=dict.fromkeys(visits.SECTION_KEYS, "Going well."),
            coach_only=[],
            expected_version=visit.version,
        )
        visits.finalise(visit, coach, today + timedelta(days=0), expected_version=visit.version)
        return visit.id


def test_monitor_is_asked_to_confirm_a_final_report_and_confirms_for_the_host(
    app, world, login_as, today
):
    visit_id = final_report(app, world, today)
    with app.app_context():
        asked = set(
            db.session.scalars(
                select(Notification.user_id).where(
                    Notification.kind == NotificationKind.VISIT_REPORT_TO_CONFIRM
                )
            )
        )
        assert {world.monitor.id, world.mentor_es.id} <= asked
    browser = login_as(world.monitor)
    home = browser.get("/").get_data(as_text=True)
    assert f"/placements/{world.placement_m.id}/visits/{visit_id}" in home
    assert "Confirm the visit report" in home
    path = placement_path(world, f"/visits/{visit_id}/confirm")
    assert browser.post(path, {"comment": "Read it."}).status_code == 302
    with app.app_context():
        confirmation = db.session.scalar(
            select(VisitConfirmation).where(
                VisitConfirmation.visit_id == visit_id,
                VisitConfirmation.actor == Actor.MENTOR,
            )
        )
        assert (confirmation.actor, confirmation.user_id) == (Actor.MENTOR, world.monitor.id)
        open_for_mentor = db.session.scalar(
            select(Notification.id).where(
                Notification.user_id == world.mentor_es.id,
                Notification.kind == NotificationKind.VISIT_REPORT_TO_CONFIRM,
                Notification.resolved_at.is_(None),
            )
        )
        assert open_for_mentor is None  # the host confirmed once
    # The mentor no longer can: the host's side confirmed.
    assert login_as(world.mentor_es).post(path, {"comment": ""}).status_code in (302, 422)
    with app.app_context():
        host_side = db.session.scalars(
            select(VisitConfirmation.user_id).where(
                VisitConfirmation.visit_id == visit_id,
                VisitConfirmation.actor == Actor.MENTOR,
            )
        ).all()
        assert host_side == [world.monitor.id]


def test_the_mentors_feedback_reaches_the_monitor_who_reads_the_log(app, world, today):
    from tests.conftest import write_entry

    activate_now(app, world, today)
    entry_id = write_entry(app, world.placement_m, world.mentor_es, "feedback")
    with app.app_context():
        told = set(
            db.session.scalars(
                select(Notification.user_id).where(
                    Notification.kind == NotificationKind.ENTRY_ADDED,
                    Notification.key == f"entry:{entry_id}",
                )
            )
        )
    assert told == {world.student_a.id, world.coach_a.id, world.monitor.id}


def test_a_visit_planned_abroad_reaches_the_monitor(app, world, today):
    activate_now(app, world, today)
    with app.app_context():
        visits.plan_visit(
            db.session.get(Placement, world.placement_m.id),
            db.session.get(User, world.coach_a.id),
            visits.VisitPlan(today, None, "Valencia", ["student", "mentor", "coach"], ""),
        )
        told = set(
            db.session.scalars(
                select(Notification.user_id).where(
                    Notification.kind == NotificationKind.VISIT_PLANNED
                )
            )
        )
    assert told == {world.student_a.id, world.mentor_es.id, world.monitor.id}


@pytest.mark.parametrize("role", ["monitor", "host_coordinator", "promoter"])
def test_mobility_roles_see_nothing_of_the_schools_other_placements(world, login_as, role):
    browser = login_as(world.user(role))
    for placement in (world.placement_a, world.placement_b):
        assert browser.get(f"/placements/{placement.id}").status_code == 404


def test_monitors_to_do_list_has_no_weeks_to_approve(app, world, today):
    from app.placements.mentor_todo import TaskKind, mentor_tasks
    from tests.conftest import monday, write_entry

    activate_now(app, world, today, start_date=monday(today, -1))
    write_entry(app, world.placement_m, world.student_a, week=monday(today, -1), submit=True)
    with app.app_context():
        monitor_tasks = mentor_tasks(db.session.get(User, world.monitor.id), today)
        mentor_tasks_ = mentor_tasks(db.session.get(User, world.mentor_es.id), today)
    assert [task.kind for task in mentor_tasks_] == [TaskKind.APPROVE]
    assert monitor_tasks == []


def test_no_quick_link_lets_the_monitor_approve_a_week(app, world, today):
    from app.mentorlinks import services as links
    from tests.conftest import monday, write_entry

    activate_now(app, world, today, start_date=monday(today, -1))
    week_id = write_entry(
        app, world.placement_m, world.student_a, week=monday(today, -1), submit=True
    )
    with app.app_context():
        told = {
            notification.user_id: notification
            for notification in db.session.scalars(
                select(Notification).where(Notification.key == f"entry:{week_id}")
            )
        }
        now = utcnow()
        monitor = db.session.get(User, world.monitor.id)
        mentor = db.session.get(User, world.mentor_es.id)
        assert links.link_for(told[world.monitor.id], monitor, now) is None
        assert links.link_for(told[world.mentor_es.id], mentor, now) is not None
