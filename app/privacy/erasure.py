"""Erasing a person, as the registry says.

1. Rows that are theirs (`delete`, and `authored` on their own placement or outside any
   placement) are deleted with the rows that depend on them; their stored files too.
2. Their name and e-mail address are removed from free text: on the placements they
   were part of and in the rows that name them, also their first name; everywhere else
   their full name and address (the audit trail holds ids only: nothing to remove).
3. Every value of theirs in a row that stays is treated as its `Field` declares:
   cleared (date of birth, language, second factor, last login), replaced (name "#<id>",
   an address that cannot receive mail, switched off, every session ended), or kept as
   the school's record. The account keeps its id, so that the rows others wrote, and the
   school's protected record, still refer to someone.
4. The erasure is added to the ledger (`app/privacy/ledger.py`), which outlives a
   restore of an older backup, and to the audit trail. On SQLite the write-ahead log is
   emptied, so no earlier version of an erased row stays in the database's files.

Rows the registry marks `protected` (or `authored` as coach or mentor on someone else's
placement) stay, and the report says so, with how long they are kept. Erasing someone
already erased changes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, Text, and_, case, cast, false, func, or_, select, update
from sqlalchemy import inspect as inspect_model

from app import audit
from app.database import forget_deleted_rows
from app.extensions import db
from app.models import EmailPreference, Placement, User
from app.privacy import ledger
from app.privacy.export import name_pattern, replace_names
from app.privacy.records import (
    delete_files,
    delete_with_dependents,
    owner_column,
    placement_of,
    table_named,
)
from app.privacy.registry import DECLARATIONS, Erase, Treatment, declaration_of

REMOVED = "[removed]"
ACCOUNT_TABLE = "user_account"


def erased_address(user_id: int) -> str:
    # `.invalid` is reserved (RFC 2606): nothing can be sent there.
    return f"erased-{user_id}@leerspoor.invalid"


# What each value the registry declares `replaced` becomes.
REPLACEMENTS: dict[tuple[str, str], Callable[[User], Any]] = {
    (ACCOUNT_TABLE, "name"): lambda person: f"#{person.id}",
    (ACCOUNT_TABLE, "email"): lambda person: erased_address(person.id),
    (ACCOUNT_TABLE, "active"): lambda person: False,
    (ACCOUNT_TABLE, "notify_by_email"): lambda person: EmailPreference.NONE,
    # Every session and "keep me logged in" cookie ends.
    (ACCOUNT_TABLE, "session_version"): lambda person: person.session_version + 1,
}


@dataclass
class ErasureReport:
    """What an erasure did: rows deleted and kept per table, texts cleaned, files deleted."""

    person_id: int
    already_erased: bool = False
    deleted: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)
    cleaned: Counter[str] = field(default_factory=Counter)
    files: int = 0

    @property
    def kept_by_category(self) -> dict:
        """The protected rows still held, by category (which says for how long)."""
        categories: dict = {}
        for table, count in self.kept.items():
            category = declaration_of(table).category
            categories[category] = categories.get(category, 0) + count
        return categories


def is_erased(user: User) -> bool:
    return user.email == erased_address(user.id)


def cleared_value(column: Column) -> Any:
    """What a cleared column holds: NULL, or its default when it takes no NULL."""
    if column.nullable:
        return None
    if column.default is not None and not callable(column.default.arg):
        return column.default.arg
    raise ValueError(f"{column} cannot be cleared: it takes no NULL and has no default.")


def _rows_to_delete(table: Table, column: str, erase: Erase, person: User, own: set[int]):
    """The ids of `table` that erasing `person` deletes through `column`."""
    naming = table.c[column] == person.id
    if erase is Erase.DELETE:
        condition = naming
    elif erase is Erase.AUTHORED:
        placement = placement_of(table)
        condition = (
            naming if placement is None else and_(naming, placement.in_(own) if own else false())
        )
    else:
        return set()
    return set(db.session.scalars(select(table.c.id).where(condition)))


def _rows_kept(table: Table, column: str, erase: Erase, person: User, own: set[int]) -> int:
    """How many rows naming `person` in `column` are kept as the school's record."""
    naming = table.c[column] == person.id
    if erase is Erase.PROTECTED:
        condition = naming
    elif erase is Erase.AUTHORED and (placement := placement_of(table)) is not None:
        condition = and_(naming, placement.not_in(own)) if own else naming
    else:
        return 0
    return len(db.session.scalars(select(table.c.id).where(condition)).all())


def _like_pattern(word: str) -> str | None:
    """A LIKE pattern that finds `word` (lower case) in any text or JSON column: every
    character but a plain letter or digit may be written otherwise (escaped in JSON, in
    another case), so it matches anything there. None for a word too short to look for.
    """
    pattern = "".join(char if char.isascii() and char.isalnum() else "%" for char in word.lower())
    if sum(char != "%" for char in pattern) < 3:
        return None
    return "%" + re.sub("%+", "%", pattern) + "%"


