"""Connection settings that make SQLite behave like PostgreSQL where it matters."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from app.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15_000


def configure_connections(app: Flask) -> None:
    """On SQLite: enforce foreign keys, use WAL, and wait for locks instead of failing."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    if not event.contains(engine, "connect", _sqlite_pragmas):
        event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
