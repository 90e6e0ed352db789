"""`leerspoor backup` and `leerspoor restore`: a round trip of the demo world with its
files gives the same rows and the same bytes; a restore refuses, changing nothing, what
it cannot do whole.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, func, inspect, select, text
from sqlalchemy.engine import make_url

from app import MIGRATIONS, create_app
from app.auth.sessions import session_started
from app.backup import snapshots
from app.extensions import db
from app.followup.evidence import add_attachment
from app.models import Attachment, AuditEvent, LogEntry, User
from app.privacy.erasure import erase_person
from config import TestingConfig
from tests.conftest import (
    Browser,
    attach_file,
    build_world,
    png_bytes,
    postgres_url,
    reset_postgres_schema,
    write_entry,
)

HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()  # the newest revision
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# Read once: making a SQLite app removes the variable for the rest of a test.
POSTGRES_URL = postgres_url()
needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="no PostgreSQL server configured (set LEERSPOOR_TEST_DATABASE_URL)"
)
BACKENDS = [
    pytest.param(None, id="sqlite"),
    pytest.param(POSTGRES_URL, id="postgresql", marks=needs_postgres),
]


@pytest.fixture
def make_app(tmp_path, monkeypatch):
    """Apps with an instance folder each. On SQLite each has its own database file; on
    PostgreSQL they share the test database, emptied when an app is made with `empty`.
    """
    made = []

    def make(name: str, database_url: str | None = None, *, empty: bool = True):
        monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path / name))
        if database_url:
            monkeypatch.setenv("LEERSPOOR_TEST_DATABASE_URL", database_url)
        else:
            monkeypatch.delenv("LEERSPOOR_TEST_DATABASE_URL", raising=False)
        for app in made:  # one app at a time holds connections to the database
            close(app)
        app = create_app(TestingConfig)
        if empty and database_url:
            with app.app_context():
                reset_postgres_schema()
        made.append(app)
        return app

    yield make
    for app in made:
        close(app)


def close(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def invoke(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def contents(app) -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 over its rows in primary-key order, read
    through the models' column types (independently of the code under test).
    """
    with app.app_context():
        names = set(inspect(db.engine).get_table_names())
        tables = {table.name: table for table in db.metadata.sorted_tables}
        if "alembic_version" in names:
            tables["alembic_version"] = Table(
                "alembic_version", MetaData(), autoload_with=db.engine
            )
        assert names == set(tables), "every table in the database is compared"
        found = {}
        for name, table in tables.items():
            order = list(table.primary_key.columns) or list(table.columns)
            rows = [tuple(row) for row in db.session.execute(select(table).order_by(*order))]
            found[name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        db.session.remove()
    return found


def table_names(app) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def uploaded_files(app) -> dict[str, str]:
    """The SHA-256 of every file in the app's upload folder, by name."""
    root = Path(app.config["UPLOAD_PATH"])
    if not root.is_dir():
        return {}
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in root.iterdir()}


def attach_evidence(app, files: list[tuple[str, bytes]]) -> list[int]:
    """Attach each (name, bytes) to a log entry, as the entry's author; the attachments' ids."""
    with app.app_context():
        entries = db.session.scalars(select(LogEntry).order_by(LogEntry.id).limit(len(files)))
        ids = [
            add_attachment(entry, entry.author, name, io.BytesIO(data)).id
            for entry, (name, data) in zip(entries, files, strict=True)
        ]
        db.session.remove()
    return ids


def logged_in(app, user_id: int) -> Browser:
    with app.app_context():
        session_id = db.session.get(User, user_id).get_id()
    browser = Browser(app.test_client())
    with browser.client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
        session.update(session_started(second_factor_done=True))
    return browser


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))


def rewrite(archive: Path, target: Path, *, manifest=None, member=None, extra=None) -> Path:
    """A copy of `archive` with its manifest changed by `manifest(dict)`, the bytes of
    one member changed by `member(name, bytes)`, or an `extra` (name, bytes) added.
    """
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copy:
        for info in source.getmembers():
            data = source.extractfile(info).read()
            if info.name == "manifest.json" and manifest:
                described = json.loads(data)
                manifest(described)
                data = json.dumps(described).encode()
            elif member:
                data = member(info.name, data)
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
        if extra:
            info = tarfile.TarInfo(extra[0])
            info.size = len(extra[1])
            copy.addfile(info, io.BytesIO(extra[1]))
    return target