def _clean_texts(person: User, placements: set[int], report: ErasureReport) -> None:
    """Remove the person's name and address from free text: their full name, first name
    and address where they took part (the placements they were part of, the rows that
    name them); their full name and address anywhere else.
    """
    close = name_pattern([person.name, person.email])
    anywhere = name_pattern([person.name, person.email], first_names=False)
    if close is None or anywhere is None:
        return
    words = [pattern for word in (person.name, person.email) if (pattern := _like_pattern(word))]
    for declaration in DECLARATIONS:
        if not declaration.texts or "id" not in table_named(declaration.table).c:
            continue
        table = table_named(declaration.table)
        columns = [table.c[name] for name in declaration.texts]
        taking_part = [table.c[column] == person.id for column in declaration.people]
        placement = placement_of(table)
        if placement is not None and placements:
            taking_part.append(placement.in_(placements))
        near = or_(false(), *taking_part)
        mentioned = [
            func.lower(cast(column, Text)).like(word) for column in columns for word in words
        ]
        rows = db.session.execute(
            select(table.c.id, case((near, True), else_=False).label("near"), *columns).where(
                or_(near, *mentioned)
            )
        )
        for row in rows.all():
            pattern = close if row.near else anywhere
            changes = {}
            for name in declaration.texts:
                value = row._mapping[name]
                cleaned = replace_names(value, pattern, REMOVED)
                if cleaned != value:
                    changes[name] = cleaned
            if not changes:
                continue
            if "version" in table.c:  # an edit form still showing the name is now stale
                changes["version"] = table.c.version + 1
            db.session.execute(update(table).where(table.c.id == row.id).values(**changes))
            report.cleaned[table.name] += 1


def _erased_values(person: User, table: Table, treatment: Treatment, columns: list[str]):
    values = {}
    for name in columns:
        if treatment is Treatment.CLEARED:
            values[name] = cleared_value(table.c[name])
        else:
            values[name] = REPLACEMENTS[(table.name, name)](person)
    return values


def _erase_values(person: User) -> None:
    """Clear or replace every value of theirs the registry says so of, in the rows that
    stay (their account first of all).
    """
    for declaration in DECLARATIONS:
        table = table_named(declaration.table)
        for treatment in (Treatment.CLEARED, Treatment.REPLACED):
            by_owner: dict[str, list[str]] = {}
            for name, field_ in declaration.fields.items():
                if field_.erased is treatment:
                    for of in field_.of:
                        by_owner.setdefault(of, []).append(name)
            for of, columns in by_owner.items():
                values = _erased_values(person, table, treatment, columns)
                if table.name == ACCOUNT_TABLE:  # through the ORM: the session holds it
                    mapper = inspect_model(User)
                    for name, value in values.items():
                        setattr(person, mapper.get_property_by_column(table.c[name]).key, value)
                else:
                    db.session.execute(
                        update(table).where(owner_column(table, of) == person.id).values(values)
                    )


def _placements_of(person: User) -> tuple[set[int], set[int]]:
    """(their own placements as a student, every placement they were part of)."""
    rows = db.session.execute(
        select(Placement.id, Placement.student_id).where(
            or_(
                Placement.student_id == person.id,
                Placement.mentor_id == person.id,
                Placement.coach_id == person.id,
                Placement.monitor_id == person.id,
            )
        )
    ).all()
    own = {row.id for row in rows if row.student_id == person.id}
    return own, {row.id for row in rows}


def erase_person(actor: User | None, person: User, now: datetime) -> ErasureReport:
    """Erase `person` (see the module's docstring); `actor` None is the command line."""
    report = ErasureReport(person.id)
    if is_erased(person):
        report.already_erased = True
        return report
    own, involved = _placements_of(person)
    files: list[str] = []
    for declaration in DECLARATIONS:
        table = table_named(declaration.table)
        for column, erase in declaration.people.items():
            delete_with_dependents(
                table, _rows_to_delete(table, column, erase, person, own), report.deleted, files
            )
            if kept := _rows_kept(table, column, erase, person, own):
                report.kept[table.name] += kept
    _clean_texts(person, involved, report)
    db.session.expire(person, ["memberships", "recovery_codes"])  # deleted without the ORM
    _erase_values(person)
    report.files = len(files)
    event = audit.record(
        actor,
        "privacy_erasure",
        person,
        deleted=sum(report.deleted.values()),
        kept=sum(report.kept.values()),
        cleaned=sum(report.cleaned.values()),
        files=report.files,
    )
    event.at = now  # the moment of the erasure, also when a test or the retention job moves it
    db.session.commit()
    ledger.add(person.id, now)
    delete_files(files)
    forget_deleted_rows()
    return report


def reapply_ledger(now: datetime) -> list[int]:
    """Erase again everyone in the ledger whom the database holds unerased (after a
    restore from an older backup); the ids erased again.
    """
    again = []
    for user_id in sorted(ledger.erased_ids()):
        person = db.session.get(User, user_id)
        if person is not None and not is_erased(person):
            erase_person(None, person, now)
            again.append(user_id)
    return again
