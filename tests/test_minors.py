"""Minors: a student's date of birth says only whether they are under 18; a school's
rule says which placements of a minor need a guardian's approval; such a placement
cannot be made active without one, and a revoked approval flags it again; everyone
accepts the privacy notice once per version. Who may do what: test_access.py.
"""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    AuditEvent,
    GuardianApproval,
    Placement,
    PlacementStatus,
    SchoolSettings,
    User,
)
from app.privacy.minors import age_on, is_minor, needs_approval
from app.privacy.registry import PRIVACY_NOTICE_VERSION
from tests.conftest import placement_form, written


@pytest.fixture
def eighteenth(start) -> date:
    """Student B (School B in the Netherlands, at Company Y in Belgium) turns 18 on this day,
    half a year into the placement (never on 29 February: not every year has one).
    """
    day = start + timedelta(days=190)
    return day.replace(day=min(day.day, 28))


@pytest.mark.parametrize(
    ("day", "age"),
    [(date(2027, 3, 9), 17), (date(2027, 3, 10), 18), (date(2028, 3, 9), 18)],
)
def test_an_age_counts_whole_years_from_the_birthday(day, age):
    """Fixed days: the rule of whole years is the point, not today."""
    assert age_on(date(2009, 3, 10), day) == age


@pytest.fixture
def minor_abroad(app, world, eighteenth):
    """Student B, 18 half a year in: a minor when placement B starts abroad."""
    with app.app_context():
        db.session.get(User, world.student_b.id).birth_date = eighteenth.replace(
            year=eighteenth.year - 18
        )
        db.session.commit()
    return world


def _form_b(world, **changes) -> dict:
    return placement_form(
        world,
        school=world.school_b.id,
        student=world.student_b.id,
        workplace=world.company_y.id,
        mentor=world.mentor_y.id,
        coach=world.coach_b.id,
        start_date=world.placement_b.start_date.isoformat(),
        end_date=world.placement_b.end_date.isoformat(),
        **changes,
    )


def test_the_schools_rule_decides_which_placements_of_a_minor_need_approval(
    app, minor_abroad, eighteenth
):
    world = minor_abroad
    with app.app_context():
        student = db.session.get(User, world.student_b.id)
        school = db.session.get(type(world.school_b), world.school_b.id)
        abroad = db.session.get(type(world.company_y), world.company_y.id)
        start = world.placement_b.start_date
        assert is_minor(student, start)
        assert needs_approval(student, school, abroad, start, start)  # default: abroad
        # once she is 18, nothing more is needed
        assert not needs_approval(student, school, abroad, start, eighteenth)
        db.session.add(SchoolSettings(school_id=school.id, guardian_approval="none"))
        db.session.commit()
        assert not needs_approval(student, school, abroad, start, start)
        # a student without a date of birth is not known to be a minor
        student.birth_date = None
        assert not is_minor(student, start)


def test_a_minors_placement_abroad_cannot_become_active_without_approval(
    start, app, minor_abroad, login_as, in_english
):
    world = minor_abroad
    coordinator = login_as(world.coordinator_b)
    path = f"/admin/placements/{world.placement_b.id}/edit"
    refused = coordinator.post(path, _form_b(world))
    assert refused.status_code == 200  # the form again
    assert "Student B is under 18 and the school&#39;s rules ask a guardian&#39;s approval" in (
        refused.get_data(as_text=True)
    )
    assert coordinator.post(path, _form_b(world, status="preparing")).status_code == 302
    with app.app_context():
        assert db.session.get(Placement, world.placement_b.id).status is PlacementStatus.PREPARING

    page = coordinator.get(f"/placements/{world.placement_b.id}").get_data(as_text=True)
    assert "Guardian’s approval" in page
    assert "Missing" in page

    recorded = coordinator.post(
        f"/placements/{world.placement_b.id}/guardian-approvals",
        {
            "guardian_name": "Marc B (father)",
            "text_version": "Stage buitenland v2",
            "method": "paper",
            "approved_on": (start - timedelta(days=12)).isoformat(),
        },
    )
    assert recorded.status_code == 302
    page = coordinator.get(f"/placements/{world.placement_b.id}").get_data(as_text=True)
    assert f"by Marc B (father) on {written(start - timedelta(days=12))}" in page
    assert "Signed on paper" in page
    assert coordinator.post(path, _form_b(world)).status_code == 302

    with app.app_context():
        approval = db.session.scalar(select(GuardianApproval))
        assert approval.recorded_by_id == world.coordinator_b.id
    coordinator.post(
        f"/placements/{world.placement_b.id}/guardian-approvals/{approval.id}/revoke",
        {"note": "The mother phoned: not abroad after all."},
    )
    page = coordinator.get(f"/placements/{world.placement_b.id}").get_data(as_text=True)
    assert "Missing" in page
    assert "Revoked on" in page
    assert "not abroad after all" in page
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.startswith("guardian_"))
        ).all()
    assert actions == ["guardian_approval_recorded", "guardian_approval_revoked"]


