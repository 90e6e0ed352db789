"""Erasing a person, as the registry says.

1. Rows that are theirs (`delete`, and `authored` on their own placement or outside any
   placement) are deleted with the rows that depend on them; their stored files too.
2. Their name and e-mail address are removed from the free text others wrote on the
   placements they were part of (the audit trail holds ids only: nothing to remove).
3. The account is anonymised (name "#<id>", an address that cannot receive mail, no
   password, switched off, every session ended) and keeps its id, so that the rows
   others wrote, and the school's protected record, still refer to someone.
4. The erasure is added to the ledger (`app/privacy/ledger.py`), which outlives a
   restore of an older backup, and to the audit trail.

Rows the registry marks `protected` (or `authored` as coach or mentor on someone else's
placement) stay, and the report says so, with how long they are kept. Erasing someone
already erased changes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, and_, false, or_, select, update

from app import audit
from app.extensions import db
from app.models import EmailPreference, Placement, User
from app.privacy import ledger
from app.privacy.export import name_pattern, replace_names
from app.privacy.records import (
    delete_files,
    delete_with_dependents,
    placement_of,
    table_named,
)
from app.privacy.registry import DECLARATIONS, Erase, declaration_of

REMOVED = "[removed]"


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


def erased_address(user_id: int) -> str:
    # `.invalid` is reserved (RFC 2606): nothing can be sent there.
    return f"erased-{user_id}@leerspoor.invalid"


def is_erased(user: User) -> bool:
    return user.email == erased_address(user.id)


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


def _clean_texts(pattern: re.Pattern, placements: set[int], report: ErasureReport) -> None:
    """Remove the person's name and address from what others wrote about them."""
    for declaration in DECLARATIONS:
        if not declaration.texts or declaration.table == "user_account":
            continue
        table = table_named(declaration.table)
        placement = placement_of(table)
        if placement is None or not placements:
            continue
        scope = placement.in_(placements)
        columns = [table.c[name] for name in declaration.texts]
        rows = db.session.execute(select(table.c.id, *columns).where(scope))
        for row in rows.all():
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


def _placements_of(person: User) -> tuple[set[int], set[int]]:
    """(their own placements as a student, every placement they were part of)."""
    rows = db.session.execute(
        select(Placement.id, Placement.student_id).where(
            or_(
                Placement.student_id == person.id,
                Placement.mentor_id == person.id,
                Placement.coach_id == person.id,
            )
        )
    ).all()
    own = {row.id for row in rows if row.student_id == person.id}
    return own, {row.id for row in rows}


def _anonymise(person: User) -> None:
    person.name = f"#{person.id}"
    person.email = erased_address(person.id)
    person.password_hash = None
    person.active = False
    person.locale = None
    person.last_login_at = None
    person.notify_by_email = EmailPreference.NONE
    person.totp_secret = person.totp_confirmed_at = person.totp_last_step = None
    person.session_version += 1  # every session and remember cookie ends


def erase_person(actor: User | None, person: User, now: datetime) -> ErasureReport:
    """Erase `person` (see the module's docstring); `actor` None is the command line."""
    report = ErasureReport(person.id)
    if is_erased(person):
        report.already_erased = True
        return report
    own, involved = _placements_of(person)
    pattern = name_pattern([person.name, person.email])
    files: list[str] = []
    for declaration in DECLARATIONS:
        table = table_named(declaration.table)
        for column, erase in declaration.people.items():
            delete_with_dependents(
                table, _rows_to_delete(table, column, erase, person, own), report.deleted, files
            )
            if kept := _rows_kept(table, column, erase, person, own):
                report.kept[table.name] += kept
    if pattern is not None:
        _clean_texts(pattern, involved, report)
    db.session.expire(person, ["memberships"])  # deleted above, without the ORM
    _anonymise(person)
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