# -- the round trip ---------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS)
def test_the_demo_world_and_its_files_come_back_identical(make_app, tmp_path, database_url):
    source = make_app("source", database_url)
    assert invoke(source, "demo").exit_code == 0
    demo_files = len(uploaded_files(source))  # the mobility files' insurance certificates
    evidence = [
        ("werkplek.png", png_bytes((40, 30), "orange")),
        ("verslag.pdf", PDF),
        ("planning.png", png_bytes((8, 8), "blue")),
    ]
    attachment_ids = attach_evidence(source, evidence)
    before, files = contents(source), uploaded_files(source)
    assert before["attachment"][0] == 3
    assert len(files) == demo_files + 3
    assert before["log_entry"][0] > 0
    archive = tmp_path / "leerspoor.tar"

    backup = invoke(source, "backup", str(archive))
    assert backup.exit_code == 0, backup.output
    assert f"{demo_files + 3} uploaded files" in backup.output
    manifest = manifest_of(archive)
    assert manifest["alembic_revision"] == HEAD
    assert {name: table["rows"] for name, table in manifest["tables"].items()} == {
        name: rows for name, (rows, _checksum) in before.items()
    }
    assert {key: file["sha256"] for key, file in manifest["uploads"].items()} == files

    target = make_app("target", database_url)
    assert table_names(target) == set()
    restore = invoke(target, "restore", str(archive))
    assert restore.exit_code == 0, restore.output
    assert contents(target) == before
    assert uploaded_files(target) == files

    # The restored app goes on: it serves the evidence, and new rows get new ids.
    with target.app_context():
        attachment = db.session.get(Attachment, attachment_ids[1])
        path = (
            f"/placements/{attachment.entry.placement_id}/log/{attachment.entry_id}"
            f"/attachments/{attachment.id}"
        )
        uploader_id = attachment.uploader_id
    served = logged_in(target, uploader_id).get(path)
    assert served.status_code == 200
    assert served.data == PDF
    [added] = attach_evidence(target, [("nieuw.png", png_bytes())])
    assert added > max(attachment_ids)


@pytest.mark.parametrize("database_url", BACKENDS)
def test_restore_goes_into_a_database_that_leerspoor_init_made(make_app, tmp_path, database_url):
    source = make_app("source", database_url)
    with source.app_context():
        upgrade()
        build_world()
    before = contents(source)
    archive = tmp_path / "leerspoor.tar.gz"
    assert invoke(source, "backup", str(archive)).exit_code == 0

    target = make_app("target", database_url)
    assert invoke(target, "init").exit_code == 0
    restore = invoke(target, "restore", str(archive))
    assert restore.exit_code == 0, restore.output
    assert contents(target) == before


@pytest.mark.parametrize("database_url", BACKENDS)
def test_a_backup_taken_while_the_app_writes_is_consistent(make_app, tmp_path, database_url):
    """A writer commits pairs of rows while the backup runs: the snapshot holds whole
    pairs only, and exactly the rows its manifest counts.
    """
    source = make_app("source", database_url)
    with source.app_context():
        upgrade()
    committed: list[int] = []
    stop = threading.Event()

    def write_pairs() -> None:
        with source.app_context():
            while not stop.is_set():
                pair = len(committed) + 1
                db.session.add_all(
                    AuditEvent(action="pair", object_type="test", object_id=pair) for _ in "ab"
                )
                db.session.commit()
                committed.append(pair)
            db.session.remove()

    writer = threading.Thread(target=write_pairs)
    writer.start()
    try:
        while len(committed) < 20:
            time.sleep(0.01)
        archive = tmp_path / "leerspoor.tar"
        before = len(committed)
        backup = invoke(source, "backup", str(archive))
        during = len(committed) - before
    finally:
        stop.set()
        writer.join()
    assert backup.exit_code == 0, backup.output
    assert during > 0, "the app wrote while the backup ran"
    in_backup = manifest_of(archive)["tables"]["audit_event"]["rows"]
    assert 2 * before <= in_backup < 2 * len(committed)

    target = make_app("target", database_url)
    assert invoke(target, "restore", str(archive)).exit_code == 0
    with target.app_context():
        sizes = db.session.execute(
            select(AuditEvent.object_id, func.count()).group_by(AuditEvent.object_id)
        ).all()
        db.session.remove()
    assert {count for _pair, count in sizes} == {2}
    assert 2 * len(sizes) == in_backup


def test_an_older_backup_is_upgraded_to_the_newest_schema(make_app, tmp_path):
    source = make_app("source")
    with source.app_context():
        upgrade(revision="a6447aabf181")  # before reminders and job runs (0007)
        db.session.execute(
            text(
                "INSERT INTO organisation (name, kind, city, country, created_at) "
                "VALUES ('Oude School', 'school', 'Gent', 'BE', '2025-09-01 08:00:00')"
            )
        )
        db.session.commit()
    archive = tmp_path / "old.tar"
    assert invoke(source, "backup", str(archive)).exit_code == 0
    assert manifest_of(archive)["alembic_revision"] == "a6447aabf181"

    target = make_app("target")
    restore = invoke(target, "restore", str(archive))
    assert restore.exit_code == 0, restore.output
    assert f"Schema upgraded from revision a6447aabf181 to {HEAD}" in restore.output
    with target.app_context():
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        assert "job_run" in inspect(db.engine).get_table_names()
        assert db.session.execute(text("SELECT name FROM organisation")).scalar() == "Oude School"
        db.session.remove()


