"""The audit trail: who opened a record from outside its trio, who changed what, with
their role and the request; ids only; the school reads a placement's trail; on
PostgreSQL the table refuses UPDATE and DELETE. Who may read it: test_access.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app import policy
from app.extensions import db
from app.models import AuditEvent, User
from app.privacy.retention import purge
from tests.conftest import postgres_url, write_entry


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        return events


def test_opening_a_log_from_outside_the_trio_is_recorded(app, world, login_as):
    login_as(world.student_a).get(f"/placements/{world.placement_a.id}/log")
    login_as(world.coach_a).get(f"/placements/{world.placement_a.id}/log")
    assert _events(app, "record_viewed") == []

    response = login_as(world.coordinator_a).get(f"/placements/{world.placement_a.id}/log")
    assert response.status_code == 200
    [event] = _events(app, "record_viewed")
    assert (event.actor_id, event.actor_role) == (world.coordinator_a.id, "coordinator")
    assert (event.object_type, event.object_id) == ("placement", world.placement_a.id)
    assert event.request_id == response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", event.request_id)


def test_a_refused_request_records_no_view(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    # The log is theirs to read but not to write in: the form is refused.
    refused = coordinator.get(f"/placements/{world.placement_a.id}/log/new/feedback")
    assert refused.status_code == 403
    # Another school's placement is not theirs to see at all.
    hidden = login_as(world.coordinator_b).get(f"/placements/{world.placement_a.id}/log")
    assert hidden.status_code == 404
    assert _events(app, "record_viewed") == []


def test_each_permitted_view_is_recorded_once(app, world, login_as):
    coordinator = login_as(world.coordinator_a)
    coordinator.get(f"/placements/{world.placement_a.id}/log")
    coordinator.get(f"/placements/{world.placement_a.id}/development-plan")
    events = _events(app, "record_viewed")
    assert [(e.actor_id, e.object_id) for e in events] == [
        (world.coordinator_a.id, world.placement_a.id)
    ] * 2
    assert len({e.request_id for e in events}) == 2


def test_loading_a_record_writes_nothing(app, world):
    with app.app_context():
        reader = db.session.get(User, world.coordinator_a.id)
        placement = policy.placement_or_404(world.placement_a.id, reader, "view_log")
        assert placement.id == world.placement_a.id
        assert not db.session.new
        assert not db.session.dirty
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced(app, world, login_as):
    admin = login_as(world.admin)
    kept = admin.get(
        f"/placements/{world.placement_a.id}/log", headers={"X-Request-ID": "abcd-1234-ef"}
    )
    assert kept.headers["X-Request-ID"] == "abcd-1234-ef"
    replaced = admin.get("/", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-ID"])
    assert _events(app, "record_viewed")[0].request_id == "abcd-1234-ef"


def test_changes_are_recorded_with_the_part_played_and_no_content(app, world, login_as):
    entry = write_entry(app, world.placement_a, world.mentor_x, "feedback")
    [event] = _events(app, "entry_created")
    assert (event.actor_id, event.actor_role) == (world.mentor_x.id, "mentor")
    assert (event.object_type, event.object_id) == ("logentry", entry)
    assert event.details == {"kind": "feedback"}


def test_the_school_reads_the_trail_of_its_placement(app, world, login_as, in_english):
    write_entry(app, world.placement_a, world.student_a, submit=True)
    coordinator = login_as(world.coordinator_a)
    coordinator.get(f"/placements/{world.placement_a.id}/log")
    page = coordinator.get(f"/placements/{world.placement_a.id}/audit").get_data(as_text=True)
    assert "Wrote an entry" in page
    assert "Opened the record · the placement" in page
    assert "Student A" in page
    assert '<span class="badge">School coordinator</span>' in page
    # the trail of the other placement stays out
    assert page.count('<span class="audit-what">') == 2


def test_the_trail_page_runs_the_same_queries_whatever_its_length(
    app, world, login_as, count_queries
):
    coordinator = login_as(world.coordinator_a)

    def shown_after(entries: int) -> int:
        for _ in range(entries):
            write_entry(app, world.placement_a, world.mentor_x, "feedback")
        with count_queries() as counter:
            assert coordinator.get(f"/placements/{world.placement_a.id}/audit").status_code == 200
        return counter.count

    shown_after(0)
    assert shown_after(2) == shown_after(30)


needs_postgres = pytest.mark.skipif(
    not postgres_url(),
    reason="the append-only trigger is PostgreSQL's; set LEERSPOOR_TEST_DATABASE_URL",
)


@needs_postgres
@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET action = 'nothing'", "DELETE FROM audit_event"],
    ids=["update", "delete"],
)
def test_postgresql_refuses_to_change_or_delete_audit_events(app, world, statement):
    write_entry(app, world.placement_a, world.student_a)
    with app.app_context():
        with pytest.raises(DBAPIError, match="audit events are append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert db.session.scalar(select(AuditEvent.action)) == "entry_created"


@needs_postgres
def test_postgresql_lets_the_retention_job_delete_old_events(app, world):
    write_entry(app, world.placement_a, world.student_a)
    with app.app_context():
        numbers = purge(datetime.now(UTC) + timedelta(days=13 * 365))  # years after
        assert numbers["audit_event"] >= 1
        assert db.session.scalars(select(AuditEvent.action)).all() == [
            "privacy_erasure"  # the outsider, unused for years, erased by this run
        ]
