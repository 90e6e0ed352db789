"""Taking and loading a snapshot of the database, one class per database system.

SQLite: the online backup API copies the database page by page as one consistent read,
while the app goes on writing (never a copy of the file, which may be caught half-way
through a write or miss what still sits in the write-ahead log).

PostgreSQL: pg_dump in its custom format, without owners or privileges, so the dump
loads into a database owned by someone else. The backup opens a repeatable-read
transaction, exports its snapshot and hands it to pg_dump, so the row counts and
checksums in the manifest describe exactly the rows in the dump. pg_restore loads it in
one transaction. The password goes to pg_dump and pg_restore in the environment
(PGPASSWORD), never on their command line, and never appears in a message.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from app.backup.fingerprint import (
    alembic_revision,
    differing_tables,
    fingerprint,
    referenced_files,
)

# TOC entries of the schema itself: the target database has its own public schema, and
# only its owner may comment on it.
SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ (SCHEMA|COMMENT - SCHEMA) ")


class SnapshotError(Exception):
    """A snapshot could not be taken, checked or loaded; the message says why."""


@dataclass
class Snapshot:
    """What a snapshot holds: its schema revision, its tables' fingerprint and the keys of
    the uploaded files its rows refer to.
    """

    revision: str | None
    tables: dict[str, dict[str, int | str]]
    files: set[str]


def snapshots_for(engine: Engine, pg_bin: str = "") -> Snapshots:
    if engine.dialect.name == "sqlite":
        return SQLiteSnapshots()
    if engine.dialect.name == "postgresql":
        return PostgresSnapshots(engine.url, pg_bin)
    raise SnapshotError(f"Backups of a {engine.dialect.name} database are not supported.")


def _describe(connection) -> Snapshot:
    return Snapshot(
        alembic_revision(connection), fingerprint(connection), referenced_files(connection)
    )


class SQLiteSnapshots:
    dialect = "sqlite"

    def take(self, engine: Engine, target: Path) -> Snapshot:
        """Copy the app's database into the file `target` with the online backup API."""
        source = engine.raw_connection()
        try:
            with closing(sqlite3.connect(target)) as copy:
                source.driver_connection.backup(copy)
                # One self-contained file, without a write-ahead log beside it.
                copy.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.Error as error:
            raise SnapshotError(f"SQLite's backup failed: {error}") from error
        finally:
            source.close()
        return self.describe(target)

    def describe(self, path: Path) -> Snapshot:
        """Read a SQLite database file, after checking its integrity."""
        try:
            with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as connection:
                problems = connection.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.DatabaseError as error:
            raise SnapshotError(f"The database file cannot be read by SQLite: {error}") from error
        if problems != [("ok",)]:
            raise SnapshotError(
                f"The database file fails SQLite's integrity check: {problems[0][0]}"
            )
        engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
        try:
            with engine.connect() as connection:
                return _describe(connection)
        finally:
            engine.dispose()

    def check(self, path: Path, tables: dict) -> None:
        """The file passes SQLite's integrity check and holds the rows `tables` describes."""
        differing = differing_tables(self.describe(path).tables, tables)
        if differing:
            raise SnapshotError(
                "The database in the archive does not hold what its manifest lists "
                f"(tables {', '.join(differing[:5])})."
            )

    def load(self, engine: Engine, path: Path) -> None:
        """Replace the (empty) database of `engine` with the snapshot in `path`."""
        target = engine.url.database
        if not target or target == ":memory:":
            raise SnapshotError("Restore needs a SQLite database file, not an in-memory database.")
        engine.dispose()
        try:
            with (
                closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as source,
                closing(sqlite3.connect(target, timeout=15)) as destination,
            ):
                source.backup(destination)
        except sqlite3.Error as error:
            raise SnapshotError(f"SQLite could not write {target}: {error}") from error
        engine.dispose()


class PostgresSnapshots:
    dialect = "postgresql"

    def __init__(self, url: URL, pg_bin: str = "") -> None:
        self.url = url
        self.pg_bin = pg_bin

    def take(self, engine: Engine, target: Path) -> Snapshot:
        """Dump the database into `target` with pg_dump, from the same snapshot as the
        fingerprint the manifest records.
        """
        pg_dump = self._tool("pg_dump")
        with engine.connect() as connection:
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            exported = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            snapshot = _describe(connection)
            # pg_dump reads the exported snapshot while this transaction keeps it alive.
            self._run(
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={exported}",
                f"--file={target}",
            )
            connection.rollback()
        return snapshot

    def check(self, path: Path, _tables: dict) -> None:
        """pg_restore reads the dump's table of contents; its rows are compared with the
        manifest once they are loaded.
        """
        self._contents(path)

    def load(self, engine: Engine, path: Path) -> None:
        """Load the dump into the database in one transaction: all of it or nothing."""
        pg_restore = self._tool("pg_restore")
        kept = [line for line in self._contents(path) if not SCHEMA_ENTRY.match(line)]
        selection = path.with_name(path.name + ".list")
        selection.write_text("\n".join(kept) + "\n")
        engine.dispose()
        self._run(
            pg_restore,
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            # Drops the empty tables `leerspoor init` may have made; a table with rows
            # was refused before.
            "--clean",
            "--if-exists",
            f"--use-list={selection}",
            str(path),
        )

    def _contents(self, path: Path) -> list[str]:
        return self._run(self._tool("pg_restore"), "--list", str(path), connect=False).splitlines()

    def _tool(self, name: str) -> str:
        """The program `name` in LEERSPOOR_PG_BIN, or else on PATH."""
        if self.pg_bin:
            program = Path(self.pg_bin) / name
            if not os.access(program, os.X_OK):
                raise SnapshotError(f"{name} is not in LEERSPOOR_PG_BIN ({self.pg_bin}).")
            return str(program)
        found = shutil.which(name)
        if found is None:
            raise SnapshotError(
                f"{name} is not on PATH. Install PostgreSQL's client programs (the same major "
                "version as the server, or newer), or set LEERSPOOR_PG_BIN to their folder."
            )
        return found

    def _run(self, program: str, *arguments: str, connect: bool = True) -> str:
        """Run a PostgreSQL program; its output, or a SnapshotError with its messages."""
        command = [program, *arguments]
        environment = dict(os.environ)
        if connect:
            # libpq reads the address without the password from --dbname, the password
            # from the environment.
            address = URL.create(
                "postgresql",
                username=self.url.username,
                host=self.url.host,
                port=self.url.port,
                database=self.url.database,
                query=self.url.query,
            )
            command += ["--dbname", address.render_as_string(hide_password=False)]
            if self.url.password:
                environment["PGPASSWORD"] = str(self.url.password)
        result = subprocess.run(  # noqa: S603  (a fixed program with arguments, no shell)
            command, env=environment, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            message = (result.stderr or result.stdout).strip()
            if self.url.password:
                message = message.replace(str(self.url.password), "***")
            raise SnapshotError(f"{Path(program).name} failed: {message}")
        return result.stdout


Snapshots = SQLiteSnapshots | PostgresSnapshots
