"""Erasing a person: their own content and files go, their name leaves what others
wrote, the account is anonymised and its sessions end, the school's protected record
stays and the answer says so; a second erasure changes nothing, and the ledger erases
again whoever an older backup brings back.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth.services import record_login
from app.extensions import db
from app.followup.entries import add_comment
from app.models import Attachment, AuditEvent, LogEntry, ModuleProgress, User
from app.privacy import ledger
from app.privacy.erasure import erase_person, reapply_ledger
from app.storage import file_storage
from tests.conftest import PASSWORD, TOTP_SECRET, attach_file, png_bytes, write_entry
from tests.test_plans import add_goal

NOW = datetime.now(UTC)  # the moment of the erasures: when the tests run


@pytest.fixture
def lived_in_log(app, world):
    """Placement A: the student's week with a photo and her goal; the mentor's feedback
    naming her and his comment under her week; the coach's note naming the mentor.
    """
    week = write_entry(app, world.placement_a, world.student_a, submit=True)
    photo = attach_file(app, week, world.student_a, png_bytes(colour="red"), "lotte.png")
    feedback = write_entry(
        app,
        world.placement_a,
        world.mentor_x,
        "feedback",
        sections={"went_well": "Student A measured twice.", "work_on": "ask Mentor X sooner"},
    )
    note = write_entry(
        app,
        world.placement_a,
        world.coach_a,
        "visit_note",
        sections={"body": "Talked with Mentor X (mentor@x.example) and Student A."},
    )
    goal = add_goal(app, world)
    with app.app_context():
        add_comment(
            db.session.get(LogEntry, week),
            db.session.get(User, world.mentor_x.id),
            "Good week, Student A.",
        )
        db.session.add(ModuleProgress(user_id=world.mentor_x.id, module_id="first-day"))
        record_login(db.session.get(User, world.student_a.id))  # her audit trail
        db.session.commit()
        key = db.session.get(Attachment, photo).storage_key
    write_entry(app, world.placement_b, world.student_b)
    return {"week": week, "feedback": feedback, "note": note, "goal": goal, "photo_key": key}


def _erase(app, person, actor=None):
    with app.app_context():
        return erase_person(
            db.session.get(User, actor.id) if actor else None,
            db.session.get(User, person.id),
            NOW,
        )


def _dump(app) -> str:
    """Every value of every table, as text."""
    with app.app_context():
        lines = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table).order_by(*table.primary_key)):
                lines.append(f"{table.name}: {tuple(row)}")
        return "\n".join(lines)


def _fingerprint(app) -> str:
    return hashlib.sha256(_dump(app).encode()).hexdigest()


def test_after_erasure_no_table_or_file_holds_the_student(app, world, lived_in_log):
    report = _erase(app, world.student_a, actor=world.coordinator_a)
    dump = _dump(app)
    assert "Student A" not in dump
    assert "student@a.example" not in dump
    assert "lotte.png" not in dump
    with app.app_context():
        assert not file_storage().exists(lived_in_log["photo_key"])
    assert report.files == 1
    # the other student is untouched
    assert "Student B" in dump


def test_her_own_writing_goes_and_what_others_wrote_stays_without_her_name(
    app, world, lived_in_log
):
    report = _erase(app, world.student_a)
    with app.app_context():
        assert db.session.get(LogEntry, lived_in_log["week"]) is None
        feedback = db.session.get(LogEntry, lived_in_log["feedback"])
        assert feedback.sections["went_well"] == "[removed] measured twice."
        assert feedback.version == 2  # a form still open on the old text is now stale
        note = db.session.get(LogEntry, lived_in_log["note"])
        assert note.sections["body"] == "Talked with Mentor X (mentor@x.example) and [removed]."
    assert report.deleted["log_entry"] == 1
    assert report.deleted["entry_comment"] == 1  # the mentor's comment under her week
    assert report.deleted["goal"] == 1
    assert report.cleaned["log_entry"] == 2


def test_the_account_is_anonymised_and_every_session_ends(app, world, login_as, lived_in_log):
    browser = login_as(world.student_a)
    _erase(app, world.student_a)
    with app.app_context():
        person = db.session.get(User, world.student_a.id)
        assert person.name == f"#{person.id}"
        assert person.email.endswith("@leerspoor.invalid")
        assert not person.active
        assert not person.has_password
        assert person.memberships == []
    response = browser.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_erasure_clears_the_date_of_birth_and_the_second_factor(app, world, lived_in_log):
    with app.app_context():
        person = db.session.get(User, world.student_a.id)
        person.birth_date = date.today() - timedelta(days=16 * 365)
        person.locale = "en"
        person.totp_secret = TOTP_SECRET
        person.totp_confirmed_at = datetime.now(UTC)
        db.session.commit()
    _erase(app, world.student_a)
    with app.app_context():
        person = db.session.get(User, world.student_a.id)
        assert person.birth_date is None
        assert person.locale is None
        assert (person.totp_secret, person.totp_confirmed_at, person.totp_last_step) == (
            None,
            None,
            None,
        )
        assert person.privacy_notice_version == ""


def test_a_link_sent_before_the_erasure_no_longer_works(app, world, login_as, outbox):
    browser = login_as(world.student_a)
    browser.get("/account")
    response = browser.post(
        "/account/email",
        {"email-email": "lotte.new@a.example", "email-current_password": PASSWORD},
    )
    assert response.status_code == 302
    link = outbox.link(outbox.messages[0])
    _erase(app, world.student_a)
    browser.get(link)
    browser.post(link)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "lotte.new@a.example")) is None


def test_a_mentors_writing_on_a_students_placement_is_kept_as_the_schools_record(
    app, world, lived_in_log
):
    report = _erase(app, world.mentor_x)
    with app.app_context():
        feedback = db.session.get(LogEntry, lived_in_log["feedback"])
        assert feedback is not None
        assert feedback.sections["work_on"] == "ask [removed] sooner"
        note = db.session.get(LogEntry, lived_in_log["note"])
        assert note.sections["body"] == "Talked with [removed] ([removed]) and Student A."
        assert db.session.scalars(select(ModuleProgress)).all() == []
    assert report.kept["log_entry"] == 1
    assert report.kept["entry_comment"] == 1
    assert report.deleted["module_progress"] == 1
    dump = _dump(app)
    assert "Mentor X" not in dump
    assert "mentor@x.example" not in dump


def test_the_audit_trail_stays_by_id_and_records_the_erasure(app, world, lived_in_log):
    report = _erase(app, world.student_a, actor=world.coordinator_a)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy_erasure"))
        assert event.actor_id == world.coordinator_a.id
        assert event.object_id == world.student_a.id
        assert event.details["files"] == 1
    assert {category.key for category in report.kept_by_category} >= {"audit"}


def test_erasing_again_changes_nothing(app, world, lived_in_log):
    _erase(app, world.student_a)
    before = _fingerprint(app)
    report = _erase(app, world.student_a)
    assert report.already_erased
    assert _fingerprint(app) == before
    with app.app_context():
        assert [entry["user_id"] for entry in ledger.entries()] == [world.student_a.id]


def test_the_ledger_erases_again_whom_an_older_backup_brings_back(app, world, lived_in_log):
    _erase(app, world.student_a)
    with app.app_context():
        # what restoring yesterday's backup would bring back
        person = db.session.get(User, world.student_a.id)
        person.name, person.email, person.active = "Student A", "student@a.example", True
        db.session.commit()
        assert reapply_ledger(NOW) == [world.student_a.id]
        assert reapply_ledger(NOW) == []
    assert "Student A" not in _dump(app)


def test_the_command_asks_before_erasing_and_says_what_is_kept(app, world, runner, lived_in_log):
    refused = runner.invoke(args=["privacy", "erase", "--email", "student@a.example"], input="n\n")
    assert refused.exit_code == 1
    assert "Erase Student A <student@a.example>?" in refused.output
    assert "Student A" in _dump(app)

    result = runner.invoke(args=["privacy", "erase", "--email", "student@a.example", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Erased Student A:" in result.output
    assert f"the account is now #{world.student_a.id}." in result.output
    assert "Kept as the school's record:" in result.output
    assert "(Three years after the event.)" in result.output
    assert "Student A" not in _dump(app)

    again = runner.invoke(args=["privacy", "erase", "--email", "student@a.example", "--yes"])
    assert again.exit_code == 1
    assert "No account has the e-mail address student@a.example." in again.output
