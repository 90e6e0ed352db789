"""What a database holds, table by table: the number of rows and a SHA-256 over the rows
in primary-key order. A backup records it in its manifest; a restore checks that the
restored database holds exactly that.

Rows are read as the database driver returns them and written in one canonical form, so
the same rows give the same checksum in every session of the same database system.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time

from sqlalchemy import Connection, inspect

# Columns holding the key of an uploaded file: the one place the database refers to files.
FILE_REFERENCES = (("attachment", "storage_key"),)


def fingerprint(connection: Connection) -> dict[str, dict[str, int | str]]:
    """Each table's `{"rows": count, "sha256": hex}`, by table name."""
    inspector = inspect(connection)
    quote = connection.dialect.identifier_preparer.quote
    tables = {}
    for table in sorted(inspector.get_table_names()):
        columns = sorted(column["name"] for column in inspector.get_columns(table))
        order = inspector.get_pk_constraint(table)["constrained_columns"] or columns
        rows = connection.exec_driver_sql(
            # Names from the database's own catalogue, quoted: no input reaches this SQL.
            f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)} "  # noqa: S608  # nosec B608
            f"ORDER BY {', '.join(map(quote, order))}",
            execution_options={"stream_results": True},
        )
        digest = hashlib.sha256(json.dumps(columns).encode())
        count = 0
        for row in rows:
            digest.update(_canonical_row(row))
            count += 1
        tables[table] = {"rows": count, "sha256": digest.hexdigest()}
    return tables


def differing_tables(found: dict, expected: dict) -> list[str]:
    """The names of the tables whose count or checksum differ between two fingerprints."""
    return sorted(
        name for name in set(found) | set(expected) if found.get(name) != expected.get(name)
    )


def referenced_files(connection: Connection) -> set[str]:
    """The storage keys of every uploaded file the database refers to."""
    present = set(inspect(connection).get_table_names())
    keys: set[str] = set()
    quote = connection.dialect.identifier_preparer.quote
    for table, column in FILE_REFERENCES:
        if table in present:
            keys.update(
                connection.exec_driver_sql(
                    # Constants of this module, quoted.
                    f"SELECT {quote(column)} FROM {quote(table)}"  # noqa: S608  # nosec B608
                ).scalars()
            )
    return keys


def alembic_revision(connection: Connection) -> str | None:
    """The schema revision the database is at, or None when no migration ever ran."""
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _canonical_row(row) -> bytes:
    values = [_canonical(value) for value in row]
    return json.dumps(values, sort_keys=True, ensure_ascii=False).encode() + b"\n"


def _canonical(value):
    """A value as JSON can write it, the same whichever session read it."""
    if value is None or isinstance(value, bool | int | str | dict | list):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime):
        # A session's time zone changes how PostgreSQL hands out a timestamptz, not its value.
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)  # Decimal, UUID: their text is exact
