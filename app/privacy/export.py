"""The access export: what Leerspoor holds about one person, as a ZIP of JSON files and
their uploaded files, built from the registry's declarations.

Which rows:
- every row that refers to the person in one of its declared `people` columns (their
  account, memberships, what they wrote or reviewed, their progress, notifications);
- for a student, the rows of their placements that the app shows them (the log, scores,
  plan and visits are about them), as each table's `rows_shown` rule says;
- the audit events they caused or that concern their account or their placements.

Which values of those rows: the plain columns (ids, kinds, dates of the record), and of
each personal `Field` only a value that is the person's (written by them or about them)
and that the app shows them. A mentor who approved a week gets his review of it, not the
student's text or her wellbeing check-in; a secret goes to nobody. The files are those
named by a file field the person receives.

Nothing identifies another student: rows name other people by id only, `people.json`
names the person and the coaches and mentors of their placements, and the names and
addresses of other students are replaced by "[student]" in every text.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Row, Table, and_, or_, select

from app.extensions import db
from app.models import Membership, Placement, Role, User
from app.privacy.records import placement_of
from app.privacy.registry import CATEGORIES, DECLARATIONS, STUDENT, Field, declaration_of
from app.storage import file_storage

ACCOUNT_TABLE = "user_account"
STUDENT_PLACEHOLDER = "[student]"
# The label of the placement a selected row belongs to (not a column of the row).
PLACEMENT_OF_ROW = "placement_of_row"


@dataclass
class Collected:
    """The rows of one export as read, by table and primary key; then the values that go
    into the export, and the files to add.
    """

    read: dict[str, dict[Any, Row]] = field(default_factory=dict)
    rows: dict[str, dict[Any, dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # storage key -> name in the ZIP

    def add(self, table: Table, rows: Iterable[Row]) -> None:
        primary_key = [column.name for column in table.primary_key]
        for row in rows:
            values = row._mapping
            key = (
                values[primary_key[0]]
                if len(primary_key) == 1
                else tuple(values[name] for name in primary_key)
            )
            self.read.setdefault(table.name, {})[key] = row

    def ids(self, table: str) -> set[int]:
        return set(self.read.get(table, {}))

    @property
    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def _table(name: str) -> Table:
    return db.metadata.tables[name]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _placement_column(table: Table):
    """The placement a row of `table` belongs to, as SQL, or None."""
    return table.c.id if table.name == "placement" else placement_of(table)


def _select(table: Table, condition) -> list[Row]:
    placement = _placement_column(table)
    columns = [*table.columns]
    if placement is not None:
        columns.append(placement.label(PLACEMENT_OF_ROW))
    return list(db.session.execute(select(*columns).where(condition).order_by(*table.primary_key)))


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


# -- which rows -------------------------------------------------------------------------


def collect(person: User) -> Collected:
    """Every row the export of `person` holds and, of each, the values it exports (see
    the module's docstring).
    """
    collected = Collected()
    for declaration in DECLARATIONS:
        table = _table(declaration.table)
        naming = [table.c[column] == person.id for column in declaration.people]
        if table.name == ACCOUNT_TABLE:
            naming.append(table.c.id == person.id)
        if naming:
            collected.add(table, _select(table, or_(*naming)))
    own_placements = list(
        db.session.scalars(select(Placement).where(Placement.student_id == person.id))
    )
    if own_placements:
        _collect_record(collected, person, own_placements)
    _collect_audit(collected, person.id, {placement.id for placement in own_placements})
    _select_values(collected, person)
    _collect_files(collected)
    return collected


def _collect_record(collected: Collected, person: User, placements: list[Placement]) -> None:
    """The rows of the student's own placements that the app shows them."""
    ids = [placement.id for placement in placements]
    # Parents before children: sorted_tables orders by foreign keys.
    for table in db.metadata.sorted_tables:
        declaration = declaration_of(table.name)
        belongs_to = _placement_column(table)
        if table.name == "placement" or declaration.per_placement:
            condition = belongs_to.in_(ids)
        elif (link := _parent_link(table)) is not None:
            column, parent = link
            condition = and_(table.c[column].in_(collected.ids(parent)), belongs_to.in_(ids))
        else:
            continue
        if declaration.rows_shown is not None:
            shown = [
                and_(belongs_to == placement.id, declaration.rows_shown(person, placement))
                for placement in placements
            ]
            condition = and_(condition, or_(*shown))
        collected.add(table, _select(table, condition))


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
        for table_name, rows in collected.read.items():
            if table_name in ("audit_event", ACCOUNT_TABLE) or table_name not in tables:
                continue
            if table_name != "placement" and not declaration_of(table_name).per_placement:
                continue
            concerning.append(
                (events.c.object_type == tables[table_name]) & events.c.object_id.in_(rows)
            )
    collected.add(events, _select(events, or_(*concerning)))


# -- which values -----------------------------------------------------------------------


def _owners(field_: Field, row: Row, placement: Placement | None) -> set[int]:
    """The people whose data the value of `field_` in `row` is."""
    owners = set()
    for column in field_.of:
        if column == STUDENT:
            if placement is not None:
                owners.add(placement.student_id)
        elif (owner := row._mapping[column]) is not None:
            owners.add(owner)
    return owners


def receives(person: User, field_: Field, row: Row, placement: Placement | None) -> bool:
    """Whether `person`'s export holds the value of `field_` in `row`: it is theirs, and
    the app shows it to them.
    """
    if field_.secret or person.id not in _owners(field_, row, placement):
        return False
    return field_.shown is None or (placement is not None and field_.shown(person, placement))


def _select_values(collected: Collected, person: User) -> None:
    placement_ids = {
        row._mapping[PLACEMENT_OF_ROW]
        for rows in collected.read.values()
        for row in rows.values()
        if PLACEMENT_OF_ROW in row._mapping
    }
    placements = {
        placement.id: placement
        for placement in db.session.scalars(
            select(Placement).where(Placement.id.in_(placement_ids - {None}))
        )
    }
    for table_name, rows in collected.read.items():
        declaration = declaration_of(table_name)
        exported = collected.rows.setdefault(table_name, {})
        for key, row in rows.items():
            placement = placements.get(row._mapping.get(PLACEMENT_OF_ROW))
            values = {}
            for column in _table(table_name).columns:
                name = column.name
                field_ = declaration.fields.get(name)
                if field_ is None:
                    values[name] = _plain(row._mapping[name])
                elif receives(person, field_, row, placement):
                    value = row._mapping[name]
                    if field_.part is not None and placement is not None:
                        value = field_.part(person, placement, row)
                    values[name] = _plain(value)
            exported[key] = values


def _collect_files(collected: Collected) -> None:
    for table_name, rows in collected.rows.items():
        file_key = declaration_of(table_name).file_key
        if file_key is None:
            continue
        for row in rows.values():
            if row.get(file_key):
                name = _safe_name(row.get("filename") or row[file_key])
                # Named by table as well as row: two tables' rows share ids (an
                # attachment and a blog post both numbered 1, both "photo.png").
                collected.files[row[file_key]] = f"files/{table_name}-{row['id']}-{name}"


def _safe_name(filename: str) -> str:
    return re.sub(r"[^\w.-]+", "_", filename)[:100] or "file"


# -- other students' names --------------------------------------------------------------


def _other_students(collected: Collected, person_id: int) -> list[str]:
    """The names and addresses of the students the export refers to, other than the
    person: those of its placements, and any student its rows name.
    """
    referenced: set[int] = set()
    placements: set[int] = set()
    for table_name, rows in collected.read.items():
        people = declaration_of(table_name).people
        for row in rows.values():
            values = row._mapping
            referenced.update(values[column] for column in people if values[column] is not None)
            if values.get(PLACEMENT_OF_ROW) is not None:
                placements.add(values[PLACEMENT_OF_ROW])
    is_student = or_(
        User.id.in_(select(Membership.user_id).where(Membership.role == Role.STUDENT)),
        User.id.in_(select(Placement.student_id)),
    )
    found = db.session.execute(
        select(User.name, User.email).where(
            User.id != person_id,
            or_(
                User.id.in_(select(Placement.student_id).where(Placement.id.in_(placements))),
                and_(User.id.in_(referenced), is_student),
            ),
        )
    ).all()
    return [value for row in found for value in row if value]


def name_pattern(names: Iterable[str], *, first_names: bool = True) -> re.Pattern | None:
    """A pattern matching each full name (and, with `first_names`, each first name of 3
    letters or more), as whole words, in any case.
    """
    words = set()
    for name in names:
        words.add(name.strip())
        first = name.split()[0] if name.split() else ""
        if first_names and len(first) >= 3:
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
    pattern = name_pattern(_other_students(collected, person_id))
    if pattern is None:
        return
    for table_name, rows in collected.rows.items():
        texts = declaration_of(table_name).texts
        for row in rows.values():
            for column in texts:
                if column in row:
                    row[column] = replace_names(row[column], pattern, STUDENT_PLACEHOLDER)


# -- the archive ------------------------------------------------------------------------


def _people(collected: Collected, person: User) -> list[dict[str, Any]]:
    """The person and the coaches, mentors and monitors of their own placements, by id
    and name.
    """
    ids = {person.id}
    for row in collected.rows.get("placement", {}).values():
        if row["student_id"] == person.id:
            people = (row["mentor_id"], row["coach_id"], row["monitor_id"])
            ids.update(value for value in people if value)
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
            "A row holds what is about you or what you wrote, as far as Leerspoor shows it "
            "to you: what someone else wrote in it that is not about you is left out, and "
            "so are notes kept for the coach only, drafts others have not handed in yet "
            "and the school's own notes. Ask your school if you want to know about them."
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
            if rows:
                archive.writestr(f"data/{table_name}.json", _json(rows))
        for key, name in sorted(collected.files.items()):
            if storage.exists(key):
                with storage.open(key) as stream:
                    archive.writestr(name, stream.read())
    return buffer.getvalue(), collected


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
