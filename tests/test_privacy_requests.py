"""Privacy requests: a person asks to be erased, or the school records a request made
by phone; the school answers within a month (erasing, exporting or refusing with a
reason), and every step is audited. Who may open what: test_access.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.dates import local_day
from app.extensions import db
from app.models import (
    AuditEvent,
    PrivacyRequest,
    RequestKind,
    RequestStatus,
    User,
    one_month_after,
)
from app.privacy import services
from tests.conftest import at, write_entry, written


def _requests(app) -> list[PrivacyRequest]:
    with app.app_context():
        requests = db.session.scalars(select(PrivacyRequest).order_by(PrivacyRequest.id)).all()
        db.session.expunge_all()
        return requests


@pytest.mark.parametrize(
    ("asked", "due"),
    [
        (date(2026, 12, 3), date(2027, 1, 3)),  # fixed days: the calendar's rule is the point
        (date(2027, 1, 31), date(2027, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
    ],
)
def test_a_request_is_due_one_month_later(asked, due):
    assert one_month_after(asked) == due


def test_a_student_asks_to_be_erased_and_her_school_sees_it(app, world, login_as, in_english):
    student = login_as(world.student_a)
    page = student.get("/privacy/my-data").get_data(as_text=True)
    assert "School A decides within one month." in page
    response = student.post("/privacy/my-data/erasure", {"note": "I left the programme."})
    assert response.status_code == 302
    page = student.get("/privacy/my-data").get_data(as_text=True)
    assert "Your request is with your school. It answers by" in page
    assert "You asked on" in page
    # asking twice keeps one request
    student.post("/privacy/my-data/erasure", {"note": ""})
    [request] = _requests(app)
    assert request.kind is RequestKind.ERASURE
    assert request.school_id == world.school_a.id
    assert request.note == "I left the programme."
    # a month after the day it was asked on in Brussels (after 23:00 UTC, already tomorrow)
    assert request.due_on == one_month_after(local_day(request.requested_at))

    listing = login_as(world.coordinator_a).get("/privacy/requests").get_data(as_text=True)
    assert "Erasure of their data: Student A" in listing
    other_school = login_as(world.coordinator_b).get("/privacy/requests").get_data(as_text=True)
    assert "Student A" not in other_school
    assert "No open requests." in other_school
    home = login_as(world.coordinator_a).get("/admin/").get_data(as_text=True)
    assert '<p class="count">1</p>' in home


def test_an_overdue_request_is_marked(app, world, login_as, in_english):
    with app.app_context():
        services.file_request(
            db.session.get(User, world.coordinator_a.id),
            db.session.get(User, world.student_a.id),
            RequestKind.ACCESS,
            "the father, by letter",
            at(world.placement_a.start_date, 9),
        )
    coordinator = login_as(world.coordinator_a)
    assert '<span class="badge overdue">Overdue</span>' in coordinator.get(
        "/privacy/requests"
    ).get_data(as_text=True)
    assert "1 overdue" in coordinator.get("/admin/").get_data(as_text=True)


def test_the_coordinator_erases_after_confirming_and_is_told_what_was_kept(
    app, world, login_as, in_english
):
    write_entry(app, world.placement_a, world.student_a, submit=True)
    login_as(world.student_a).post("/privacy/my-data/erasure", {"note": ""})
    [request] = _requests(app)
    coordinator = login_as(world.coordinator_a)

    unconfirmed = coordinator.post(f"/privacy/requests/{request.id}/erase", {})
    assert unconfirmed.status_code == 422
    assert "Tick this to confirm." in unconfirmed.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, world.student_a.id).name == "Student A"

    done = coordinator.post(f"/privacy/requests/{request.id}/erase", {"confirmed": "y"})
    assert done.status_code == 302
    page = coordinator.get(f"/privacy/requests/{request.id}").get_data(as_text=True)
    assert "The data are erased." in page
    assert "Kept as the school&#39;s record: Audit trail:" in page
    assert "(Three years after the event.)" in page
    [request] = _requests(app)
    assert request.status is RequestStatus.DONE
    assert request.answered_by_id == world.coordinator_a.id
    with app.app_context():
        assert db.session.get(User, world.student_a.id).name == f"#{world.student_a.id}"

    again = coordinator.post(f"/privacy/requests/{request.id}/erase", {"confirmed": "y"})
    assert again.status_code == 302
    assert "This request was answered already." in coordinator.get(
        again.headers["Location"]
    ).get_data(as_text=True)


def test_a_refusal_needs_a_reason_and_changes_nothing_else(start, app, world, login_as, in_english):
    login_as(world.student_a).post("/privacy/my-data/erasure", {"note": ""})
    [request] = _requests(app)
    coordinator = login_as(world.coordinator_a)
    empty = coordinator.post(f"/privacy/requests/{request.id}/refuse", {"reason": " "})
    assert empty.status_code == 422
    assert "Say why: the person has a right to know." in empty.get_data(as_text=True)
    coordinator.post(
        f"/privacy/requests/{request.id}/refuse",
        {"reason": f"The assessment is kept until {written(start + timedelta(days=730))}."},
    )
    [request] = _requests(app)
    assert request.status is RequestStatus.REFUSED
    assert request.answer == f"The assessment is kept until {written(start + timedelta(days=730))}."
    with app.app_context():
        assert db.session.get(User, world.student_a.id).name == "Student A"


def test_a_request_by_phone_is_recorded_and_answered_by_the_export(
    app, world, login_as, in_english
):
    coordinator = login_as(world.coordinator_a)
    missing = coordinator.post(
        f"/privacy/people/{world.student_a.id}/requests", {"kind": "access", "note": ""}
    )
    assert missing.status_code == 302
    assert _requests(app) == []
    coordinator.post(
        f"/privacy/people/{world.student_a.id}/requests",
        {"kind": "access", "note": "the mother, by phone"},
    )
    [request] = _requests(app)
    assert request.requested_by_id == world.coordinator_a.id
    page = coordinator.get(f"/privacy/requests/{request.id}").get_data(as_text=True)
    assert "recorded by Cor A" in page
    assert "the mother, by phone" in page
    exported = coordinator.post(f"/privacy/people/{world.student_a.id}/export")
    assert exported.mimetype == "application/zip"
    [request] = _requests(app)
    assert request.status is RequestStatus.DONE


def test_every_step_is_audited(app, world, login_as):
    login_as(world.student_a).post("/privacy/my-data/erasure", {"note": ""})
    [request] = _requests(app)
    login_as(world.coordinator_a).post(
        f"/privacy/requests/{request.id}/refuse", {"reason": "kept for the assessment"}
    )
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "privacyrequest")
        ).all()
    assert actions == ["privacy_request", "privacy_request_answered"]
