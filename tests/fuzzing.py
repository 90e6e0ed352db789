"""Fuzzing the app's forms: what a page's form holds, Hypothesis strategies that fill it
with plausible and hostile values, and a fingerprint of the database to show that a
refused request changed nothing.

The fields of a form are read from the page that shows it, as a browser reads them, so
a field added to a form is fuzzed without touching the tests.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from hypothesis import settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app import dates
from app.extensions import db
from tests.conftest import PASSWORD, png_bytes

# The number of examples, the seed and the database come from the profile (conftest.py).
FUZZ_SETTINGS = settings()
# Every answer a form may give: done (302), the form again (200, 422), refused (400, 403,
# 404), a conflict (409), too large (413). Never a server error, never a wrong method.
ALLOWED_STATUSES = frozenset({200, 302, 400, 403, 404, 409, 413, 422})

# -- what a page's form holds -----------------------------------------------------------


@dataclass
class Field:
    """A named control of a form: its kind, the values the page offers, its limits."""

    name: str
    kind: str  # text, textarea, select, checkbox, radio, hidden, date, number, file, …
    values: list[str] = field(default_factory=list)  # the page's value, or the choices
    maxlength: int | None = None
    minimum: int | None = None
    maximum: int | None = None


@dataclass
class Form:
    fields: dict[str, Field] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value)
    csrf_names: set[str] = field(default_factory=lambda: {"csrf_token"})  # with prefixes
    found: bool = False

    def add(self, name: str, kind: str, value: str | None, attributes: dict) -> None:
        if name.endswith("csrf_token"):
            self.csrf_names.add(name)
            return
        known = self.fields.get(name)
        if known is None:
            known = self.fields[name] = Field(name, kind)
            known.maxlength = _number(attributes.get("maxlength"))
            known.minimum = _number(attributes.get("min"))
            known.maximum = _number(attributes.get("max"))
        if value is not None and value not in known.values:
            known.values.append(value)


def _number(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class FormReader(HTMLParser):
    """Every POST form of a page whose action is `action`, merged into one `Form`."""

    def __init__(self, page_path: str, action: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.action = action
        self.form = Form()
        self._inside = False
        self._textarea: tuple[str, dict] | None = None
        self._text = ""
        self._select: tuple[str, dict] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            target = urljoin(self.page_path, attributes.get("action") or "")
            # A form saved while typing is sent to its data-autosave address too.
            targets = {urlsplit(target).path, attributes.get("data-autosave", "").split("?")[0]}
            self._inside = attributes.get("method", "").lower() == "post" and (
                urlsplit(self.action).path in targets
            )
            self.form.found = self.form.found or self._inside
            return
        if tag == "option" and self._inside and self._select:
            self.form.add(self._select[0], "", attributes.get("value", ""), {})
            return
        name = attributes.get("name")
        if not (self._inside and name):
            return
        if tag == "input":
            kind = attributes.get("type", "text").lower()
            if kind == "text" and attributes.get("inputmode") == "numeric":
                kind = "number"
            if kind == "submit":
                self.form.buttons.append((name, attributes.get("value", "")))
            elif kind in ("checkbox", "radio"):
                self.form.add(name, kind, attributes.get("value") or "on", attributes)
            else:
                self.form.add(name, kind, attributes.get("value", ""), attributes)
        elif tag == "button":
            self.form.buttons.append((name, attributes.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = (name, attributes), ""
        elif tag == "select":
            self._select = (name, attributes)
            kind = "select-multiple" if "multiple" in attributes else "select"
            self.form.add(name, kind, None, attributes)

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, attributes = self._textarea
            self.form.add(name, "textarea", self._text.removeprefix("\n"), attributes)
            self._textarea = None
        elif tag == "select":
            self._select = None


def read_form(html: str, page_path: str, action: str) -> Form:
    reader = FormReader(page_path, action)
    reader.feed(html)
    return reader.form


# -- values -----------------------------------------------------------------------------

# Characters people and attackers type: control characters (NUL included), marks that
# turn text around, zero-width characters, combining marks, emoji, other scripts.
WEIRD_CHARACTERS = st.sampled_from(
    [
        "\x00",
        "\x01",
        "\t",
        "\n",
        "\r",
        "\x1b",
        "\x7f",
        "\u200b",
        "\u200d",
        "\u202e",
        "\u2066",
        "\ufeff",
        "\u0301",
        "\U0001f600",
        "\U0001f469\u200d\U0001f4bb",
        "ß",
        "İ",
        "ﬁ",
        "ا",
        "中",
        "<",
        ">",
        "&",
        '"',
        "'",
        "%",
        "{",
        "}",
        "\\",
    ]
)
# No lone surrogates: a browser cannot send them.
ANY_TEXT = st.lists(
    st.one_of(st.characters(exclude_categories=("Cs",)), WEIRD_CHARACTERS), max_size=40
).map("".join)
HUGE_TEXT = st.builds(
    lambda character, length: character * length,
    st.sampled_from(["x", "é", "\U0001f600", "a\n"]),
    # Up to 800 kB: beyond what Werkzeug reads into memory for one field (413).
    st.integers(min_value=5_000, max_value=200_000),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(
        [
            "0",
            "-1",
            str(2**31),
            str(2**63),
            str(-(2**63) - 1),
            "9" * 40,
            "1e309",
            "NaN",
            "inf",
            "-0",
            "1.5",
            " 7 ",
            "0x10",
            "١٢",
            "²",
            "½",
        ]
    ),
)
BAD_DATES = st.sampled_from(
    [
        "2026-02-30",
        "2026-13-01",
        "0000-00-00",
        "0001-01-01",
        "1900-01-01",
        "9999-12-31",
        "10000-01-01",
        "2026-1-1",
        "01/02/2026",
        "tomorrow",
        "2026-10-05T10:00",
        "-2026-10-05",
    ]
)
# Days around the world's placements (which run from fourteen weeks ago to the summer).
PLAUSIBLE_DATES = st.dates(
    min_value=dates.today() - timedelta(days=128), max_value=dates.today() + timedelta(days=297)
).map(lambda day: day.isoformat())
HOSTILE = st.one_of(
    st.just(""),
    st.just(" "),
    ANY_TEXT,
    HUGE_TEXT,
    NUMBERS,
    BAD_DATES,
    st.sampled_from(["on", "true", "None", "null", "[]", "{}", "../../etc/passwd", "%00"]),
)


def plausible(item: Field, ids: list[int]) -> st.SearchStrategy[str]:
    """Values a person using the page could send in `item`."""
    offered = [value for value in item.values if value is not None]
    if item.kind in ("select", "select-multiple", "radio", "checkbox"):
        return st.sampled_from(offered or [""])
    if item.kind == "hidden":
        return st.sampled_from(offered or [""])
    if item.kind == "date":
        return st.one_of(PLAUSIBLE_DATES, st.sampled_from(offered or [""]))
    if item.kind == "number":
        low = item.minimum if item.minimum is not None else 0
        high = item.maximum if item.maximum is not None else max(low, 100)
        numbers = st.integers(min_value=low, max_value=max(low, high)).map(str)
        return st.one_of(st.sampled_from(offered), numbers) if offered else numbers
    if item.kind == "email":
        return st.sampled_from(["someone@example.org", "mentor@x.example", "new@school.example"])
    if item.kind == "password":
        return st.sampled_from([PASSWORD, "a much longer new password 42", "short"])
    if item.kind == "time":
        return st.times().map(lambda moment: moment.strftime("%H:%M"))
    size = min(item.maxlength or 400, 400)
    words = st.text(alphabet=st.characters(categories=("L", "N", "Zs", "P")), max_size=size)
    return st.one_of(words, st.sampled_from(offered or ["A plain answer"]))


def hostile(item: Field, ids: list[int]) -> st.SearchStrategy[str]:
    """Values no page offers: beyond the limits, ids of other people's things, garbage."""
    extra = [st.sampled_from([str(number) for number in ids])] if ids else []
    if item.maxlength:
        extra.append(st.just("y" * (item.maxlength + 1)))
    return st.one_of(HOSTILE, *extra)


