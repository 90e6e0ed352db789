"""Visits: planning, the agenda drawn from the log, the report and its agreements, the
tripartite confirmation that locks it, and amendments beside a final report.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.domain import DomainError
from app.extensions import db
from app.models import (
    Action,
    ActionState,
    Actor,
    AdditionKind,
    Notification,
    NotificationKind,
    Placement,
    Registration,
    Setting,
    User,
    Visit,
    VisitStatus,
)
from app.plans.services import GoalText, create_goal
from app.visits import agenda, services
from tests.conftest import write_entry

pytestmark = pytest.mark.usefixtures("in_english")

YESTERDAY = date.today() - timedelta(days=1)
NEXT_WEEK = date.today() + timedelta(days=7)


def visits_path(world, suffix: str = "") -> str:
    return f"/placements/{world.placement_a.id}/visits{suffix}"


def plan_form(**changes) -> dict:
    form = {
        "planned_on": YESTERDAY.isoformat(),
        "planned_time": "10:30",
        "place": "Workshop, Industrieweg 12",
        "attendees": ["student", "mentor", "coach"],
        "other_attendees": "",
    }
    form.update(changes)
    return form


def report_form(version: int, **changes) -> dict:
    form = {
        "version": version,
        "held_on": YESTERDAY.isoformat(),
        "learning_process": "Lotte wires boards on her own now.",
        "punctuality": "Late twice; she called ahead both times.",
        "bottlenecks": "Tension with a colleague about breaks.",
        "bottlenecks_coach_only": "y",
        "owner": "student",
    }
    form.update(changes)
    return form


def visit_of(app, visit_id: int) -> Visit:
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        visit.confirmations  # noqa: B018  (loaded before the session closes)
        db.session.expunge(visit)
        return visit


@pytest.fixture
def visit_id(app, world, login_as) -> int:
    """A visit the coach planned for yesterday, through the form."""
    coach = login_as(world.coach_a)
    assert coach.post(visits_path(world, "/new"), plan_form()).status_code == 302
    with app.app_context():
        return db.session.scalar(select(Visit.id))


def register(app, world, author, actor: str, indicator: str, level: int) -> None:
    start = world.placement_a.start_date
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        db.session.add(
            Registration(
                placement_id=placement.id,
                author_id=author.id,
                actor=actor,
                framework_id=placement.framework_id,
                framework_version=placement.framework_version,
                competence_id="planning",
                indicator_id=indicator,
                setting=Setting.WORKPLACE,
                level=level,
                observed_on=start + timedelta(days=30),
            )
        )
        db.session.commit()


def first_planning_indicator(app, world) -> tuple[str, str]:
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        framework = agenda.framework_of(placement)
        competence = next(c for c in framework.competences if c.id == "planning")
        indicator = competence.indicators[0]
        return indicator.id, indicator.text["en"]


# -- planning ---------------------------------------------------------------------------


def test_coach_plans_a_visit_that_the_trio_sees(app, world, login_as, visit_id):
    for person in (world.student_a, world.mentor_x, world.coach_a):
        page = login_as(person).get(visits_path(world)).get_data(as_text=True)
        assert f"/visits/{visit_id}" in page
    page = login_as(world.mentor_x).get(visits_path(world, f"/{visit_id}")).get_data(as_text=True)
    assert "Workshop, Industrieweg 12" in page
    assert "10:30" in page


def test_a_visit_before_the_placement_starts_is_refused(start, app, world, login_as):
    response = login_as(world.coach_a).post(
        visits_path(world, "/new"), plan_form(planned_on=(start - timedelta(days=31)).isoformat())
    )
    assert response.status_code == 422
    assert "This date is before the placement starts" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Visit.id)) is None


def test_only_the_coach_plans_visits(app, world, login_as):
    assert login_as(world.mentor_x).post(visits_path(world, "/new"), plan_form()).status_code == 403
    assert login_as(world.coach_b).post(visits_path(world, "/new"), plan_form()).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Visit.id)) is None


# -- the agenda -------------------------------------------------------------------------


def test_the_agenda_lists_where_the_three_differ_by_two_levels(app, world, login_as, visit_id):
    indicator, text = first_planning_indicator(app, world)
    register(app, world, world.student_a, "student", indicator, 4)
    register(app, world, world.mentor_x, "mentor", indicator, 2)
    page = (
        login_as(world.coach_a)
        .get(visits_path(world, f"/{visit_id}/report"))
        .get_data(as_text=True)
    )
    assert str(escape(text)) in page
    assert "Where you see it differently" in page
    assert "Student 4" in page
    assert "Mentor 2" in page


def test_a_difference_of_one_level_is_not_on_the_agenda(today, app, world):
    indicator, _text = first_planning_indicator(app, world)
    register(app, world, world.student_a, "student", indicator, 3)
    register(app, world, world.mentor_x, "mentor", indicator, 2)
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        kinds = [item["kind"] for item in agenda.gather(placement, today)]
    assert agenda.DIVERGENCE not in kinds


def test_the_mentor_never_sees_wellbeing_or_the_students_concern_on_the_agenda(
    app, world, login_as, visit_id
):
    write_entry(app, world.placement_a, world.student_a, submit=True, wellbeing=2)
    write_entry(
        app,
        world.placement_a,
        world.student_a,
        "concern",
        sections={"body": "My colleague shouts at me."},
    )
    coach_page = (
        login_as(world.coach_a).get(visits_path(world, f"/{visit_id}")).get_data(as_text=True)
    )
    assert "My colleague shouts at me." in coach_page
    assert "Wellbeing" in coach_page
    mentor_page = (
        login_as(world.mentor_x).get(visits_path(world, f"/{visit_id}")).get_data(as_text=True)
    )
    assert "My colleague shouts at me." not in mentor_page
    assert "lowest recent week" not in mentor_page
    # The caseload's reasons on the agenda keep the same secrets.
    assert "Low wellbeing: 2 of 5" in coach_page
    assert "1 open concern" in coach_page
    assert "Low wellbeing" not in mentor_page
    assert "open concern" not in mentor_page


@pytest.fixture
def forgotten(today, app, world, visit_id):
    """The student most at risk: running for 60 days without a weekly log, feedback or
    visit, no goal in the plan, no indicator scored; a visit was planned for yesterday
    and not held.
    """
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        placement.start_date = today - timedelta(days=60)
        db.session.commit()
    return visit_id


def test_the_agenda_carries_every_reason_for_the_student_most_at_risk(world, login_as, forgotten):
    page = login_as(world.coach_a).get(visits_path(world, f"/{forgotten}")).get_data(as_text=True)
    placement = world.placement_a.id
    assert "Nothing stands out" not in page
    assert "Needs attention" in page
    for href, text in (
        (f"/placements/{placement}/log?kind=feedback", "No feedback from the mentor for 60 days"),
        (
            f"/placements/{placement}/log?kind=weekly_log",
            "No reflection from the student for 60 days",
        ),
        (f"/placements/{placement}/visits", "Visit overdue: no visit yet, started 8 weeks ago"),
        (
            f"/placements/{placement}/development-plan",
            "The development plan has no goal the student works on yet",
        ),
        (f"/placements/{placement}/matrix", "The student has not scored any indicator yet"),
        (f"/placements/{placement}/matrix", "The mentor has not scored any indicator yet"),
        (f"/placements/{placement}/matrix", "The coach has not scored any indicator yet"),
    ):
        assert f'<a href="{href}">{text}</a>' in page, text


def test_the_agenda_names_low_wellbeing_and_an_unapproved_plan(
    today, app, world, login_as, forgotten
):
    last_week = today - timedelta(days=7)
    write_entry(app, world.placement_a, world.student_a, submit=True, wellbeing=2, week=last_week)
    with app.app_context():
        placement = db.session.get(Placement, world.placement_a.id)
        student = db.session.get(User, world.student_a.id)
        create_goal(
            placement, student, GoalText("Plan my own week", "", "", None, ["competence:planning"])
        )
    page = login_as(world.coach_a).get(visits_path(world, f"/{forgotten}")).get_data(as_text=True)
    assert "Low wellbeing: 2 of 5 in the latest week" in page
    assert "The development plan is not approved yet" in page
    assert "The development plan has no goal" not in page
    assert "No reflection from the student" not in page  # handed in today


def test_the_wellbeing_trend_reads_down_when_the_last_weeks_are_lower():
    assert agenda.trend([4, 4, 4, 2, 2, 3]) == "down"
    assert agenda.trend([2, 2, 2, 4, 4, 4]) == "up"
    assert agenda.trend([3, 3, 3, 3, 3, 3]) == "steady"
    assert agenda.trend([3]) == "steady"


# -- the report -------------------------------------------------------------------------


def test_a_draft_report_is_the_coachs_alone(app, world, login_as, visit_id):
    coach = login_as(world.coach_a)
    coach.post(visits_path(world, f"/{visit_id}/report"), report_form(1))
    assert visit_of(app, visit_id).status == VisitStatus.REPORTING
    assert "wires boards on her own" in coach.get(visits_path(world, f"/{visit_id}")).get_data(
        as_text=True
    )
    mentor_page = (
        login_as(world.mentor_x).get(visits_path(world, f"/{visit_id}")).get_data(as_text=True)
    )
    assert "wires boards on her own" not in mentor_page


def test_adding_an_agreement_keeps_the_typed_report(app, world, login_as, visit_id):
    coach = login_as(world.coach_a)
    response = coach.post(
        visits_path(world, f"/{visit_id}/report"),
        report_form(
            1,
            agreement="Lotte plans Monday's jobs herself",
            owner="student",
            due_date=NEXT_WEEK.isoformat(),
            add_agreement="Add the agreement",
        ),
    )
    assert response.status_code == 302
    visit = visit_of(app, visit_id)
    assert visit.report["learning_process"] == "Lotte wires boards on her own now."
    with app.app_context():
        action = db.session.scalar(select(Action).where(Action.visit_id == visit_id))
        assert action.owner == Actor.STUDENT
        assert action.due_date == NEXT_WEEK


def test_an_agreement_needs_a_due_date_and_the_draft_is_still_saved(app, world, login_as, visit_id):
    response = login_as(world.coach_a).post(
        visits_path(world, f"/{visit_id}/report"),
        report_form(1, agreement="Call HR", add_agreement="Add the agreement"),
    )
    assert response.status_code == 200  # not a refusal: the draft was saved
    assert "An agreement needs a date" in response.get_data(as_text=True)
    assert visit_of(app, visit_id).report["punctuality"].startswith("Late twice")


def test_making_the_report_final_needs_the_day_it_was_held(app, world, login_as, visit_id):
    response = login_as(world.coach_a).post(
        visits_path(world, f"/{visit_id}/report"),
        report_form(1, held_on="", finalise="Save and make final"),
    )
    assert response.status_code == 200  # not a refusal: the draft was saved
    assert "Fill in the day the visit was held." in response.get_data(as_text=True)
    assert visit_of(app, visit_id).status == VisitStatus.REPORTING


def finalise(app, world, login_as, visit_id, **changes):
    coach = login_as(world.coach_a)
    coach.post(
        visits_path(world, f"/{visit_id}/report"),
        report_form(
            1,
            agreement="Plan Monday's jobs herself",
            owner="student",
            due_date=NEXT_WEEK.isoformat(),
            add_agreement="Add",
        ),
    )
    coach.post(
        visits_path(world, f"/{visit_id}/report"),
        report_form(
            visit_of(app, visit_id).version,
            agreement="Show her the order list",
            owner="mentor",
            due_date=NEXT_WEEK.isoformat(),
            add_agreement="Add",
        ),
    )
    response = coach.post(
        visits_path(world, f"/{visit_id}/report"),
        report_form(visit_of(app, visit_id).version, finalise="Save and make final", **changes),
    )
    assert response.status_code == 302
    return coach


def test_a_complete_visit_ends_locked_with_agreements_in_the_plan(app, world, login_as, visit_id):
    finalise(app, world, login_as, visit_id)
    visit = visit_of(app, visit_id)
    assert visit.status == VisitStatus.FINAL
    assert visit.agenda is not None
    student = login_as(world.student_a)
    plan = student.get(f"/placements/{world.placement_a.id}/development-plan").get_data(
        as_text=True
    )
    assert "Plan Monday&#39;s jobs herself" in plan
    # the student's turn comes after the mentor's
    assert (
        student.post(visits_path(world, f"/{visit_id}/confirm"), {"comment": ""}).status_code == 302
    )
    assert visit_of(app, visit_id).confirmed_by(Actor.STUDENT) is None
    mentor = login_as(world.mentor_x)
    mentor.post(visits_path(world, f"/{visit_id}/confirm"), {"comment": "Agreed."})
    student.post(visits_path(world, f"/{visit_id}/confirm"), {"comment": ""})
    locked = visit_of(app, visit_id)
    assert locked.status == VisitStatus.LOCKED
    assert locked.locked_at is not None


def test_coach_only_parts_stay_with_the_coach(app, world, login_as, visit_id):
    finalise(app, world, login_as, visit_id)
    for person in (world.mentor_x, world.student_a):
        page = login_as(person).get(visits_path(world, f"/{visit_id}")).get_data(as_text=True)
        assert "wires boards on her own" in page
        assert "Tension with a colleague" not in page
    page = (
        login_as(world.coordinator_a).get(visits_path(world, f"/{visit_id}")).get_data(as_text=True)
    )
    assert "Tension with a colleague" in page


def test_editing_a_final_report_is_refused_and_offered_as_an_amendment(
    app, world, login_as, visit_id
):
    coach = finalise(app, world, login_as, visit_id)
    version = visit_of(app, visit_id).version
    response = coach.post(
        visits_path(world, f"/{visit_id}/report"),
        report_form(version, learning_process="She also reads the plans now."),
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This report is final and can no longer be changed." in page
    assert "She also reads the plans now." in page  # kept, in the amendment form
    assert visit_of(app, visit_id).report["learning_process"] == (
        "Lotte wires boards on her own now."
    )
    coach.post(
        visits_path(world, f"/{visit_id}/amendments"),
        {"amend-section": "learning_process", "amend-body": "She also reads the plans now."},
    )
    visit = visit_of(app, visit_id)
    page = login_as(world.student_a).get(visits_path(world, f"/{visit_id}")).get_data(as_text=True)
    assert "She also reads the plans now." in page
    assert "Amendment" in page
    assert visit.report["learning_process"] == "Lotte wires boards on her own now."


def test_a_stale_report_save_keeps_the_text(app, world, login_as, visit_id):
    coach = login_as(world.coach_a)
    coach.post(visits_path(world, f"/{visit_id}/report"), report_form(1))
    response = coach.post(
        visits_path(world, f"/{visit_id}/report"),
        report_form(1, learning_process="Typed on the laptop"),
    )
    assert response.status_code == 409
    assert "Typed on the laptop" in response.get_data(as_text=True)
    assert visit_of(app, visit_id).report["learning_process"].startswith("Lotte")


def test_the_mentor_ticks_off_their_agreement(app, world, login_as, visit_id):
    finalise(app, world, login_as, visit_id)
    with app.app_context():
        action = db.session.scalar(select(Action).where(Action.owner == Actor.MENTOR))
        action_id = action.id
    path = f"/placements/{world.placement_a.id}/development-plan/actions/{action_id}/tick"
    assert login_as(world.student_a).post(path, {"done": 1}).status_code == 403
    login_as(world.mentor_x).post(path, {"done": 1})
    with app.app_context():
        assert db.session.get(Action, action_id).state == ActionState.DONE


def test_a_cancelled_visit_has_no_report(app, world, login_as, visit_id):
    coach = login_as(world.coach_a)
    coach.post(visits_path(world, f"/{visit_id}/cancel"))
    assert visit_of(app, visit_id).status == VisitStatus.CANCELLED
    assert coach.get(visits_path(world, f"/{visit_id}/report")).status_code == 403


def test_services_refuse_comments_before_the_report_is_final(app, world, visit_id):
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        with pytest.raises(DomainError):
            services.add_addition(
                visit, db.session.get(User, world.mentor_x.id), AdditionKind.COMMENT, "x"
            )


def test_a_concern_the_coach_dealt_with_leaves_the_agenda(app, world, login_as, visit_id):
    concern = write_entry(
        app, world.placement_a, world.student_a, "concern", sections={"body": "Te zware dozen."}
    )
    coach = login_as(world.coach_a)
    assert "Te zware dozen." in coach.get(visits_path(world, f"/{visit_id}")).get_data(as_text=True)
    entry_path = f"/placements/{world.placement_a.id}/log/{concern}"
    assert "Mark as dealt with" in coach.get(entry_path).get_data(as_text=True)
    assert login_as(world.student_a).post(entry_path + "/resolve").status_code == 403
    coach.post(entry_path + "/resolve")
    assert "Dealt with" in coach.get(entry_path).get_data(as_text=True)
    page = coach.get(visits_path(world, f"/{visit_id}")).get_data(as_text=True)
    assert "Te zware dozen." not in page


def test_an_amendment_made_of_coach_only_text_stays_coach_only(app, world, login_as, visit_id):
    coach = finalise(app, world, login_as, visit_id)
    response = coach.post(
        visits_path(world, f"/{visit_id}/report"),
        report_form(visit_of(app, visit_id).version, bottlenecks="She cried after the row."),
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert '<input checked id="amend-coach_only"' in page
    coach.post(
        visits_path(world, f"/{visit_id}/amendments"),
        {"amend-section": "bottlenecks", "amend-body": "She cried after the row."},
    )
    mentor_page = (
        login_as(world.mentor_x).get(visits_path(world, f"/{visit_id}")).get_data(as_text=True)
    )
    assert "She cried" not in mentor_page
    assert "She cried" in coach.get(visits_path(world, f"/{visit_id}")).get_data(as_text=True)


def test_an_agreement_of_a_draft_report_cannot_be_ticked(app, world, login_as, visit_id):
    login_as(world.coach_a).post(
        visits_path(world, f"/{visit_id}/report"),
        report_form(
            1,
            agreement="Show her the order list",
            owner="mentor",
            due_date=NEXT_WEEK.isoformat(),
            add_agreement="Add",
        ),
    )
    with app.app_context():
        action_id = db.session.scalar(select(Action.id))
    path = f"/placements/{world.placement_a.id}/development-plan/actions/{action_id}/tick"
    mentor = login_as(world.mentor_x)
    assert "Show her the order list" not in mentor.get("/").get_data(as_text=True)
    assert mentor.post(path, {"done": 1}).status_code == 403


def test_a_second_confirmation_at_once_is_not_an_error(app, world, login_as, visit_id):
    finalise(app, world, login_as, visit_id)
    with app.app_context():
        # a request that read the visit just before a double tap's twin confirmed it
        stale = db.session.get(Visit, visit_id)
        stale.confirmations  # noqa: B018
        mentor = db.session.get(User, world.mentor_x.id)
        with app.app_context():
            services.confirm(
                db.session.get(Visit, visit_id), db.session.get(User, world.mentor_x.id), ""
            )
        services.confirm(stale, mentor, "")
    assert [c.actor for c in visit_of(app, visit_id).confirmations] == [
        Actor.COACH,
        Actor.MENTOR,
    ]


def test_an_unknown_agreement_to_remove_is_not_found(app, world, login_as, visit_id):
    response = login_as(world.coach_a).post(
        visits_path(world, f"/{visit_id}/report"), report_form(1, remove_agreement=10**30)
    )
    assert response.status_code == 422
    response = login_as(world.coach_a).post(
        visits_path(world, f"/{visit_id}/report"), report_form(1, remove_agreement=999999)
    )
    assert response.status_code == 404


def test_each_owner_finds_their_agreement_on_the_home_page(app, world, login_as, visit_id):
    coach = finalise(app, world, login_as, visit_id)
    with app.app_context():
        db.session.add(
            Action(
                placement_id=world.placement_a.id,
                visit_id=visit_id,
                author_id=world.coach_a.id,
                author_role=Actor.COACH,
                owner=Actor.COACH,
                title="Call the HR contact about the schedule",
                due_date=NEXT_WEEK,
            )
        )
        db.session.commit()
    assert "Call the HR contact about the schedule" in coach.get("/").get_data(as_text=True)
    mentor_home = login_as(world.mentor_x).get("/").get_data(as_text=True)
    assert "Show her the order list" in mentor_home
    assert "Call the HR contact" not in mentor_home
    student_home = login_as(world.student_a).get("/").get_data(as_text=True)
    assert "Plan Monday&#39;s jobs herself" in student_home
    assert "Show her the order list" not in student_home


def test_moving_a_visit_tells_student_and_mentor_and_a_new_place_alone_does_not(
    app, world, login_as, visit_id
):
    coach = login_as(world.coach_a)
    version = visit_of(app, visit_id).version
    edit = visits_path(world, f"/{visit_id}/edit")
    assert coach.post(edit, {**plan_form(place="Office"), "version": version}).status_code == 302
    assert moved(app) == []
    version = visit_of(app, visit_id).version
    later = plan_form(planned_on=NEXT_WEEK.isoformat(), planned_time="14:00")
    assert coach.post(edit, {**later, "version": version}).status_code == 302
    assert moved(app) == ["Mentor X", "Student A"]
    student = login_as(world.student_a).get("/notifications").get_data(as_text=True)
    assert "Coach A moved the visit to" in student


def moved(app) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(User.name)
                .join(Notification, Notification.user_id == User.id)
                .where(Notification.kind == NotificationKind.VISIT_MOVED)
            )
        )