def test_a_restore_erases_again_whom_the_ledger_says_was_erased_after_the_backup(
    make_app, tmp_path
):
    source = make_app("source")
    with source.app_context():
        upgrade()
        world = build_world()
        student_id = world.student_a.id
    archive = tmp_path / "leerspoor.tar"
    assert invoke(source, "backup", str(archive)).exit_code == 0
    # after the backup, the student is erased: the ledger, outside the database, says so
    ledger_file = tmp_path / "erasures.jsonl"
    source.config["ERASURE_LEDGER_PATH"] = str(ledger_file)
    with source.app_context():
        erase_person(None, db.session.get(User, student_id), datetime.now(UTC))
    # the server is rebuilt from yesterday's backup, with the same ledger
    target = make_app("target")
    target.config["ERASURE_LEDGER_PATH"] = str(ledger_file)
    restore = invoke(target, "restore", str(archive))
    assert restore.exit_code == 0, restore.output
    assert "Erased again, as the erasure ledger says: 1 accounts" in restore.output
    with target.app_context():
        student = db.session.get(User, student_id)
        assert student.name == f"#{student_id}"
        assert not student.active
        db.session.remove()


# -- what a restore refuses, changing nothing --------------------------------------------


@dataclass
class SmallBackup:
    source: Flask
    archive: Path


@pytest.fixture
def small_backup(make_app, tmp_path) -> SmallBackup:
    """A backup of the test world on SQLite, with a log entry and two evidence files."""
    source = make_app("small")
    with source.app_context():
        upgrade()
        world = build_world()
        student = SimpleNamespace(id=world.student_a.id, name=world.student_a.name)
        placement = SimpleNamespace(
            id=world.placement_a.id, start_date=world.placement_a.start_date
        )
        db.session.remove()
    entry_id = write_entry(source, placement, student)
    attach_file(source, entry_id, student)
    attach_file(source, entry_id, student, PDF, "verslag.pdf")
    archive = tmp_path / "small.tar"
    assert invoke(source, "backup", str(archive)).exit_code == 0
    return SmallBackup(source, archive)


def assert_untouched(app) -> None:
    """The app's database has no tables and its upload folder holds nothing."""
    assert table_names(app) == set()
    root = Path(app.config["UPLOAD_PATH"])
    assert not root.exists() or list(root.iterdir()) == []


def test_restore_refuses_a_database_that_holds_data(small_backup):
    source = small_backup.source
    before, files = contents(source), uploaded_files(source)
    restore = invoke(source, "restore", str(small_backup.archive))
    assert restore.exit_code == 1
    assert "already holds data" in restore.output
    assert "Restore only into an empty database" in restore.output
    assert contents(source) == before
    assert uploaded_files(source) == files


def test_restore_refuses_an_upload_folder_that_holds_files(small_backup, make_app):
    target = make_app("target")
    root = Path(target.config["UPLOAD_PATH"])
    root.mkdir(parents=True)
    (root / ("ab" * 16)).write_bytes(b"an older photo")
    restore = invoke(target, "restore", str(small_backup.archive))
    assert restore.exit_code == 1
    assert "already holds 1 files" in restore.output
    assert table_names(target) == set()
    assert [path.name for path in root.iterdir()] == ["ab" * 16]


def _flip_first_byte(name: str, data: bytes, prefix: str) -> bytes:
    if name.startswith(prefix):
        return bytes([data[0] ^ 0xFF]) + data[1:]
    return data