MISSING = object()


@st.composite
def form_data(draw, form: Form, ids: list[int], extra_fields: dict | None = None) -> MultiDict:
    """What a browser, or someone who is not one, sends for `form`.

    Half the time every field holds what the page could send, so the validators behind
    the form see valid input and the request goes through; otherwise each field is
    plausible, hostile, missing or repeated, and unknown fields come along.
    """
    fields = {**form.fields, **(extra_fields or {})}
    all_plausible = draw(st.booleans())
    pairs: list[tuple[str, object]] = []
    for name, item in fields.items():
        if item.kind == "file":
            sent = draw(st.one_of(uploads(), st.lists(HOSTILE, max_size=1)))
            pairs.extend((name, value) for value in sent)
            continue
        if all_plausible:
            how = draw(st.sampled_from(["plausible", "plausible", "missing"]))
            if item.kind not in ("checkbox", "radio"):
                how = "plausible"
        else:
            how = draw(st.sampled_from(["plausible", "hostile", "missing", "repeated"]))
        if how == "missing":
            continue
        if how == "repeated":
            values = draw(
                st.lists(
                    st.one_of(plausible(item, ids), hostile(item, ids)), min_size=2, max_size=3
                )
            )
        elif how == "plausible" and item.kind in ("select-multiple", "checkbox"):
            values = draw(st.lists(plausible(item, ids), min_size=1, max_size=4, unique=True))
        else:
            chosen = plausible(item, ids) if how == "plausible" else hostile(item, ids)
            values = [draw(chosen)]
        pairs.extend((name, value) for value in values)
    if form.buttons:
        button = draw(st.sampled_from([None, *form.buttons]))
        if button is not None:
            pairs.append(button)
    if not all_plausible:
        unknown = draw(
            st.dictionaries(
                st.one_of(st.sampled_from(["id", "user_id", "placement_id", "role"]), ANY_TEXT),
                HOSTILE,
                max_size=2,
            )
        )
        pairs.extend(unknown.items())
    return MultiDict(pairs)


