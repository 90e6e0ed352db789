"""Retention: a placement's record goes on 1 September after the school's number of
school years since it ended (the day before nothing, the day after everything), per
category; notifications, the audit trail and unused accounts go after their own
periods; a missed run is made up and a second run finds nothing. Who may set the
periods: test_access.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Attachment,
    AuditEvent,
    Goal,
    LogEntry,
    MembershipInvitation,
    Notification,
    Placement,
    RetentionPeriod,
    Role,
    SchoolSettings,
    User,
)
from app.privacy.retention import kept_until, purge
from app.scheduling.jobs import job_named
from app.scheduling.runs import run_job
from app.storage import file_storage
from tests.conftest import attach_file, write_entry
from tests.test_plans import add_goal


@pytest.fixture
def year_end(today) -> int:
    """The year in which this school year ends (on 31 August)."""
    return today.year + 1 if today.month >= 9 else today.year


@pytest.fixture
def day_before(year_end) -> datetime:
    """The last day both placements are kept: they ended this school year, kept two more."""
    return datetime(year_end + 2, 8, 31, 10, tzinfo=UTC)


@pytest.fixture
def day_after(year_end) -> datetime:
    return datetime(year_end + 2, 9, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("end", "years", "last_day"),
    [
        (date(2027, 6, 30), 2, date(2029, 8, 31)),
        (date(2027, 8, 31), 2, date(2029, 8, 31)),
        (date(2027, 9, 1), 2, date(2030, 8, 31)),
        (date(2027, 1, 20), 1, date(2028, 8, 31)),
    ],
)
def test_a_placement_is_kept_whole_school_years_after_it_ends(end, years, last_day):
    """Fixed days: the school year's turn on 1 September is the point, not today."""
    assert kept_until(end, years) == last_day


@pytest.fixture
def ended_log(app, world, year_end):
    """Placement A's log with a photo and a goal; placement B with a week. The three
    placements end in this school year: A on 30 June, B on its last day, 31 August, and
    student A's two weeks abroad (at School A, as A) in the second half of June.
    """
    week = write_entry(app, world.placement_a, world.student_a, submit=True)
    photo = attach_file(app, week, world.student_a)
    add_goal(app, world)
    write_entry(app, world.placement_b, world.student_b)
    with app.app_context():
        db.session.get(Placement, world.placement_a.id).end_date = date(year_end, 6, 30)
        db.session.get(Placement, world.placement_b.id).end_date = date(year_end, 8, 31)
        mobility = db.session.get(Placement, world.placement_m.id)
        mobility.start_date, mobility.end_date = date(year_end, 6, 17), date(year_end, 6, 28)
        db.session.commit()
        return {"week": week, "photo_key": db.session.get(Attachment, photo).storage_key}


def _count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def _purge(app, now: datetime) -> dict[str, int]:
    with app.app_context():
        return purge(now)


def _set_years(app, school, **years) -> None:
    with app.app_context():
        for category, value in years.items():
            db.session.add(RetentionPeriod(school_id=school.id, category=category, years=value))
        db.session.commit()


def test_the_day_before_nothing_goes_and_the_day_after_the_whole_record(
    day_after, day_before, app, world, ended_log
):
    numbers = _purge(app, day_before)
    assert "log_entry" not in numbers
    assert "placement" not in numbers
    assert _count(app, LogEntry) == 2
    assert _count(app, Placement) == 3

    numbers = _purge(app, day_after)
    assert numbers["placement"] == 3
    assert numbers["log_entry"] == 2
    assert numbers["goal"] == 1
    assert numbers["files"] == 1
    assert _count(app, LogEntry) == 0
    assert _count(app, Goal) == 0
    assert _count(app, Placement) == 0
    with app.app_context():
        assert not file_storage().exists(ended_log["photo_key"])
        # the people stay: they still belong to their school or company
        assert db.session.get(User, world.student_a.id).name == "Student A"


def test_each_school_keeps_each_category_as_long_as_it_set(day_after, app, world, ended_log):
    _set_years(app, world.school_a, log=2, assessment=2, plan=3, visits=2, placement=3)
    _set_years(app, world.school_b, log=3, assessment=3, plan=3, visits=3, placement=3)
    _purge(app, day_after)
    assert _count(app, LogEntry, placement_id=world.placement_a.id) == 0
    assert _count(app, Goal) == 1  # A's plan: three years
    assert _count(app, Placement) == 3
    assert _count(app, LogEntry, placement_id=world.placement_b.id) == 1

    _purge(app, day_after.replace(year=day_after.year + 1))
    assert _count(app, Goal) == 0
    assert _count(app, Placement) == 0


