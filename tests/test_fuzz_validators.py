"""Hypothesis against the validators that are not forms: the CSV import, the content
files, schedules, passwords and the Markdown renderers. Each either accepts its input
or says what is wrong in its own way (a problem in a list, a
`ScheduleError`, a `ValueError` with a reason); none fails with anything else, and the
import's preview writes nothing.

The Hypothesis profile sets the examples per property: 25, the same every run in CI;
LEERSPOOR_FUZZ=full for 1,000 (docs/testing.md, docs/reliability.md).
"""

from __future__ import annotations

import csv
import io

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.admin.imports import COLUMNS, decode, keep_upload, preview_import
from app.auth.passwords import comparable, is_common
from app.content.modules import load_training
from app.content.services import load_rubrics
from app.extensions import db
from app.models import Membership, Organisation, PendingImport, Placement, User
from app.rendering import render_content, render_markdown
from app.scheduling.schedules import ScheduleError, parse_schedule
from config import BUNDLED_CONTENT
from tests.xss import executable_constructs

# The number of examples, the seed and the database come from the profile (conftest.py).
FUZZ = settings()
EXAMPLES = FUZZ.max_examples

# Text people type, and text an attacker types: every code point but surrogates.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)
# Markup's raw material, so that tags, attributes, links and entities come up often.
MARKUP = st.lists(
    st.sampled_from(
        list("<>\"'=/:;()[]!&#`*_-\\ \n\tx1")
        + [
            "script",
            "img",
            "svg",
            "a",
            "href",
            "src",
            "onerror",
            "onload",
            "javascript",
            "data",
            "vbscript",
            "alert",
            "&#106;",
            "&colon;",
            "<!--",
            "-->",
            "](",
            "\x00",
        ]
    ),  # fmt: skip
    max_size=60,
).map("".join)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(text=MARKUP | ANY_TEXT)
def test_markdown_from_any_text_holds_nothing_executable(text):
    assert executable_constructs(str(render_markdown(text))) == []
    assert executable_constructs(str(render_content(text))) == []


# -- the CSV import -------------------------------------------------------------------------

CELL = st.one_of(
    st.sampled_from(
        [
            "",
            "new@student.example",
            "Student New",
            "internship",
            "stage",
            "2027-02-01",
            "31/03/2027",
            "2027-13-45",
            "Company X",
            "mentor@x.example",
            "coach@a.example",
            '=HYPERLINK("http://evil")',
            "x" * 300,
            "9" * 30,
        ]
    ),  # fmt: skip
    ANY_TEXT,
)
HEADER = st.one_of(
    st.just(list(COLUMNS)),
    st.permutations(COLUMNS + ("programme", "cohort")).map(list),
    st.lists(st.sampled_from(COLUMNS) | ANY_TEXT, max_size=10),
)


@st.composite
def csv_files(draw) -> str:
    header = draw(HEADER)
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=len(header) + 2), max_size=6))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=draw(st.sampled_from([";", ",", "\t"])))
    writer.writerow(header)
    writer.writerows(rows)
    return draw(st.sampled_from(["", "\ufeff"])) + buffer.getvalue()


def _counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (User, Membership, Placement, Organisation)
    )


@FUZZ
@given(text=csv_files() | ANY_TEXT)
def test_an_import_preview_reads_any_file_and_writes_nothing(app, world, text):
    with app.test_request_context():
        coordinator = db.session.get(User, world.coordinator_a.id)
        school = db.session.get(Organisation, world.school_a.id)
        before = _counts()
        preview = preview_import(coordinator, school, text)
        db.session.commit()  # whatever the preview left in the session would be written now
        assert _counts() == before
        assert preview.rows or preview.problems
        assert all(problem.message for problem in preview.problems)
        # the file kept between the preview and the import comes back unchanged (an upload
        # with a NUL character never gets this far: decoding refuses it)
        if "\x00" not in text:
            kept = keep_upload(coordinator, school, text).id
            db.session.expire_all()
            assert db.session.get(PendingImport, kept).content == text


@FUZZ
@given(data=st.binary(max_size=300))
def test_an_uploaded_file_is_text_or_refused_with_a_reason(app, data):
    with app.test_request_context():
        outcome = _outcome(decode, data)
        if isinstance(outcome, ValueError):
            assert "UTF-8" in str(outcome)
        else:
            assert isinstance(outcome, str)


