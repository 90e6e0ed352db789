"""The privacy registry covers every table and every reference to a person; the privacy
page is generated from it; the access export holds everything about one person and
nothing identifying another student. Who may export whom: test_access.py.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, User
from app.privacy.erasure import REPLACEMENTS, cleared_value
from app.privacy.records import placement_of
from app.privacy.registry import (
    CATEGORIES,
    DECLARATIONS,
    SELF,
    STUDENT,
    Erase,
    Treatment,
    declaration_of,
)
from tests.conftest import attach_file, monday, png_bytes, write_entry

# Columns a school must never keep here (minimisation): national register numbers and
# health data, by the words their names would carry.
FORBIDDEN_COLUMN = re.compile(
    r"national|register_?n|rijksregister|insz|bsn|ssn|social_security|health|medical|"
    r"diagnos|disab|allerg|medication",
    re.IGNORECASE,
)

# Column names that suggest what someone wrote, or who someone is.
PERSONAL_LOOKING = re.compile(
    r"^(?:.*_)?(?:name|e?mail|phone|address|notes?|comment|body|reflection|title|why|success|"
    r"answer|secret|hash|code|birth_date)$"
)


def _account_references(table) -> set[str]:
    return {
        column.name
        for column in table.columns
        for foreign_key in column.foreign_keys
        if foreign_key.column.table.name == "user_account"
    }


# -- the registry -----------------------------------------------------------------------


def test_every_table_is_declared_once(app):
    declared = [declaration.table for declaration in DECLARATIONS]
    assert len(declared) == len(set(declared))
    assert set(declared) == set(db.metadata.tables)


@pytest.mark.parametrize("table_name", sorted(declaration.table for declaration in DECLARATIONS))
def test_every_column_is_declared_once_as_a_reference_personal_data_or_plain(app, table_name):
    table = db.metadata.tables[table_name]
    declaration = declaration_of(table_name)
    assert set(declaration.people) == _account_references(table), (
        f"{table_name}: declare what erasing a person does to each column referring to one"
    )
    declared = [*declaration.people, *declaration.fields, *declaration.plain]
    assert sorted(declared) == sorted(column.name for column in table.columns), (
        f"{table_name}: declare every column once: a reference to a person (people), "
        "personal data (fields: whose, who receives it, what erasure does) or plain"
    )
    if declaration.per_placement:
        assert "placement_id" in table.c or table_name == "placement"


@pytest.mark.parametrize("table_name", sorted(declaration.table for declaration in DECLARATIONS))
def test_every_personal_column_says_whose_it_is_and_what_erasure_does(app, table_name):
    table = db.metadata.tables[table_name]
    declaration = declaration_of(table_name)
    on_a_placement = table_name == "placement" or placement_of(table) is not None
    for name, field in declaration.fields.items():
        assert field.of, f"{table_name}.{name}: say whose data it is"
        for of in field.of:
            assert (
                of in declaration.people
                or (of == STUDENT and on_a_placement)
                or (of == SELF and table_name == "user_account")
            ), f"{table_name}.{name}: {of} names no person"
        if field.shown is not None or field.part is not None:
            assert on_a_placement, f"{table_name}.{name}: the app shows it by its placement"
        if field.erased is Treatment.WITH_ROW:
            assert all(declaration.people.get(of) is Erase.DELETE for of in field.of), (
                f"{table_name}.{name}: its row does not go with each person it is of"
            )
        if field.erased is Treatment.CLEARED:
            cleared_value(table.c[name])  # a column that takes no NULL has a default
        if field.erased is Treatment.REPLACED:
            assert (table_name, name) in REPLACEMENTS, f"{table_name}.{name}: replaced by what?"
    assert len([field for field in declaration.fields.values() if field.file]) <= 1


def test_what_personal_data_looks_like_is_not_declared_plain(app):
    plain = {
        f"{declaration.table}.{column}"
        for declaration in DECLARATIONS
        for column in declaration.plain
        if PERSONAL_LOOKING.search(column)
    }
    # A school's or company's name.
    assert plain == {"organisation.name"}


def test_a_students_export_takes_every_table_of_her_placements_but_others_own(app):
    # A notification is its reader's and a recommendation is for the mentor: they name
    # the placement but are not part of its record; nor is the candidacy that led to a
    # placement abroad (the selection's record).
    not_taken = {
        declaration.table
        for declaration in DECLARATIONS
        if "placement_id" in db.metadata.tables[declaration.table].c
        and not declaration.per_placement
    }
    assert not_taken == {"candidate", "notification", "recommendation"}


def test_only_the_audit_trail_requests_and_confirmed_reports_are_protected_from_erasure(app):
    protected = {
        f"{declaration.table}.{column}"
        for declaration in DECLARATIONS
        for column, erase in declaration.people.items()
        if erase is Erase.PROTECTED
    }
    assert protected == {
        "audit_event.actor_id",
        "privacy_request.subject_id",
        "visit_confirmation.user_id",
    }


def test_no_column_holds_national_numbers_or_health_data(app):
    offending = [
        f"{table.name}.{column.name}"
        for table in db.metadata.tables.values()
        for column in table.columns
        if FORBIDDEN_COLUMN.search(column.name)
    ]
    assert offending == []


# -- the privacy page -------------------------------------------------------------------


def test_the_privacy_page_lists_every_category_before_logging_in(client):
    page = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for category in CATEGORIES:
        assert f">{category.title}</h3>" in page
    assert "Two school years after the placement ends" in page
    assert "Legitimate interest: keeping the platform secure" in page
    assert "stores no national register numbers and no health data" in page


def test_the_privacy_page_is_in_dutch_by_default(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "Privacy: wat Leerspoor over je bijhoudt" in page
    assert ">Trajecten</h3>" in page


# -- the export -------------------------------------------------------------------------


@pytest.fixture
def lived_in_log(start, app, world):
    """Placement A with a week and a photo by the student, a draft of the next week,
    feedback naming her, a visit note for the coach only; placement B's student writes
    too.
    """
    week = write_entry(app, world.placement_a, world.student_a, submit=True)
    photo = attach_file(app, week, world.student_a, png_bytes(colour="red"), "my-work.png")
    draft = write_entry(app, world.placement_a, world.student_a, week=monday(start, 6))
    feedback = write_entry(
        app,
        world.placement_a,
        world.mentor_x,
        "feedback",
        sections={
            "went_well": "Student A measured the panel twice. Well done, Student!",
            "work_on": "asking earlier",
        },
    )
    coach_note = write_entry(
        app,
        world.placement_a,
        world.coach_a,
        "visit_note",
        sections={"body": "a word with the mentor about breaks"},
        coach_only=True,
    )
    write_entry(app, world.placement_b, world.student_b)
    return {
        "week": week,
        "photo": photo,
        "draft": draft,
        "feedback": feedback,
        "coach_note": coach_note,
    }


def _open(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def _rows(files: dict[str, bytes], table: str) -> list[dict]:
    return json.loads(files.get(f"data/{table}.json", b"[]"))


def _export(login_as, user) -> dict[str, bytes]:
    response = login_as(user).post("/privacy/my-data")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return _open(response.get_data())


def _everything(files: dict[str, bytes]) -> str:
    return "\n".join(content.decode("utf-8", "replace") for content in files.values())


def test_a_students_export_holds_her_log_her_files_and_her_people(
    app, world, login_as, lived_in_log
):
    files = _export(login_as, world.student_a)
    [account] = _rows(files, "user_account")
    assert account["email"] == "student@a.example"
    assert "password_hash" not in account
    entries = {row["id"] for row in _rows(files, "log_entry")}
    assert entries == {lived_in_log["week"], lived_in_log["draft"], lived_in_log["feedback"]}
    [attachment] = _rows(files, "attachment")
    assert files[f"files/{lived_in_log['photo']}-my-work.png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert attachment["filename"] == "my-work.png"
    assert {row["name"] for row in json.loads(files["people.json"])} == {
        "Student A",
        "Mentor X",
        "Coach A",
        # her two weeks abroad: the mentor there and the host monitor
        "Mentor ES",
        "Mona Monitor",
    }
    # the feedback about her is hers to read, her name in it too
    assert "Student A measured the panel twice" in _everything(files)
    readme = files["README.txt"].decode()
    assert "Alles wat Leerspoor bijhoudt over Student A" in readme


def test_a_students_export_leaves_out_notes_for_the_coach_only(app, world, login_as, lived_in_log):
    files = _export(login_as, world.student_a)
    assert lived_in_log["coach_note"] not in {row["id"] for row in _rows(files, "log_entry")}
    assert "a word with the mentor about breaks" not in _everything(files)


def test_an_export_identifies_no_other_student(app, world, login_as, lived_in_log):
    for person in (world.student_a, world.mentor_x, world.coach_a):
        everything = _everything(_export(login_as, person))
        assert "Student B" not in everything
        assert "student@b.example" not in everything


def test_a_mentors_export_holds_what_he_wrote_without_the_students_name(
    app, world, login_as, lived_in_log
):
    files = _export(login_as, world.mentor_x)
    entries = {row["id"]: row for row in _rows(files, "log_entry")}
    assert set(entries) == {lived_in_log["feedback"]}
    assert entries[lived_in_log["feedback"]]["sections"]["went_well"] == (
        "[student] measured the panel twice. Well done, [student]!"
    )
    everything = _everything(files)
    assert "Student A" not in everything
    assert "student@a.example" not in everything
    assert "files/" not in "".join(files)


def test_an_export_holds_the_audit_trail_of_the_record(app, world, login_as, lived_in_log):
    login_as(world.admin).post(f"/privacy/people/{world.student_a.id}/export")
    files = _export(login_as, world.student_a)
    exports = [row for row in _rows(files, "audit_event") if row["action"] == "privacy_export"]
    assert [row["actor_id"] for row in exports] == [world.admin.id]


def test_every_export_is_audited_with_who_asked(app, world, login_as, lived_in_log):
    _export(login_as, world.student_a)
    login_as(world.coordinator_a).post(f"/privacy/people/{world.student_a.id}/export")
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "privacy_export").order_by(AuditEvent.id)
        ).all()
        assert [(event.actor_id, event.object_id, event.details["by"]) for event in events] == [
            (world.student_a.id, world.student_a.id, "self"),
            (world.coordinator_a.id, world.student_a.id, "school"),
        ]
        assert events[0].details["files"] == 1
        assert events[0].details["rows"] > 5


def test_the_export_runs_the_same_queries_whatever_the_log_size(
    app, world, login_as, count_queries
):
    browser = login_as(world.student_a)

    def exported_after(notes: int) -> int:
        for number in range(notes):
            write_entry(
                app, world.placement_a, world.coach_a, "visit_note", sections={"body": f"{number}"}
            )
        with count_queries() as counter:
            assert browser.post("/privacy/my-data").status_code == 200
        return counter.count

    exported_after(0)  # the first request of a session loads what later ones reuse
    assert exported_after(2) == exported_after(40)


# -- the command ------------------------------------------------------------------------


def test_the_command_writes_the_export_to_a_file(app, world, runner, tmp_path, lived_in_log):
    output = tmp_path / "lotte.zip"
    result = runner.invoke(
        args=["privacy", "export", "--email", "Student@A.example", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote everything held about Student A to {output}" in result.output
    files = _open(output.read_bytes())
    assert _rows(files, "user_account")[0]["name"] == "Student A"
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy_export"))
        assert event.actor_id is None
        assert event.object_id == world.student_a.id


def test_the_command_refuses_an_unknown_address_and_an_existing_file(app, world, runner, tmp_path):
    result = runner.invoke(
        args=["privacy", "export", "--email", "nobody@example.org", "--output", "x.zip"]
    )
    assert result.exit_code == 1
    assert "No account has the e-mail address nobody@example.org." in result.output
    existing = tmp_path / "kept.zip"
    existing.write_bytes(b"keep me")
    result = runner.invoke(
        args=["privacy", "export", "--email", "student@a.example", "--output", str(existing)]
    )
    assert result.exit_code == 1
    assert "exists already" in result.output
    assert existing.read_bytes() == b"keep me"
    with app.app_context():
        assert db.session.get(User, world.student_a.id) is not None
