"""The access export: everything Leerspoor holds about one person, as a ZIP of JSON files
and their uploaded files, driven by the registry.

What goes in:
- every row that refers to the person in one of its declared `people` columns (their
  account without secrets, memberships, what they wrote, their progress, notifications);
- for a student, every row of their placements that they may read in the app (the log,
  scores, plan and visits are about them): drafts of others and notes kept for the coach
  only stay out, and the export's README says so;
- the audit events they caused or that concern their account or their placements;
- the files they uploaded or that were added to entries they may read.

Nothing identifies another student: rows are tied to other people by id only, the names
listed in `people.json` are the person's own and those of the coaches and mentors of
their placements, and where a coach or mentor exports what they wrote about a student,
that student's name is replaced by "[student]".
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Table, and_, or_, select

from app.extensions import db
from app.models import Placement, User
from app.privacy.registry import CATEGORIES, DECLARATIONS, declaration_of
from app.storage import file_storage

ACCOUNT_TABLE = "user_account"
STUDENT_PLACEHOLDER = "[student]"


@dataclass
class Collected:
    """The rows of one export, by table, and the files to add."""

    # By table, then by primary key.
    rows: dict[str, dict[Any, dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # storage key -> name in the ZIP

    def add(self, table: str, row: dict[str, Any]) -> None:
        primary_key = [column.name for column in _table(table).primary_key]
        key = (
            row[primary_key[0]]
            if len(primary_key) == 1
            else tuple(row[name] for name in primary_key)
        )
        self.rows.setdefault(table, {})[key] = row

    def ids(self, table: str) -> set[int]:
        return set(self.rows.get(table, {}))

    @property
    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def _table(name: str) -> Table:
    return db.metadata.tables[name]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _rows(table: Table, condition) -> list[dict[str, Any]]:
    declaration = declaration_of(table.name)
    result = db.session.execute(select(table).where(condition).order_by(*table.primary_key))
    return [
        {key: _plain(value) for key, value in row._mapping.items() if key not in declaration.secret}
        for row in result
    ]


def _parent_link(table: Table) -> tuple[str, str] | None:
    """(column, parent table) through which a row of `table` belongs to a placement's row
    when it has no placement of its own (a comment under an entry), or None.
    """
    for column in table.columns:
        for foreign_key in column.foreign_keys:
            parent = foreign_key.column.table.name
            if parent in ("user_account", "placement", "organisation"):
                continue
            if _belongs_to_placement(foreign_key.column.table):
                return column.name, parent
    return None


def _belongs_to_placement(table: Table) -> bool:
    return "placement_id" in table.c or _parent_link(table) is not None


def _readable_by_student(table: Table, person_id: int):
    """What a student may read of others' rows on their own placement (see the policy)."""
    conditions = []
    if "coach_only" in table.c and table.name != "visit":
        conditions.append(table.c.coach_only.is_(False))
    if table.name == "log_entry":
        conditions.append(
            or_(
                table.c.review_status.is_(None),
                table.c.review_status != "draft",
                table.c.author_id == person_id,
            )
        )
    return conditions


def _without_coach_only_sections(row: dict[str, Any]) -> dict[str, Any]:
    hidden = set(row.get("coach_only") or [])
    report = row.get("report") or {}
    row["report"] = {section: text for section, text in report.items() if section not in hidden}
    return row


def collect(person: User) -> Collected:
    """Every row the export of `person` holds (see the module's docstring)."""
    collected = Collected()
    accounts = _table(ACCOUNT_TABLE)
    collected.add(ACCOUNT_TABLE, _rows(accounts, accounts.c.id == person.id)[0])
    for declaration in DECLARATIONS:
        if not declaration.people:
            continue
        table = _table(declaration.table)
        naming = or_(*(table.c[column] == person.id for column in declaration.people))
        for row in _rows(table, naming):
            collected.add(table.name, row)

    own_placements = set(
        db.session.scalars(select(Placement.id).where(Placement.student_id == person.id))
    )
    if own_placements:
        _collect_placements(collected, person.id, own_placements)
    _collect_audit(collected, person.id, own_placements)
    _collect_files(collected)
    return collected


def _collect_placements(collected: Collected, person_id: int, placements: set[int]) -> None:
    # Parents before children: sorted_tables orders by foreign keys.
    for table in db.metadata.sorted_tables:
        declaration = declaration_of(table.name)
        if table.name == "placement":
            condition = table.c.id.in_(placements)
        elif declaration.per_placement:
            condition = table.c.placement_id.in_(placements)
        elif (link := _parent_link(table)) is not None:
            column, parent = link
            condition = table.c[column].in_(collected.ids(parent))
        else:
            continue
        for row in _rows(table, and_(condition, *_readable_by_student(table, person_id))):
            if table.name == "visit":
                row = _without_coach_only_sections(row)
            collected.add(table.name, row)


def _object_types() -> dict[str, str]:
    """Audit events name their object by its class in lower case: to the table name."""
    return {
        mapper.class_.__name__.lower(): mapper.local_table.name
        for mapper in db.Model.registry.mappers
    }