def _outcome(function, *args):
    """What `function` returned, or the ValueError (or subclass) it raised."""
    try:
        return function(*args)
    except ValueError as error:
        return error


# -- content files --------------------------------------------------------------------------


def _paths(data, prefix=()):
    """Every path to a value in nested dicts and lists."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*prefix, index))


def _replace(data, path, value):
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _replace(data[path[0]], path[1:], value)
    return copy


RUBRIC = yaml.safe_load(
    (BUNDLED_CONTENT / "rubrics" / "soft-skills.yaml").read_text(encoding="utf-8")
)
RUBRIC_PATHS = list(_paths(RUBRIC))


@FUZZ
@given(
    path=st.sampled_from(RUBRIC_PATHS),
    value=JSON_VALUES,
    raw=st.none() | ANY_TEXT,
)
def test_a_damaged_rubric_is_reported_never_half_loaded(tmp_path_factory, path, value, raw):
    folder = tmp_path_factory.mktemp("rubrics")
    file = folder / "soft-skills.yaml"
    if raw is None:
        file.write_text(yaml.safe_dump(_replace(RUBRIC, path, value)), encoding="utf-8")
    else:
        file.write_text(raw, encoding="utf-8")
    library = load_rubrics(folder)
    loaded = "soft-skills" in library.rubrics or "soft-skills" in library.frameworks
    assert loaded != bool(library.problems)
    assert all(problem.startswith("soft-skills.yaml: ") for problem in library.problems)


MODULE_TEXT = (BUNDLED_CONTENT / "modules" / "nl" / "first-day.md").read_text(encoding="utf-8")
_, FRONT, BODY = MODULE_TEXT.split("---\n", 2)
MODULE = yaml.safe_load(FRONT)
MODULE_PATHS = list(_paths(MODULE))


@FUZZ
@given(
    path=st.sampled_from(MODULE_PATHS),
    value=JSON_VALUES,
    body=st.none() | ANY_TEXT,
    raw=st.none() | ANY_TEXT,
)
def test_a_damaged_module_is_reported_with_its_file(tmp_path_factory, path, value, body, raw):
    root = tmp_path_factory.mktemp("modules")
    (root / "nl").mkdir()
    (root / "en").mkdir()
    (root / "en" / "first-day.md").write_text(
        (BUNDLED_CONTENT / "modules" / "en" / "first-day.md").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    if raw is not None:
        text = raw
    else:
        front = yaml.safe_dump(_replace(MODULE, path, value), allow_unicode=True)
        text = f"---\n{front}---\n{BODY if body is None else body}"
    (root / "nl" / "first-day.md").write_text(text, encoding="utf-8")
    library = load_training(root)
    loaded = "nl" in library.modules.get("first-day", {})
    named = [problem for problem in library.problems if "modules/nl/first-day.md" in problem]
    # Loaded whole, or refused with the file named (its twin may then be missing a pair).
    assert loaded != bool(named), library.problems


# -- schedules and passwords --------------------------------------------------------


@FUZZ
@given(
    value=st.one_of(
        ANY_TEXT,
        st.lists(st.sampled_from(["*", "*/5", "1-5", "mon-fri", "0", "99", ",", "-", "x"])).map(
            " ".join
        ),
        st.from_regex(r"every -?\d{1,6} ?[smhdx]?", fullmatch=True),
    )
)
def test_a_schedule_is_read_or_refused_with_its_variable_named(value):
    outcome = _outcome(parse_schedule, "LEERSPOOR_SCHEDULE_TEST", value)
    if isinstance(outcome, ValueError):
        assert isinstance(outcome, ScheduleError)
        assert "LEERSPOOR_SCHEDULE_TEST" in str(outcome)
    else:
        assert outcome.text == " ".join(value.split())


@settings(FUZZ, max_examples=max(5, EXAMPLES // 5))  # a password hash costs 0.1 s on purpose
@given(password=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=80))
def test_any_unicode_password_is_kept_and_checked(password):
    user = User(email="p@example.org", name="P")
    user.set_password(password)
    assert user.check_password(password)
    assert not user.check_password(password + "x")
    assert isinstance(is_common(password), bool)
    assert comparable(comparable(password)) == comparable(password)
