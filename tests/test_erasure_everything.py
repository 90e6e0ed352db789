"""Erasing a person leaves none of their values anywhere.

Every personal column the registry declares is filled, in every row where it is the
person's, with a value nothing else holds (so a column added later is filled too);
their name and address are written into texts about them and into texts anywhere else.
After the erasure, a dump of every table, the database's own files (SQLite) and the
upload folder hold none of it, except the values the registry keeps, which are still
where they were, without the person's name.
"""

from __future__ import annotations

import io
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import current_app
from sqlalchemy import (
    JSON,
    BigInteger,
    Enum,
    TypeDecorator,
    and_,
    inspect,
    not_,
    or_,
    select,
    update,
)

from app.extensions import db
from app.models import User
from app.privacy.erasure import erase_person
from app.privacy.records import owner_column
from app.privacy.registry import DECLARATIONS, Erase, Field, Treatment
from app.storage import file_storage
from tests.privacy_world import build_lived_in

PEOPLE = (
    "student_a",
    "mentor_x",
    "coach_a",
    "coordinator_a",
    "dani",
    "company_coordinator_x",
    "admin",
)


@dataclass
class Cell:
    """One personal value of the person, as filled in."""

    table: str
    key: tuple
    column: str
    field: Field
    value: Any
    token: str | None  # the text a dump shows it by; None when it is a small number or a flag


@dataclass
class Filled:
    cells: list[Cell]
    name: str
    first_name: str
    email: str
    mentions: list[tuple[str, tuple, str]]  # (table, key, column) of texts naming them


@pytest.fixture
def lived_in(app, world):
    with app.app_context():
        return build_lived_in(world)


def _key(table, row) -> tuple:
    return tuple(row._mapping[column.name] for column in table.primary_key)


def _where(table, key: tuple):
    return and_(*(column == value for column, value in zip(table.primary_key, key, strict=True)))


def _distinct(column, number: int, current: Any, mention: str) -> tuple[Any, str | None]:
    """A value for `column` that nothing else in the database holds, and its text."""
    token = f"zq{number:04d}k"
    kind = column.type
    if isinstance(kind, JSON):
        text = f"{token} {mention}".strip()
        if isinstance(current, list):
            return [text], token
        if isinstance(current, dict) and current:
            return dict.fromkeys(current, text), token
        return {"text": text}, token
    if isinstance(kind, Enum):
        return list(kind.enum_class)[0], None
    python_type = (kind.impl if isinstance(kind, TypeDecorator) else kind).python_type
    if python_type is bool:
        return True, None
    if python_type is int:
        return (
            (9_000_000_000 + number, str(9_000_000_000 + number))
            if isinstance(kind, BigInteger)
            else (3, None)
        )
    day = date.today() - timedelta(days=20_000 + number)
    if python_type is datetime:
        return datetime.combine(day, time(3, 17, 29), UTC), day.isoformat()
    if python_type is date:
        return day, day.isoformat()
    text = f"{token} {mention}".strip()
    if kind.length and len(text) > kind.length:
        text = token
    return text, token


def _fill(person_id: int) -> Filled:
    """Give every personal value of the person a distinct value; write their name and
    address into every other text.
    """
    numbers = itertools.count(1)
    accounts = db.metadata.tables["user_account"]
    number = next(numbers)
    name, email = f"Zq{number:04d}k Vormelder", f"zq{number:04d}k@erase.example"
    db.session.execute(
        update(accounts).where(accounts.c.id == person_id).values(name=name, email=email)
    )
    mention = f"{name} {email}"
    filled = Filled(
        [
            Cell("user_account", (person_id,), "name", _field("user_account", "name"), name, name),
            Cell(
                "user_account", (person_id,), "email", _field("user_account", "email"), email, email
            ),
        ],
        name,
        f"Zq{number:04d}k",
        email,
        [],
    )
    storage = file_storage()
    for declaration in DECLARATIONS:
        table = db.metadata.tables[declaration.table]
        for column_name, field in declaration.fields.items():
            if (declaration.table, column_name) in (
                ("user_account", "name"),
                ("user_account", "email"),
            ):
                continue
            column = table.c[column_name]
            owned = or_(*(owner_column(table, of) == person_id for of in field.of))
            for row in db.session.execute(select(*table.primary_key, column).where(owned)).all():
                key = _key(table, row)
                number = next(numbers)
                if field.file:  # a file's bytes are kept or deleted whole, never edited
                    token = f"zq{number:04d}k"
                    value = row._mapping[column_name]
                    if value is None:  # an optional file (a mobility item without proof)
                        continue
                    storage.save(value, io.BytesIO(f"%PDF-1.4 {token}".encode()))
                else:
                    text_mention = mention if field.text else ""
                    value, token = _distinct(
                        column, number, row._mapping[column_name], text_mention
                    )
                    db.session.execute(
                        update(table).where(_where(table, key)).values({column_name: value})
                    )
                filled.cells.append(Cell(table.name, key, column_name, field, value, token))
            if field.text:
                others = select(*table.primary_key, column).where(not_(owned))
                for row in db.session.execute(others).all():
                    naming = _naming(row._mapping[column_name], mention)
                    if naming is not None:
                        db.session.execute(
                            update(table)
                            .where(_where(table, _key(table, row)))
                            .values({column_name: naming})
                        )
                        filled.mentions.append((table.name, _key(table, row), column_name))
    db.session.commit()
    return filled


