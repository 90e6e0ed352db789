"""The data model on the real database: constraints, e-mail rules, UTC timestamps."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    AuditEvent,
    Membership,
    Organisation,
    OrganisationKind,
    Placement,
    PlacementKind,
    Role,
    User,
)

pytestmark = pytest.mark.usefixtures("app_ctx")


def test_email_is_stored_lowercase_and_unique_regardless_of_case(world):
    db.session.add(User(email="  Mentor@X.EXAMPLE ", name="Copy"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    user = User(email="New.Person@Example.ORG", name="New")
    db.session.add(user)
    db.session.commit()
    assert user.email == "new.person@example.org"


def test_timestamps_come_back_in_utc(world):
    brussels = timezone(timedelta(hours=1))
    event = AuditEvent(
        action="test", object_type="", at=datetime(2026, 1, 5, 9, 0, tzinfo=brussels)
    )
    db.session.add(event)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(AuditEvent, event.id)
    assert stored.at == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert stored.at.tzinfo is not None


def test_naive_timestamps_are_refused(world):
    db.session.add(AuditEvent(action="x", object_type="", at=datetime(2026, 1, 5, 9, 0)))  # noqa: DTZ001
    with pytest.raises(Exception, match="timezone-aware"):
        db.session.commit()
    db.session.rollback()


def test_foreign_keys_are_enforced(world):
    db.session.add(Membership(user_id=999_999, organisation_id=world.school_a.id, role=Role.COACH))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_placement_cannot_end_before_it_starts(world):
    placement = db.session.get(Placement, world.placement_a.id)
    placement.end_date = placement.start_date - timedelta(days=1)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_only_admins_have_a_membership_without_organisation(world):
    db.session.add(Membership(user_id=world.outsider.id, organisation_id=None, role=Role.COACH))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_same_role_twice_in_one_organisation_is_refused(world):
    db.session.add(
        Membership(user_id=world.coach_a.id, organisation_id=world.school_a.id, role=Role.COACH)
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_user_can_hold_roles_in_several_organisations(world):
    user = db.session.get(User, world.mentor_x.id)
    user.memberships.append(Membership(organisation_id=world.company_y.id, role=Role.MENTOR))
    db.session.commit()
    assert user.organisation_ids(Role.MENTOR) == {world.company_x.id, world.company_y.id}


def test_sqlite_connections_wait_and_use_wal(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite connection settings")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000


def test_placement_phase_follows_the_dates(world):
    placement = db.session.get(Placement, world.placement_a.id)
    assert placement.phase_on(placement.start_date - timedelta(days=1)) == "upcoming"
    assert placement.phase_on(placement.start_date) == "running"
    assert placement.phase_on(placement.end_date) == "running"
    assert placement.phase_on(placement.end_date + timedelta(days=1)) == "ended"


def test_enums_are_stored_as_plain_text(world):
    kinds = db.session.execute(text("SELECT kind FROM placement ORDER BY id")).scalars().all()
    assert kinds == ["dual_learning", "bbl", "mobility_abroad"]
    org = db.session.scalar(
        select(Organisation).where(Organisation.kind == OrganisationKind.SCHOOL)
    )
    assert org.kind is OrganisationKind.SCHOOL
    assert PlacementKind("bbl") is PlacementKind.BBL


def test_a_second_writer_waits_for_the_first_instead_of_failing(app, world):
    """Two web processes writing at once: the second waits for the lock, then succeeds."""
    engine = db.engine
    holding = threading.Event()

    def hold_the_write_lock():
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE organisation SET city = 'Gent' WHERE id = :id"),
                {"id": world.school_a.id},
            )
            holding.set()
            time.sleep(0.5)

    writer = threading.Thread(target=hold_the_write_lock)
    writer.start()
    holding.wait(5)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE organisation SET city = 'Brugge' WHERE id = :id"),
            {"id": world.school_a.id},
        )
    writer.join()
    assert db.session.get(Organisation, world.school_a.id).city == "Brugge"
