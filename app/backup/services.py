"""`create_backup` and `restore_backup`, the two operations behind `leerspoor backup` and
`leerspoor restore`. Both run in an app context, on the app's database and upload folder.

A restore changes nothing until everything that can be checked beforehand has been:
the archive and every checksum in it, the database system, the schema revision, and that
the database and the upload folder are empty. `_after_restore` is the one place where
work that must follow every restore plugs in.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from app.backup.archive import (
    DATABASE_MEMBERS,
    UPLOADS,
    ArchiveError,
    ArchiveReader,
    ArchiveWriter,
    FileRecord,
    Manifest,
)
from app.backup.fingerprint import differing_tables, fingerprint
from app.backup.snapshots import SnapshotError, Snapshots, snapshots_for
from app.extensions import db
from app.models.columns import utcnow
from app.privacy.erasure import reapply_ledger
from app.storage import KEY_PATTERN, file_storage

DIALECT_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """A backup or restore was refused or failed. The message is for whoever runs the
    command; unless it says otherwise, nothing was changed.
    """


@dataclass
class BackupReport:
    manifest: Manifest
    # Files the database refers to that were not in the upload folder.
    missing_files: list[str]


@dataclass
class RestoreReport:
    manifest: Manifest
    # The revision the schema was upgraded to, when the backup was older than the code.
    upgraded_to: str | None
    # Accounts erased after the backup was made, erased again from the ledger.
    erased_again: list[int]


def create_backup(path: Path) -> BackupReport:
    """Write the archive `path`: a snapshot of the database, then the uploaded files."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new name for each backup.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    engine = db.engine
    try:
        snapshots = snapshots_for(engine, current_app.config["PG_BIN"])
    except SnapshotError as error:
        raise BackupError(str(error)) from error
    try:
        return _write_backup(path, engine, snapshots)
    except SnapshotError as error:
        raise BackupError(f"No backup was written: {error}") from error
    except SQLAlchemyError as error:
        raise BackupError(f"No backup was written: {_unreadable(error)}") from error
    except OSError as error:
        raise BackupError(f"No backup was written: {error}") from error


def _write_backup(path: Path, engine: Engine, snapshots: Snapshots) -> BackupReport:
    uploads = file_storage().root
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.") as work:
        database_file = Path(work) / DATABASE_MEMBERS[snapshots.dialect]
        snapshot = snapshots.take(engine, database_file)
        if snapshot.revision is None:
            raise BackupError(
                "The database has no schema revision: it was not made by `leerspoor init`. "
                "Run `leerspoor init`, then back it up."
            )
        writer = ArchiveWriter(path)
        try:
            database = writer.add_file(DATABASE_MEMBERS[snapshots.dialect], database_file)
            files = _add_uploads(writer, uploads)
            manifest = Manifest(
                created_at=utcnow(),
                app_version=_app_version(),
                alembic_revision=snapshot.revision,
                dialect=snapshots.dialect,
                database=database,
                tables=snapshot.tables,
                uploads=files,
            )
            writer.close(manifest)
        except BaseException:
            writer.abort()
            raise
    return BackupReport(manifest, sorted(snapshot.files - set(files)))


def _add_uploads(writer: ArchiveWriter, root: Path) -> dict[str, FileRecord]:
    """Add every stored file. Files are written once under a new key and never changed,
    so those taken after the database snapshot are at worst files it does not refer to.
    """
    files: dict[str, FileRecord] = {}
    if not root.is_dir():
        return files
    for entry in sorted(os.scandir(root), key=lambda entry: entry.name):
        if not (KEY_PATTERN.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)):
            continue  # a file being written (".partial-…") or something not ours
        try:
            with open(entry.path, "rb") as stream:
                files[entry.name] = writer.add_stream(
                    UPLOADS + entry.name, stream, os.fstat(stream.fileno())
                )
        except FileNotFoundError:
            continue  # removed since the folder was listed, with its attachment
    return files


def _unreadable(error: SQLAlchemyError) -> str:
    """What the driver said, without the SQL SQLAlchemy adds to it."""
    reason = str(getattr(error, "orig", None) or error).strip()
    return f"the database cannot be read ({reason})."


def _app_version() -> str:
    try:
        return version("leerspoor")
    except PackageNotFoundError:
        return "unknown"