DAMAGES = {
    "an uploaded file changed": lambda archive, copy: rewrite(
        archive, copy, member=lambda name, data: _flip_first_byte(name, data, "uploads/")
    ),
    "the database changed": lambda archive, copy: rewrite(
        archive, copy, member=lambda name, data: _flip_first_byte(name, data, "database.")
    ),
    "a file not in the manifest": lambda archive, copy: rewrite(
        archive, copy, extra=("uploads/" + "cd" * 16, b"smuggled")
    ),
    "a file missing": lambda archive, copy: rewrite(
        archive,
        copy,
        member=None,
        manifest=lambda m: m["uploads"].update({"ef" * 16: m["database"]}),
    ),
    "cut short": lambda archive, copy: copy.write_bytes(archive.read_bytes()[:20_000]) and copy,
    "not an archive": lambda archive, copy: copy.write_bytes(b"just some text\n" * 100) and copy,
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_restore_refuses_a_damaged_archive_and_changes_nothing(
    small_backup, make_app, tmp_path, damage
):
    damaged = DAMAGES[damage](small_backup.archive, tmp_path / "damaged.tar")
    target = make_app("target")
    restore = invoke(target, "restore", str(damaged))
    assert restore.exit_code == 1
    assert "damaged" in restore.output or "not a readable backup" in restore.output
    assert "Traceback" not in restore.output
    assert_untouched(target)


def test_restore_refuses_a_schema_newer_than_the_code(small_backup, make_app, tmp_path):
    newer = rewrite(
        small_backup.archive,
        tmp_path / "newer.tar",
        manifest=lambda m: m.update(alembic_revision="ffffffffffff", app_version="9.0.0"),
    )
    target = make_app("target")
    restore = invoke(target, "restore", str(newer))
    assert restore.exit_code == 1
    assert "newer than this version of Leerspoor knows" in restore.output
    assert "9.0.0" in restore.output
    assert_untouched(target)


def test_restore_refuses_another_database_system(small_backup, make_app, tmp_path):
    from_postgres = rewrite(
        small_backup.archive, tmp_path / "pg.tar", manifest=lambda m: m.update(dialect="postgresql")
    )
    target = make_app("target")
    restore = invoke(target, "restore", str(from_postgres))
    assert restore.exit_code == 1
    assert "backup of a PostgreSQL database" in restore.output
    assert "is not supported" in restore.output
    assert_untouched(target)


def test_restore_refuses_a_newer_backup_format(small_backup, make_app, tmp_path):
    newer = rewrite(
        small_backup.archive, tmp_path / "v2.tar", manifest=lambda m: m.update(format_version=2)
    )
    target = make_app("target")
    restore = invoke(target, "restore", str(newer))
    assert restore.exit_code == 1
    assert "backup format 2" in restore.output
    assert_untouched(target)


# -- what a backup refuses or warns about -------------------------------------------------


def test_backup_never_overwrites_a_file(small_backup):
    before = small_backup.archive.read_bytes()
    again = invoke(small_backup.source, "backup", str(small_backup.archive))
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert small_backup.archive.read_bytes() == before


def test_backup_warns_of_an_attachment_whose_file_is_missing(small_backup, tmp_path):
    source = small_backup.source
    root = Path(source.config["UPLOAD_PATH"])
    lost = sorted(root.iterdir())[0]
    lost.unlink()
    backup = invoke(source, "backup", str(tmp_path / "second.tar"))
    assert backup.exit_code == 0
    assert f"the file {lost.name} of an attachment is not in the upload folder" in backup.output
    assert "1 uploaded files" in backup.output


def test_backup_archive_is_readable_by_its_owner_only(small_backup):
    assert small_backup.archive.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in small_backup.archive.parent.iterdir() if p.name.startswith(".")] == []


# -- PostgreSQL: the programs and the password ----------------------------------------------


@needs_postgres
def test_the_password_is_never_on_a_command_line_or_in_the_output(make_app, tmp_path, monkeypatch):
    password = "not-on-the-command-line"  # the test server trusts local connections
    with_password = make_url(POSTGRES_URL).set(password=password)
    source = make_app("source", with_password.render_as_string(hide_password=False))
    with source.app_context():
        upgrade()
        build_world()
    calls = []
    run = snapshots.subprocess.run

    def recording(command, **options):
        calls.append((command, options["env"]))
        return run(command, **options)

    monkeypatch.setattr(snapshots.subprocess, "run", recording)
    archive = tmp_path / "leerspoor.tar"
    backup = invoke(source, "backup", str(archive))
    target = make_app("target", with_password.render_as_string(hide_password=False))
    restore = invoke(target, "restore", str(archive))
    assert backup.exit_code == 0, backup.output
    assert restore.exit_code == 0, restore.output
    assert {Path(command[0]).name for command, _env in calls} == {"pg_dump", "pg_restore"}
    for command, environment in calls:
        assert not any(password in argument for argument in command)
        if "--dbname" in command:
            assert environment["PGPASSWORD"] == password
    assert password not in backup.output + restore.output


@needs_postgres
def test_backup_says_where_pg_dump_was_looked_for(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("LEERSPOOR_PG_BIN", str(tmp_path / "no-programs-here"))
    source = make_app("source", POSTGRES_URL)
    with source.app_context():
        upgrade()
    archive = tmp_path / "leerspoor.tar"
    backup = invoke(source, "backup", str(archive))
    assert backup.exit_code == 1
    assert "pg_dump is not in LEERSPOOR_PG_BIN" in backup.output
    assert list(tmp_path.glob("*.tar*")) == []


@needs_postgres
def test_a_sqlite_backup_is_not_restored_into_postgresql(small_backup, make_app):
    target = make_app("target", POSTGRES_URL)
    restore = invoke(target, "restore", str(small_backup.archive))
    assert restore.exit_code == 1
    assert "backup of a SQLite database" in restore.output
    assert "is not supported" in restore.output
    assert table_names(target) == set()
