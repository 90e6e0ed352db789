"""Database connections: settings that make SQLite behave like PostgreSQL where it matters,
which errors mean the database cannot be reached, and a probe that answers within a
deadline whatever the server does.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from flask import Flask
from sqlalchemy import Engine, event, exc

from app.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15_000
# The probe asks the server to give up on `SELECT 1` after this long (PostgreSQL).
PROBE_STATEMENT_TIMEOUT_MS = 1_000


def configure_connections(app: Flask) -> None:
    """On SQLite: enforce foreign keys, overwrite what is deleted, use WAL, and wait for
    locks instead of failing.
    """
    app.extensions["database_probe"] = Probe(app.logger)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    if not event.contains(engine, "connect", _sqlite_pragmas):
        event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # What is deleted is overwritten with zeros, not left in free pages of the file: an
    # erased person's data must not survive in a copy of the file or a backup.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def forget_deleted_rows() -> None:
    """On SQLite, copy the write-ahead log into the database file and empty it, so no
    earlier version of a deleted or changed row stays in it (in the file itself
    `secure_delete` overwrote them). Readers at work can keep part of the log: then the
    next checkpoint empties it. PostgreSQL's autovacuum removes its dead rows itself.
    """
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached or cannot serve right now (a
    server that is down or restarting, a lost connection, no free connection in the pool,
    a SQLite file that cannot be opened), rather than a mistake in a query.

    SQLAlchemy wraps the driver's errors: psycopg and sqlite3 raise `OperationalError` for
    a connection that fails or is lost; SQLAlchemy marks a connection it had to drop.
    """
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(
        error,
        exc.OperationalError | exc.InterfaceError | exc.TimeoutError | psycopg.OperationalError,
    )


class Probe:
    """Answers whether the database runs `SELECT 1`, always within a deadline.

    The query runs in a thread of its own, because a server that accepts a connection and
    then says nothing would hold the caller for as long as TCP waits. At most one probe
    runs at a time: callers that come while it runs wait for its outcome, so a hung server
    costs one waiting thread, not one per health check.
    """

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger
        self._lock = threading.Lock()
        self._running: _Attempt | None = None

    def answers(self, engine: Engine, deadline: float) -> bool:
        with self._lock:
            attempt = self._running
            if attempt is None or attempt.finished.is_set():
                attempt = self._running = _Attempt()
                threading.Thread(
                    target=self._run, args=(engine, attempt), name="database-probe", daemon=True
                ).start()
        return attempt.finished.wait(deadline) and attempt.answered

    def _run(self, engine: Engine, attempt: _Attempt) -> None:
        try:
            with engine.connect() as connection:
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql(
                        f"SET LOCAL statement_timeout = {PROBE_STATEMENT_TIMEOUT_MS}"
                    )
                connection.exec_driver_sql("SELECT 1")
            attempt.answered = True
        except Exception as error:  # any failure means: not available; the log says which
            self.logger.warning(
                "Database probe failed: %s", str(getattr(error, "orig", None) or error).strip()
            )
        finally:
            attempt.finished.set()


class _Attempt:
    def __init__(self) -> None:
        self.finished = threading.Event()
        self.answered = False