@st.composite
def uploads(draw) -> list[tuple[io.BytesIO, str]]:
    """No file, a real picture, or bytes that only pretend to be one, under odd names."""
    count = draw(st.integers(min_value=0, max_value=2))
    files = []
    for _ in range(count):
        data = draw(
            st.one_of(
                st.just(png_bytes()),
                st.binary(max_size=2_000),
                st.just(b"%PDF-1.4\n%%EOF"),
                st.just(b"school,student\n" * 3),
            )
        )
        name = draw(
            st.one_of(
                st.sampled_from(["photo.png", "report.pdf", "import.csv", "", "../../x.png"]),
                ANY_TEXT.map(lambda text: text + ".png"),
            )
        )
        files.append((io.BytesIO(data), name))
    return files


# -- the database before and after ------------------------------------------------------

# What a refused request may still write:
# - audit_event: who looked at what and who was refused is recorded, on purpose;
# - notification: reading a page marks the notifications about it read.
MAY_CHANGE_WHEN_REFUSED = frozenset({"audit_event", "notification"})


def database_fingerprint() -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of its rows in key order.

    The tables are those of the app's metadata and the statements are made once, as SQL:
    this runs twice for most requests, and reading the catalogue or building the queries
    each time would make fuzzing several times slower. PostgreSQL sums up every table
    in one statement (one round trip rather than one per table); SQLite, in the same
    process, reads the rows.
    """
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            found = connection.exec_driver_sql(_postgres_statement()).fetchall()
            return {name: (count, checksum) for name, count, checksum in found}
        tables = {}
        for name, statement in _table_statements(db.engine.dialect.name):
            rows = connection.exec_driver_sql(statement).fetchall()
            tables[name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return tables


def _watched_tables() -> list:
    return [t for t in db.metadata.sorted_tables if t.name not in MAY_CHANGE_WHEN_REFUSED]


@cache
def _table_statements(dialect: str) -> list[tuple[str, str]]:
    statements = []
    for table in _watched_tables():
        columns = sorted(table.columns, key=lambda column: column.name)
        order = list(table.primary_key.columns) or columns
        query = select(*columns).order_by(*order)
        statements.append((table.name, str(query.compile(dialect=db.engine.dialect))))
    return statements


@cache
def _postgres_statement() -> str:
    """Per table its name, row count and the md5 of its rows as text in key order."""
    parts = []
    for table in _watched_tables():
        order = ", ".join(f'r."{column.name}"' for column in table.primary_key.columns)
        parts.append(  # names from the models, not from input
            f"SELECT '{table.name}', count(*),"  # noqa: S608
            f" md5(coalesce(string_agg(r::text, '|' ORDER BY {order}), ''))"
            f' FROM "{table.name}" AS r'
        )
    return " UNION ALL ".join(parts)


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before | after if before.get(name) != after.get(name))


def csrf_token(app, raw: str) -> str:
    """The signed token Flask-WTF puts in a page for the raw token kept in the session."""
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