def _collect_audit(collected: Collected, person_id: int, placements: set[int]) -> None:
    events = _table("audit_event")
    concerning = [events.c.actor_id == person_id]
    concerning.append((events.c.object_type == "user") & (events.c.object_id == person_id))
    if placements:
        tables = {table: name for name, table in _object_types().items()}
        for table_name, rows in collected.rows.items():
            if table_name in ("audit_event", ACCOUNT_TABLE) or table_name not in tables:
                continue
            if table_name != "placement" and not declaration_of(table_name).per_placement:
                continue
            concerning.append(
                (events.c.object_type == tables[table_name]) & events.c.object_id.in_(rows)
            )
    for row in _rows(events, or_(*concerning)):
        collected.add("audit_event", row)


def _collect_files(collected: Collected) -> None:
    for row in collected.rows.get("attachment", {}).values():
        collected.files[row["storage_key"]] = f"files/{row['id']}-{_safe_name(row['filename'])}"


def _safe_name(filename: str) -> str:
    return re.sub(r"[^\w.-]+", "_", filename)[:100] or "file"


# -- other students' names --------------------------------------------------------------


def _students_written_about(collected: Collected, person_id: int) -> list[str]:
    """The names of the students of placements in the export other than the person."""
    placement_ids = set()
    for rows in collected.rows.values():
        for row in rows.values():
            if row.get("placement_id") is not None:
                placement_ids.add(row["placement_id"])
    if not placement_ids:
        return []
    names = db.session.scalars(
        select(User.name)
        .join(Placement, Placement.student_id == User.id)
        .where(Placement.id.in_(placement_ids), User.id != person_id)
    )
    return sorted({name for name in names if name}, key=len, reverse=True)


def name_pattern(names: Iterable[str]) -> re.Pattern | None:
    """A pattern matching each full name and each first name of 3 letters or more, as
    whole words, in any case.
    """
    words = set()
    for name in names:
        words.add(name.strip())
        first = name.split()[0] if name.split() else ""
        if len(first) >= 3:
            words.add(first)
    words.discard("")
    if not words:
        return None
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def replace_names(value: Any, pattern: re.Pattern, placeholder: str) -> Any:
    """`value` (text, or JSON of texts) with every match of `pattern` replaced."""
    if isinstance(value, str):
        return pattern.sub(placeholder, value)
    if isinstance(value, dict):
        return {key: replace_names(item, pattern, placeholder) for key, item in value.items()}
    if isinstance(value, list):
        return [replace_names(item, pattern, placeholder) for item in value]
    return value


def _hide_other_students(collected: Collected, person_id: int) -> None:
    pattern = name_pattern(_students_written_about(collected, person_id))
    if pattern is None:
        return
    for table_name, rows in collected.rows.items():
        texts = declaration_of(table_name).texts
        for row in rows.values():
            for column in texts:
                row[column] = replace_names(row.get(column), pattern, STUDENT_PLACEHOLDER)


# -- the archive ------------------------------------------------------------------------


def _people(collected: Collected, person: User) -> list[dict[str, Any]]:
    """The person and the coaches and mentors of their own placements, by id and name."""
    ids = {person.id}
    for row in collected.rows.get("placement", {}).values():
        if row["student_id"] == person.id:
            ids.update(value for value in (row["mentor_id"], row["coach_id"]) if value)
    people = db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))
    return [{"id": user.id, "name": user.name} for user in people]


def _readme(person: User, generated_at: datetime, collected: Collected) -> str:
    lines = [
        _("Everything Leerspoor holds about %(name)s", name=person.name),
        _("Made on %(moment)s (UTC).", moment=generated_at.strftime("%Y-%m-%d %H:%M")),
        "",
        _(
            "Each file in data/ holds the rows of one table in JSON, with the people they "
            "mention by number; people.json names the people on your placements. The "
            "files you uploaded, or that were added to your log, are in files/."
        ),
        _(
            "Notes kept for the coach only, and drafts others have not handed in yet, are "
            "not included: ask your school if you want to know about them."
        ),
        "",
    ]
    for category in CATEGORIES:
        tables = [
            declaration.table
            for declaration in DECLARATIONS
            if declaration.category is category and collected.rows.get(declaration.table)
        ]
        if not tables:
            continue
        lines += [
            f"## {category.title}",
            str(category.holds),
            _("Why: %(purpose)s", purpose=category.purpose),
            _("Lawful basis: %(basis)s", basis=category.basis.label),
            _("Kept: %(retention)s", retention=category.retention.label),
            _("Seen by: %(readers)s", readers=category.seen_by),
            _("Files: %(files)s", files=", ".join(f"data/{table}.json" for table in tables)),
            "",
        ]
    return "\n".join(lines)


def export_archive(person: User, generated_at: datetime) -> tuple[bytes, Collected]:
    """The ZIP of everything held about `person`, with its README in their language."""
    collected = collect(person)
    _hide_other_students(collected, person.id)
    buffer = io.BytesIO()
    storage = file_storage()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with force_locale(person.locale or "nl"):
            archive.writestr("README.txt", _readme(person, generated_at, collected))
        archive.writestr("people.json", _json(_people(collected, person)))
        for table_name in sorted(collected.rows):
            rows = list(collected.rows[table_name].values())
            archive.writestr(f"data/{table_name}.json", _json(rows))
        for key, name in sorted(collected.files.items()):
            if storage.exists(key):
                with storage.open(key) as stream:
                    archive.writestr(name, stream.read())
    return buffer.getvalue(), collected


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