def restore_backup(path: Path) -> RestoreReport:
    """Bring the archive `path` into the app's empty database and upload folder, upgrade
    the schema when the backup is older than the code, then run `_after_restore`.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    engine = db.engine
    try:
        with ArchiveReader(path) as archive:
            manifest = archive.manifest()
            snapshots = _snapshots_for_backup(engine, manifest)
            upgrade_needed = _check_revision(manifest)
            _refuse_unless_empty(engine, manifest)
            root = file_storage().root
            _refuse_unless_no_files(root)
            archive.check_members(manifest)
            _restore_from(archive, manifest, snapshots, engine, root)
    except (ArchiveError, SnapshotError) as error:
        raise BackupError(str(error)) from error
    except SQLAlchemyError as error:
        raise BackupError(f"The restore stopped: {_unreadable(error)}") from error
    except OSError as error:
        raise BackupError(f"The restore stopped: {error}") from error
    upgraded_to = None
    if upgrade_needed:
        upgrade()
        upgraded_to = _head_revision()
    return RestoreReport(manifest, upgraded_to, _after_restore())


def _restore_from(
    archive: ArchiveReader, manifest: Manifest, snapshots: Snapshots, engine: Engine, root: Path
) -> None:
    """Extract and check every member into a folder inside the upload folder (so moving
    the files into place cannot fail for want of space), load the database and check
    what it holds, then move the files into place.
    """
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".restore-"))
    try:
        database_file = staging / manifest.database_member
        archive.extract(manifest.database_member, manifest.database, database_file)
        staged_files = staging / "uploads"
        staged_files.mkdir()
        for key, record in manifest.uploads.items():
            archive.extract(UPLOADS + key, record, staged_files / key)
        expected = {name: table.model_dump() for name, table in manifest.tables.items()}
        snapshots.check(database_file, expected)
        snapshots.load(engine, database_file)
        _verify_restored(engine, expected)
        for key in manifest.uploads:
            os.replace(staged_files / key, root / key)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _snapshots_for_backup(engine: Engine, manifest: Manifest) -> Snapshots:
    if manifest.dialect != engine.dialect.name:
        made_from = DIALECT_NAMES[manifest.dialect]
        target = DIALECT_NAMES.get(engine.dialect.name, engine.dialect.name)
        raise BackupError(
            f"This is a backup of a {made_from} database, and the database to restore into "
            f"is {target}. Restoring into another database system is not supported: restore "
            f"into a {made_from} database (set DATABASE_URL)."
        )
    return snapshots_for(engine, current_app.config["PG_BIN"])


def _scripts() -> ScriptDirectory:
    return ScriptDirectory(current_app.extensions["migrate"].directory)


def _head_revision() -> str:
    return _scripts().get_current_head()


def _check_revision(manifest: Manifest) -> bool:
    """Whether the backup's schema needs upgrading; refuses a schema this code does not know."""
    try:
        known = _scripts().get_revision(manifest.alembic_revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            f"This backup's schema (revision {manifest.alembic_revision}, made by Leerspoor "
            f"{manifest.app_version}) is newer than this version of Leerspoor knows. Install "
            "that version or a newer one, then restore."
        )
    return manifest.alembic_revision != _head_revision()


def _refuse_unless_empty(engine: Engine, manifest: Manifest) -> None:
    """A restore goes into a database without data: a new one, or one only `leerspoor init`
    has made tables in (PostgreSQL: only tables the backup has, which the restore replaces).
    """
    address = engine.url.render_as_string(hide_password=True)
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        quote = connection.dialect.identifier_preparer.quote
        holding = [
            table
            for table in tables
            if table != "alembic_version"
            and connection.exec_driver_sql(
                # A name from the database's own catalogue, quoted.
                f"SELECT 1 FROM {quote(table)} LIMIT 1"  # noqa: S608  # nosec B608
            ).first()
        ]
    if holding:
        raise BackupError(
            f"The database {address} already holds data (in {len(holding)} tables, such as "
            f"{', '.join(sorted(holding)[:3])}). Restore only into an empty database: create "
            "a new one, or point DATABASE_URL at a new SQLite file."
        )
    unknown = sorted(set(tables) - set(manifest.tables))
    if manifest.dialect == "postgresql" and unknown:
        raise BackupError(
            f"The database {address} has tables the backup does not have "
            f"({', '.join(unknown[:3])}), probably made by a newer `leerspoor init`. "
            "Restore into a database without tables."
        )


def _refuse_unless_no_files(root: Path) -> None:
    if not root.is_dir():
        return
    count = sum(1 for entry in os.scandir(root) if KEY_PATTERN.fullmatch(entry.name))
    if count:
        raise BackupError(
            f"The upload folder {root} already holds {count} files. Restore into an empty "
            "folder (LEERSPOOR_UPLOAD_PATH)."
        )


def _verify_restored(engine: Engine, expected: dict) -> None:
    with engine.connect() as connection:
        differing = differing_tables(fingerprint(connection), expected)
    if differing:
        raise SnapshotError(
            "The restored database does not hold what the manifest lists (tables "
            f"{', '.join(differing[:5])}). It is left as restored, for inspection; empty it "
            "before trying again."
        )


def _after_restore() -> list[int]:
    """Run what must follow every restore, once the data and the files are back and the
    schema is the newest; the accounts erased again.

    A backup may hold personal data that was erased after it was made. The erasure ledger
    (`app/privacy/ledger.py`, kept apart from the database and its backups) records each
    erasure, and `reapply_ledger` erases those people again in the restored data.
    """
    return reapply_ledger(utcnow())