def test_a_missed_run_is_made_up_and_a_second_run_finds_nothing(day_after, app, world, ended_log):
    late = day_after + timedelta(days=136)
    assert _purge(app, late)["placement"] == 3
    assert _purge(app, late) == {"files": 0, "accounts_erased": 0}


def test_notifications_the_audit_trail_and_unused_accounts_go_after_their_periods(
    app, world, ended_log
):
    with app.app_context():
        written = db.session.scalar(select(func.min(Notification.created_at)))
        db.session.add(AuditEvent(actor_id=None, action="old", object_type="", at=written))
        db.session.commit()
    assert _count(app, Notification) > 0
    # a year later: the notifications; the outsider, who belongs nowhere, is erased
    now = datetime.now(UTC)
    numbers = _purge(app, now + timedelta(days=378))
    assert _count(app, Notification) == 0
    assert numbers["accounts_erased"] == 1
    with app.app_context():
        assert db.session.get(User, world.outsider.id).name == f"#{world.outsider.id}"
        assert db.session.get(User, world.mentor_x.id).name == "Mentor X"
    assert _count(app, AuditEvent, action="old") == 1
    # three years later: the audit event
    _purge(app, now + timedelta(days=3 * 365 + 13))
    assert _count(app, AuditEvent, action="old") == 0


def test_the_retention_job_records_what_it_deleted(day_after, app, world, ended_log):
    with app.app_context():
        run = run_job(job_named("retention"), day_after)
        assert run.summary["placement"] == 3


# -- the page ---------------------------------------------------------------------------


def test_a_coordinator_sets_how_long_the_school_keeps_its_placements(
    app, world, login_as, in_english
):
    coordinator = login_as(world.coordinator_a)
    page = coordinator.get(f"/privacy/schools/{world.school_a.id}/settings")
    assert 'value="2"' in page.get_data(as_text=True)
    response = coordinator.post(
        f"/privacy/schools/{world.school_a.id}/settings",
        {
            "guardian_approval": "all",
            "log": "3",
            "assessment": "5",
            "plan": "3",
            "visits": "3",
            "placement": "5",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(RetentionPeriod)).all()
        assert {row.category: row.years for row in rows} == {
            "log": 3,
            "assessment": 5,
            "plan": 3,
            "visits": 3,
            "placement": 5,
        }
        assert db.session.get(SchoolSettings, world.school_a.id).guardian_approval == "all"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"log": "3", "assessment": "2", "plan": "2", "visits": "2", "placement": "2"},
            "Keep the placement at least as long as its log, scores, plan and visits.",
        ),
        (
            {"log": "0", "assessment": "2", "plan": "2", "visits": "2", "placement": "2"},
            "Enter a whole number from 1 to 10.",
        ),
        (
            {"log": "two", "assessment": "2", "plan": "2", "visits": "2", "placement": "2"},
            "Enter a whole number from 1 to 10.",
        ),
    ],
)
def test_bad_periods_are_refused_with_a_message_and_nothing_changes(
    app, world, login_as, in_english, values, message
):
    response = login_as(world.coordinator_a).post(
        f"/privacy/schools/{world.school_a.id}/settings", {"guardian_approval": "abroad", **values}
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(app, RetentionPeriod) == 0


def test_the_purge_command_says_what_it_deleted(day_after, app, world, runner, ended_log):
    day = day_after.date()
    result = runner.invoke(args=["privacy", "purge", "--at", f"{day}T12:00"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Purged at {day}T10:00:00+00:00: ")
    assert "3 placement" in result.output
    assert "1 files deleted; 1 unused accounts erased." in result.output
    assert _count(app, Placement) == 0


def test_an_invitation_nobody_answered_in_time_goes_the_night_after_it_expired(app, world):
    now = datetime.now(UTC)
    with app.app_context():
        for user, expires in (
            (world.student_a, now - timedelta(hours=1)),
            (world.coach_a, now + timedelta(days=3)),
        ):
            db.session.add(
                MembershipInvitation(
                    user_id=user.id,
                    organisation_id=world.school_b.id,
                    role=Role.STUDENT,
                    invited_by_id=world.coordinator_b.id,
                    expires_at=expires,
                )
            )
        db.session.commit()
    numbers = _purge(app, now)
    assert numbers["membership_invitation"] == 1
    with app.app_context():
        left = db.session.scalars(select(MembershipInvitation.user_id)).all()
    assert left == [world.coach_a.id]