FLAG = "A guardian’s approval is missing"


@pytest.fixture
def minor_in_preparation(today, app, world, in_english):
    """Student B is 16 and placement B (abroad) starts in two weeks, in preparation."""
    with app.app_context():
        db.session.get(User, world.student_b.id).birth_date = today.replace(
            year=today.year - 16, day=min(today.day, 28)
        )
        placement = db.session.get(Placement, world.placement_b.id)
        placement.status = PlacementStatus.PREPARING
        placement.start_date = today + timedelta(days=14)
        placement.end_date = today + timedelta(days=60)
        db.session.commit()
    return world


def _page(login_as, world, role: str, path: str) -> str:
    response = login_as(world.user(role)).get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "path"),
    [("coach_b", "/"), ("coordinator_b", "/"), ("coordinator_b", "/caseload"), ("admin", "/")],
)
def test_the_school_sees_a_missing_approval_on_its_lists(
    minor_in_preparation, login_as, role, path
):
    page = _page(login_as, minor_in_preparation, role, path)
    assert FLAG in page
    assert f"/placements/{minor_in_preparation.placement_b.id}#guardian-approval" in page


def test_a_placement_in_preparation_is_still_to_come_in_the_caseload(
    minor_in_preparation, login_as
):
    page = _page(login_as, minor_in_preparation, "coach_b", "/")
    upcoming = page[page.index('id="group-upcoming"') :]
    assert "Student B" in upcoming
    assert "In preparation · Starts" in upcoming
    assert "has ended or stopped" not in page


@pytest.mark.parametrize(
    "role", ["mentor_y", "student_b", "coordinator_a", "coach_a", "company_coordinator_x"]
)
def test_no_one_outside_the_school_learns_of_it(minor_in_preparation, login_as, role):
    page = _page(login_as, minor_in_preparation, role, "/")
    assert f"/placements/{minor_in_preparation.placement_b.id}#guardian-approval" not in page
    if role not in ("coordinator_a", "coach_a"):  # School A has its own minor abroad
        assert FLAG not in page


def test_recording_an_approval_clears_the_flag_and_revoking_it_brings_it_back(
    today, app, minor_in_preparation, login_as
):
    world = minor_in_preparation
    coordinator = login_as(world.coordinator_b)
    coordinator.post(
        f"/placements/{world.placement_b.id}/guardian-approvals",
        {
            "guardian_name": "Marc B (father)",
            "text_version": "Stage buitenland v2",
            "method": "paper",
            "approved_on": today.isoformat(),
        },
    )
    for role, path in (("coach_b", "/"), ("coordinator_b", "/"), ("coordinator_b", "/caseload")):
        assert FLAG not in _page(login_as, world, role, path), (role, path)
    with app.app_context():
        approval_id = db.session.scalar(select(GuardianApproval.id))
    coordinator.post(
        f"/placements/{world.placement_b.id}/guardian-approvals/{approval_id}/revoke",
        {"note": "The mother phoned: not abroad after all."},
    )
    assert FLAG in _page(login_as, world, "coach_b", "/")


def test_a_placement_still_in_preparation_after_its_start_needs_attention(
    today, app, minor_in_preparation, login_as
):
    world = minor_in_preparation
    with app.app_context():
        db.session.get(Placement, world.placement_b.id).start_date = today - timedelta(days=3)
        db.session.commit()
    page = _page(login_as, world, "coach_b", "/")
    attention = page[page.index('id="group-attention"') :]
    assert "Student B" in attention
    assert "Still in preparation, 3 days after its start" in attention
    assert FLAG in attention


