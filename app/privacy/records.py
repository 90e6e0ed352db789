"""Deleting rows with what depends on them, and finding the placement a row belongs to:
what erasure and retention share. Both read the foreign keys of the models' metadata, so
a table added later is handled as soon as the registry declares it.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Table, delete, select

from app.extensions import db
from app.privacy.registry import STUDENT, declaration_of
from app.storage import file_storage

# Tables a person's or a placement's rows never take along when deleted.
NOT_OWNED = ("user_account", "organisation")


def table_named(name: str) -> Table:
    return db.metadata.tables[name]


def dependents(table: Table) -> list[tuple[Table, str]]:
    """The tables (and their column) whose rows depend on a row of `table`."""
    return [
        (child, column.name)
        for child in db.metadata.sorted_tables
        for column in child.columns
        for foreign_key in column.foreign_keys
        if foreign_key.column.table is table
    ]


def delete_with_dependents(
    table: Table, ids: set[int], deleted: Counter[str], files: list[str]
) -> None:
    """Delete rows `ids` of `table` and, first, every row that depends on them; count
    them in `deleted` and collect the keys of stored files to delete after the commit.
    """
    if ids:
        delete_matching(table, table.c.id.in_(ids), deleted, files)


def delete_matching(table: Table, condition, deleted: Counter[str], files: list[str]) -> None:
    """Delete the rows of `table` that meet `condition` and, first, every row that depends
    on them; count them in `deleted` and collect the keys of their stored files.

    One DELETE per table, each choosing its rows with a subquery on its parent's
    (`entry_id IN (SELECT id FROM log_entry WHERE …)`): the ids stay in the database,
    however many rows go. The parent's rows go last, so every subquery still finds them.
    """
    for child, column in dependents(table):
        parents = select(table.c.id).where(condition)
        delete_matching(child, child.c[column].in_(parents), deleted, files)
    file_key = declaration_of(table.name).file_key
    if file_key:
        # Rows that may hold a file (a blog post's photo) name none when they have none.
        files.extend(
            db.session.scalars(
                select(table.c[file_key]).where(condition, table.c[file_key].is_not(None))
            )
        )
    deleted[table.name] += db.session.execute(delete(table).where(condition)).rowcount


def delete_files(keys: list[str]) -> None:
    """Delete stored files once the rows naming them are gone (after the commit)."""
    storage = file_storage()
    for key in keys:
        storage.delete(key)


def placement_of(table: Table):
    """An expression for the placement of a row of `table`, or None: its own column, or
    its parent's (a comment under an entry belongs to the entry's placement).
    """
    if "placement_id" in table.c:
        return table.c.placement_id
    for column in table.columns:
        for foreign_key in column.foreign_keys:
            parent = foreign_key.column.table
            if parent.name in NOT_OWNED:
                continue
            parent_placement = placement_of(parent)
            if parent_placement is not None:
                return (
                    select(parent_placement)
                    .where(parent.c.id == column)
                    .correlate(table)
                    .scalar_subquery()
                )
    return None


def owner_column(table: Table, of: str):
    """An expression for the person named by `of` (a `Field.of` entry) in a row of
    `table`: its column, or the student of the row's placement.
    """
    if of != STUDENT:
        return table.c[of]
    placement = table.c.id if table.name == "placement" else placement_of(table)
    placements = table_named("placement")
    return (
        select(placements.c.student_id)
        .where(placements.c.id == placement)
        .correlate(table)
        .scalar_subquery()
    )