def _naming(value: Any, mention: str) -> Any:
    """`value`, a text someone else wrote, now naming the person too."""
    if isinstance(value, str):
        return f"{value} (ask {mention})" if len(value) < 40 else f"ask {mention}"
    if isinstance(value, dict):
        return {**value, "mention": f"ask {mention}"}
    if isinstance(value, list):
        return [*value, f"ask {mention}"]
    return None


def _field(table: str, column: str) -> Field:
    return next(d.fields[column] for d in DECLARATIONS if d.table == table)


def _dump() -> str:
    """Every value of every table the database holds, as text."""
    lines = []
    with db.engine.connect() as connection:
        quote = connection.dialect.identifier_preparer.quote
        for table in inspect(connection).get_table_names():
            for row in connection.exec_driver_sql(f"SELECT * FROM {quote(table)}"):  # noqa: S608
                lines.append(f"{table}: {[str(value) for value in row]}")
    return "\n".join(lines)


def _database_files() -> bytes:
    """The bytes of the SQLite database and its write-ahead log: what a copy holds."""
    if db.engine.dialect.name != "sqlite":
        return b""
    path = Path(db.engine.url.database)
    files = [path, path.with_name(path.name + "-wal")]
    return b"".join(file.read_bytes() for file in files if file.exists())


def _uploads() -> bytes:
    root = Path(current_app.config["UPLOAD_PATH"])
    return b"".join(file.read_bytes() for file in sorted(root.rglob("*")) if file.is_file())


def _current(cell: Cell) -> tuple[bool, Any]:
    table = db.metadata.tables[cell.table]
    row = db.session.execute(select(table.c[cell.column]).where(_where(table, cell.key))).first()
    return (False, None) if row is None else (True, row[0])


def _text_of(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


@pytest.mark.parametrize("person", PEOPLE)
def test_erasure_leaves_none_of_their_values_but_what_the_registry_keeps(app, lived_in, person):
    person_id = lived_in.people[person]
    with app.app_context():
        filled = _fill(person_id)
        assert filled.cells
        erase_person(None, db.session.get(User, person_id), datetime.now(UTC))
        db.session.expire_all()
        problems, gone = [], [filled.name, filled.first_name, filled.email]
        for cell in filled.cells:
            where = f"{cell.table}.{cell.column} {cell.key}"
            present, value = _current(cell)
            if not present:
                gone.append(cell.token)
                continue
            erased = cell.field.erased
            if erased is Treatment.WITH_ROW:
                problems.append(f"{where}: declared to go with its row, which stayed")
            elif erased is Treatment.CLEARED:
                gone.append(cell.token)
                if value not in (None, ""):
                    problems.append(f"{where}: declared cleared, holds {value!r}")
            elif erased is Treatment.REPLACED:
                gone.append(cell.token)
                if value == cell.value:
                    problems.append(f"{where}: declared replaced, still {value!r}")
            elif cell.field.file:
                with file_storage().open(value) as stream:
                    if cell.token.encode() not in stream.read():
                        problems.append(f"{where}: declared kept, its file changed")
            elif cell.token is None:
                if value != cell.value:
                    problems.append(f"{where}: declared kept, now {value!r}")
            elif cell.token not in _text_of(value):
                problems.append(f"{where}: declared kept, now {value!r}")
        for table_name, key, column in filled.mentions:
            table = db.metadata.tables[table_name]
            row = db.session.execute(select(table.c[column]).where(_where(table, key))).first()
            if row is not None and "ask" not in _text_of(row[0]):
                problems.append(f"{table_name}.{column} {key}: lost more than the name")
        dump, files, uploads = _dump(), _database_files(), _uploads()
        for text in dict.fromkeys(filter(None, gone)):
            if text in dump:
                problems.append(f"the dump holds {text}")
            if text.encode() in files:
                problems.append(f"the database's files hold {text}")
            if text.encode() in uploads:
                problems.append(f"the upload folder holds {text}")
    assert not problems, "\n".join(problems)


def test_the_world_fills_every_personal_column_of_the_registry(app, lived_in):
    """Each column a `Field` declares has a value of one of the people erased above: a
    new column is covered as soon as the world holds a row of it.
    """
    declared = {
        (declaration.table, column) for declaration in DECLARATIONS for column in declaration.fields
    }
    filled = set()
    with app.app_context():
        for person in PEOPLE:
            for declaration in DECLARATIONS:
                table = db.metadata.tables[declaration.table]
                for column, field in declaration.fields.items():
                    owned = or_(
                        *(owner_column(table, of) == lived_in.people[person] for of in field.of)
                    )
                    if db.session.execute(select(table.c[column]).where(owned)).first():
                        filled.add((declaration.table, column))
    assert declared - filled == set(), "add rows of these to tests/privacy_world.py"


def test_erasing_deletes_every_row_a_delete_column_names(app, lived_in):
    person_id = lived_in.people["mentor_x"]
    with app.app_context():
        erase_person(None, db.session.get(User, person_id), datetime.now(UTC))
        left = [
            f"{declaration.table}.{column}"
            for declaration in DECLARATIONS
            for column, erase in declaration.people.items()
            if erase is Erase.DELETE
            and db.session.execute(
                select(db.metadata.tables[declaration.table].c[column]).where(
                    db.metadata.tables[declaration.table].c[column] == person_id
                )
            ).first()
        ]
    assert left == []