@pytest.mark.parametrize(
    ("status", "ended_days_ago"),
    [
        (PlacementStatus.COMPLETED, -30),
        (PlacementStatus.STOPPED, -30),
        (PlacementStatus.ACTIVE, 1),
        (PlacementStatus.PREPARING, 1),
    ],
)
def test_a_placement_that_is_over_needs_no_approval_any_more(
    today, app, minor_in_preparation, login_as, status, ended_days_ago
):
    world = minor_in_preparation
    with app.app_context():
        placement = db.session.get(Placement, world.placement_b.id)
        placement.status = status
        placement.start_date = today - timedelta(days=90)
        placement.end_date = today - timedelta(days=ended_days_ago)
        db.session.commit()
    for role, path in (("coordinator_b", "/"), ("coordinator_b", "/caseload")):
        assert FLAG not in _page(login_as, world, role, path), (role, path)


def test_a_bad_approval_is_refused_with_the_text_kept(app, minor_abroad, login_as, in_english):
    world = minor_abroad
    response = login_as(world.coordinator_b).post(
        f"/placements/{world.placement_b.id}/guardian-approvals",
        {
            "guardian_name": "Marc B",
            "text_version": "",
            "method": "paper",
            "approved_on": "2099-01-01",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Marc B"' in page
    assert "This field is required." in page or "Please fill" in page
    with app.app_context():
        assert db.session.scalar(select(GuardianApproval)) is None


def test_only_the_school_sees_the_approval(app, minor_abroad, login_as):
    world = minor_abroad
    for role, sees in (
        ("coordinator_b", True),
        ("coach_b", True),
        ("mentor_y", False),
        ("student_b", False),
    ):
        page = login_as(world.user(role)).get(f"/placements/{world.placement_b.id}")
        assert ('id="guardian-approval"' in page.get_data(as_text=True)) is sees, role


def test_the_date_of_birth_is_kept_for_students_only(app, world, login_as, in_english):
    coordinator = login_as(world.coordinator_a)
    student_page = coordinator.get(f"/admin/people/{world.student_a.id}").get_data(as_text=True)
    assert "Date of birth" in student_page
    admin_page = login_as(world.admin).get(f"/admin/people/{world.mentor_x.id}")
    assert "Date of birth" not in admin_page.get_data(as_text=True)

    future = coordinator.post(
        f"/admin/people/{world.student_a.id}",
        {"name": "Student A", "email": "student@a.example", "birth_date": "2099-01-01"},
    )
    assert "Enter a date of birth in the past." in future.get_data(as_text=True)
    coordinator.post(
        f"/admin/people/{world.student_a.id}",
        {"name": "Student A", "email": "student@a.example", "birth_date": "2010-05-04"},
    )
    with app.app_context():
        assert db.session.get(User, world.student_a.id).birth_date == date(2010, 5, 4)


def test_everyone_is_asked_once_to_read_the_privacy_notice(app, world, login_as, in_english):
    mentor = login_as(world.mentor_x)
    assert "I have read it" in mentor.get("/").get_data(as_text=True)
    assert mentor.post("/privacy/notice").status_code == 302
    assert "I have read it" not in mentor.get("/").get_data(as_text=True)
    with app.app_context():
        person = db.session.get(User, world.mentor_x.id)
        assert person.privacy_notice_version == PRIVACY_NOTICE_VERSION
        assert person.privacy_notice_accepted_at is not None
        assert db.session.scalar(
            select(AuditEvent.action).where(AuditEvent.action == "privacy_notice_accepted")
        )


@pytest.mark.parametrize(
    ("person", "notice"),
    [
        ("student_a", "Your school keeps your log, scores and plan here for its task."),
        ("mentor_x", "The school keeps the log of the learners you guide here"),
        ("coach_a", "Your school keeps its learners' logs, scores and plans here"),
        ("coordinator_a", "Your school keeps its learners' logs, scores and plans here"),
        ("company_coordinator_x", "The schools keep your company's placements here"),
        ("monitor", "The sending school keeps the log of the participants you look after"),
        ("host_coordinator", "The sending schools keep their participants' stays here"),
        ("promoter", "Your consortium keeps its calls, candidates and selection here"),
        ("admin", "You see what the schools keep here only for your task as administrator"),
    ],
)
def test_the_privacy_notice_is_true_for_each_role(world, login_as, in_english, person, notice):
    page = html.unescape(login_as(getattr(world, person)).get("/").get_data(as_text=True))
    assert "I have read it" in page
    assert notice in page
    if person != "student_a":
        assert "keeps your log" not in page


def test_a_dutch_host_is_not_told_the_school_keeps_their_log(world, login_as):
    for person in (world.monitor, world.host_coordinator, world.promoter):
        page = login_as(person).get("/").get_data(as_text=True)
        assert 'id="privacy-notice"' in page
        assert "bewaart hier je logboek" not in page
