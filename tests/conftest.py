"""Test fixtures: an app per test on a fresh database, a realistic world, and helpers.

The database is a SQLite file in a temporary folder, or the PostgreSQL server named
by LEERSPOOR_TEST_DATABASE_URL. Every test starts on an empty schema: on SQLite a copy
of a schema made once per run, on PostgreSQL the tables emptied (the schema is made
again only when a test changed it). Under pytest-xdist each worker has its own
PostgreSQL database and Redis database, so workers never share rows or counters.

The world is built around `today` (the day in Brussels when the test runs), never around
a calendar date, so the suite passes on any day of any year. `--today=2027-07-15` runs
it as if it were that day (10:00 in Brussels, the clock ticking on), to show it does.
"""

from __future__ import annotations

import email
import functools
import hashlib
import io
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import time_machine
from babel.dates import format_date
from flask import current_app
from hypothesis import HealthCheck, settings
from jinja2 import BytecodeCache
from PIL import Image
from psycopg import sql
from sqlalchemy import create_engine, event, exists, inspect, make_url, or_, select, text
from werkzeug.routing.rules import Rule
from werkzeug.security import generate_password_hash

from app import create_app, dates
from app.auth import mail_queue, sessions
from app.auth.sessions import session_started
from app.demo import build_demo_world
from app.extensions import db, limiter
from app.followup.entries import PROMPTS, create_entry
from app.followup.evidence import add_attachment
from app.i18n import DEFAULT_TIMEZONE
from app.models import (
    Candidate,
    EntryKind,
    LogEntry,
    Membership,
    MobilityCall,
    Organisation,
    OrganisationKind,
    Partnership,
    Placement,
    PlacementKind,
    PlacementStatus,
    Role,
    User,
)
from app.models.columns import utcnow
from config import TestingConfig
from tests.mail_server import MailServer

PASSWORD = "correct horse battery"
# Hashed once, with the tests' cheap method (config.TestingConfig), so logging in with it
# never asks for an upgraded hash.
PASSWORD_HASH = generate_password_hash(PASSWORD, method=TestingConfig.PASSWORD_HASH_METHOD)
# The authenticator app of the world's coordinators and admin (they must use one).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# -- fuzzing: reproducible in CI, wider on demand --------------------------------------
# Three Hypothesis profiles: `dev` (the default on a laptop: new examples every run,
# remembered in .hypothesis/), `ci` (the default when CI is set: the same examples every
# run, no examples kept between runs) and `full` (1,000 examples a property, a run of its own:
# LEERSPOOR_FUZZ=full or --hypothesis-profile=full). LEERSPOOR_FUZZ_EXAMPLES overrides
# the number of examples of any profile.
_FUZZ_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


def _examples(default: int) -> int:
    return int(os.environ.get("LEERSPOOR_FUZZ_EXAMPLES") or default)


settings.register_profile("dev", max_examples=_examples(25), **_FUZZ_COMMON)
settings.register_profile(
    "ci", max_examples=_examples(25), derandomize=True, database=None, **_FUZZ_COMMON
)
settings.register_profile("full", max_examples=_examples(1000), **_FUZZ_COMMON)
settings.load_profile(os.environ.get("LEERSPOOR_FUZZ") or ("ci" if os.environ.get("CI") else "dev"))

# The seed of every plain `random` in the tests: the same by default, another with
# LEERSPOOR_FUZZ_SEED; the header of every run says which.
FUZZ_SEED = int(os.environ.get("LEERSPOOR_FUZZ_SEED") or 20261123)


# -- the day the suite runs on ------------------------------------------------------------

# The tests' own `date.today()` is the day in Brussels, as the app's `dates.today()` is,
# whatever the zone of the machine: between 22:00 and midnight UTC the two would differ.
os.environ["TZ"] = DEFAULT_TIMEZONE
time.tzset()

TRAVEL = pytest.StashKey[time_machine.travel]()
# The test files whose outcome depends on the day they run: CI runs them again on other
# days (`.ci/dateshift`), selected with `-m date_sensitive`.
DATE_SENSITIVE = Path(__file__).with_name("date_sensitive.txt")


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--today",
        metavar="YYYY-MM-DD",
        type=date.fromisoformat,
        help="run the tests as if it were this day, from 10:00 in Brussels (clock ticking)",
    )


def pytest_configure(config) -> None:
    """Give an xdist worker its own databases, and move the clock of this process (each
    worker runs this too) to `--today`.
    """
    isolate_worker()
    config.addinivalue_line(
        "markers", "date_sensitive: depends on the day it runs (tests/date_sensitive.txt)"
    )
    day = config.getoption("today", None)
    if day is None:
        return
    moment = at(day, 10, zone=dates.time_zone())
    config.stash[TRAVEL] = time_machine.travel(moment, tick=True)
    config.stash[TRAVEL].start()


def pytest_unconfigure(config) -> None:
    if TRAVEL in config.stash:
        config.stash[TRAVEL].stop()


def date_sensitive_files() -> set[str]:
    """The file names listed in tests/date_sensitive.txt (comments and blanks skipped)."""
    lines = DATE_SENSITIVE.read_text(encoding="utf-8").splitlines()
    return {line.split("#")[0].strip() for line in lines} - {""}


def pytest_collection_modifyitems(config, items) -> None:
    sensitive = date_sensitive_files()
    for item in items:
        if item.path.name in sensitive:
            item.add_marker(pytest.mark.date_sensitive)


def pytest_report_header(config) -> list[str]:
    day = config.getoption("today", None)
    if day is None:
        moved = f"today: {dates.today().isoformat()} in {DEFAULT_TIMEZONE} (the real day)"
    else:
        moved = f"today: {day.isoformat()} in {DEFAULT_TIMEZONE} (moved with --today)"
    name = settings.get_current_profile_name()
    profile = settings.get_profile(name)
    how = "the same examples every run" if profile.derandomize else "new examples every run"
    return [
        moved,
        f"hypothesis: profile {name} ({how}, {profile.max_examples} a property); "
        f"random seed {FUZZ_SEED} (LEERSPOOR_FUZZ_SEED)",
    ]


@pytest.fixture
def today() -> date:
    """The day the test world is built around: today in Brussels, on the clock the tests
    run with (moved with `--today`). Write dates relative to it, never a calendar date.
    """
    return dates.today()


def monday(day: date, weeks: int = 0) -> date:
    """The Monday of the week of `day`, moved `weeks` weeks (back when negative)."""
    return day - timedelta(days=day.weekday()) + timedelta(weeks=weeks)


def written(day: date, pattern: str = "d MMMM yyyy", locale: str = "en") -> str:
    """`day` as a page or an e-mail writes it ("5 October 2026"), in English unless told."""
    return format_date(day, pattern, locale=locale)


def at(day: date, hour: int, minute: int = 0, zone: tzinfo = UTC) -> datetime:
    """The moment `hour`:`minute` of `day` in `zone` (UTC unless told)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def postgres_url() -> str | None:
    return os.environ.get("LEERSPOOR_TEST_DATABASE_URL") or None


def isolate_worker() -> None:
    """Give an xdist worker its own PostgreSQL database and Redis database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    if postgres_url():
        os.environ["LEERSPOOR_TEST_DATABASE_URL"] = worker_database(postgres_url(), worker)
    redis_url = os.environ.get("LEERSPOOR_TEST_REDIS_URL")
    if redis_url:
        # Workers count down from the configured database: gw0 15, gw1 14, …
        parts = urlsplit(redis_url)
        number = int(parts.path.strip("/") or 0) - int(worker.removeprefix("gw"))
        if number < 0:
            raise pytest.UsageError("more xdist workers than Redis databases below the given one")
        os.environ["LEERSPOOR_TEST_REDIS_URL"] = urlunsplit(parts._replace(path=f"/{number}"))


def worker_database(url: str, worker: str) -> str:
    """The URL of the database `<name>_<worker>` on the same server, made if missing."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    with psycopg.connect(
        host=base.host or "",
        port=base.port or 5432,
        user=base.username or "",
        password=base.password or "",
        dbname=base.database,
        autocommit=True,
    ) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return base.set(database=name).render_as_string(hide_password=False)


def reset_postgres_schema() -> None:
    """Empty the PostgreSQL test database (tables, types and Alembic's version table)."""
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept in memory and shared by the apps of one test
    process: each test makes its own app, which would otherwise compile every template it
    renders again. Keyed by the template's name and a checksum of its source, as Jinja
    keys any bytecode cache, so an edited template is compiled anew.
    """

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def _share_url_builders() -> None:
    """Let the apps of one test process share werkzeug's compiled URL builders.

    Every app compiles a builder per URL rule (most of what making an app costs); the
    builder depends only on the rule's parts, its defaults and whether unknown arguments
    are appended, and reads the rule's converters through `self` when called. A private
    method of werkzeug: if it is gone, the apps simply compile their own.
    """
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:
        return
    builders: dict[tuple, object] = {}

    @functools.wraps(compile_builder)
    def shared(self, append_unknown: bool = True):
        key = (tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = shared


def _share_rule_parsing() -> None:
    """Let the apps of one test process share werkzeug's parsing of each URL rule.

    Parsing a rule into the parts its matcher walks is, after the builders, most of what
    making an app costs. The parts depend on the rule's text and the map's converters
    only; a converter keeps its map but never reads it. A private method of werkzeug too:
    if its shape changes, the apps parse their own rules.
    """
    compile_rule = Rule.compile
    if not all(hasattr(Rule, name) for name in ("_parse_rule", "_compile_builder")):
        return
    parsed: dict[tuple, tuple] = {}

    @functools.wraps(compile_rule)
    def compile_shared(self) -> None:
        url_map = self.map
        key = (
            self.rule,
            self.subdomain,
            self.host,
            url_map.host_matching,
            self.merge_slashes,
            tuple(sorted(url_map.converters.items(), key=lambda item: item[0])),
        )
        if key not in parsed:
            compile_rule(self)
            parsed[key] = (tuple(self._parts), tuple(self._trace), dict(self._converters))
            return
        parts, trace, converters = parsed[key]
        self._parts = list(parts)
        self._trace = list(trace)
        self._converters = dict(converters)
        self.arguments.update(converters)
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)

    Rule.compile = compile_shared


_share_url_builders()
_share_rule_parsing()


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory) -> Path:
    """A SQLite file with the models' schema and no rows, made once and copied per test."""
    folder = tmp_path_factory.mktemp("schema")
    engine = create_engine(f"sqlite:///{folder / 'schema.db'}")
    db.metadata.create_all(engine)
    engine.dispose()
    return folder / "schema.db"


SCHEMA_FINGERPRINT = text(
    "SELECT 'column', c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod)"
    " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0"
    " AND NOT a.attisdropped"
    " UNION ALL SELECT 'index', indexname FROM pg_indexes WHERE schemaname = 'public'"
    " UNION ALL SELECT 'trigger', tgname FROM pg_trigger WHERE NOT tgisinternal"
    " UNION ALL SELECT 'type', typname FROM pg_type t"
    " JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public'"
    " UNION ALL SELECT 'sequence', relname FROM pg_class c"
    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'S'"
)


def _fingerprint(connection) -> frozenset[tuple[str, str]]:
    return frozenset(tuple(row) for row in connection.execute(SCHEMA_FINGERPRINT))


_made_schema: frozenset[tuple[str, str]] | None = None  # as this process last made it


_trigger_switch: dict[str, bool] = {}  # per database URL: may its user switch triggers off


def _may_skip_triggers(connection) -> bool:
    """Whether the test database's user may switch off triggers for a transaction
    (`session_replication_role`, a superuser's setting); without it, deleting is slower.
    """
    url = str(connection.engine.url)
    if url not in _trigger_switch:
        superuser = "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        _trigger_switch[url] = bool(connection.exec_driver_sql(superuser).scalar())
    return _trigger_switch[url]


def empty_postgres_database() -> None:
    """The models' schema with no rows: emptied when it is still as this process made it,
    else made again.

    A test may leave another schema behind (migrations, a restored backup, a dropped
    trigger); comparing the catalogue with what was made catches that in one query.
    """
    global _made_schema
    with db.engine.begin() as connection:
        found = _fingerprint(connection)
        if found == _made_schema:
            tables = [table.name for table in reversed(db.metadata.sorted_tables)]
            sequences = sorted(name for kind, name in found if kind == "sequence")
            # The retention job's switch lets the audit trail's rows go (app/models/audit.py).
            statements = ["SET LOCAL leerspoor.audit_purge = 'on'"]
            if _may_skip_triggers(connection):
                # Every table is emptied: checking each deleted row's foreign keys (most
                # of the time this takes) can find nothing.
                statements.append("SET LOCAL session_replication_role = replica")
            # Names from the models and the catalogue, not from input.
            statements += [f'DELETE FROM "{table}"' for table in tables]  # noqa: S608
            # setval rather than ALTER SEQUENCE ... RESTART: the same next value, no DDL.
            if sequences:
                restarts = ", ".join(f"setval('\"{name}\"', 1, false)" for name in sequences)
                statements.append(f"SELECT {restarts}")
            connection.exec_driver_sql("; ".join(statements))
            return
    reset_postgres_schema()
    db.create_all()
    with db.engine.begin() as connection:
        _made_schema = _fingerprint(connection)


# What a statement starts with when it only reads or steers the connection.
READ_ONLY = re.compile(
    r"\s*(SELECT|PRAGMA|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SET|SHOW)\b", re.I
)


def watch_writes(app) -> None:
    """Note in the app when anything may have been written to its empty database, so the
    world fixture knows it is still empty without asking every table.
    """
    extensions = app.extensions
    extensions["test_database_written"] = False

    def note(_connection, _cursor, statement, *_args) -> None:
        if not extensions["test_database_written"] and not READ_ONLY.match(statement):
            extensions["test_database_written"] = True

    event.listen(db.engine, "before_cursor_execute", note)


@pytest.fixture
def app(tmp_path, monkeypatch, sqlite_schema):
    instance = tmp_path / "instance"
    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    monkeypatch.delenv("LEERSPOOR_PUBLIC_URL", raising=False)
    if not postgres_url():
        instance.mkdir()
        shutil.copyfile(sqlite_schema, instance / "test.db")
    app = create_app(TestingConfig)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            empty_postgres_database()
        limiter.reset()
        watch_writes(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield


# -- the world --------------------------------------------------------------------------


@dataclass
class World:
    """Two schools, two companies, a trio per placement, and everyone around them."""

    school_a: Organisation
    school_b: Organisation
    company_x: Organisation
    company_y: Organisation
    admin: User
    coordinator_a: User
    coordinator_b: User
    coach_a: User
    coach_b: User
    mentor_x: User
    mentor_y: User
    company_coordinator_x: User
    student_a: User
    student_b: User
    outsider: User
    # The shapes where access bugs live: one person in two roles or two schools.
    coach_ab: User  # coaches for School A and School B (no placement yet)
    coordinator_coach_a: User  # coordinates School A and coaches there too
    # Erasmus+ mobility: the consortium's promoter, the host partner in Valencia (its
    # coordinator and monitor) and the host company there with its mentor.
    promoter_org: Organisation
    host_partner: Organisation
    host_company: Organisation
    promoter: User
    host_coordinator: User
    monitor: User
    mentor_es: User
    placement_a: Placement
    placement_b: Placement
    # Student A's two weeks in Valencia, in preparation, beside the dual placement.
    placement_m: Placement
    today: date  # the day the world was built around

    def user(self, name: str) -> User:
        return getattr(self, name)


def make_user(email_address: str, name: str, *memberships) -> User:
    user = User(email=email_address, name=name, password_hash=PASSWORD_HASH)
    for role, organisation in memberships:
        user.memberships.append(
            Membership(role=role, organisation_id=organisation.id if organisation else None)
        )
    db.session.add(user)
    return user


# The content every world placement is followed with (files shipped in `app/content/rubrics/`).
FOLLOWED_WITH = {
    "framework_id": "generic-work-competences",
    "framework_version": 1,
    "rubric_id": "soft-skills",
    "rubric_version": 1,
}


def build_world(today: date | None = None) -> World:
    """The world around `today` (the day in Brussels by default): both placements began on
    the Tuesday fourteen weeks before this week (a school year's placement under way for
    about three months); A ends on the Wednesday of week 29 from now, B nine weeks later.
    """
    today = today or dates.today()
    start = monday(today, -14) + timedelta(days=1)
    school_a = Organisation(name="School A", kind=OrganisationKind.SCHOOL, city="Gent")
    school_b = Organisation(
        name="School B", kind=OrganisationKind.SCHOOL, city="Breda", country="NL"
    )
    company_x = Organisation(name="Company X", kind=OrganisationKind.COMPANY, city="Deinze")
    company_y = Organisation(name="Company Y", kind=OrganisationKind.COMPANY, city="Terneuzen")
    promoter_org = Organisation(
        name="Mobility Promoter", kind=OrganisationKind.PROMOTER, city="Brussel"
    )
    host_partner = Organisation(
        name="Host Partner Valencia",
        kind=OrganisationKind.HOST_ABROAD,
        city="Valencia",
        country="ES",
    )
    host_company = Organisation(
        name="Taller Valencia", kind=OrganisationKind.COMPANY, city="Valencia", country="ES"
    )
    db.session.add_all(
        [school_a, school_b, company_x, company_y, promoter_org, host_partner, host_company]
    )
    db.session.flush()
    db.session.add_all(
        [
            Partnership(school_id=school_a.id, workplace_id=company_x.id),
            Partnership(school_id=school_b.id, workplace_id=company_y.id),
        ]
    )
    people = {
        "admin": make_user("admin@example.org", "Ada Admin", (Role.ADMIN, None)),
        "coordinator_a": make_user("coordinator@a.example", "Cor A", (Role.COORDINATOR, school_a)),
        "coordinator_b": make_user("coordinator@b.example", "Cor B", (Role.COORDINATOR, school_b)),
        "coach_a": make_user("coach@a.example", "Coach A", (Role.COACH, school_a)),
        "coach_b": make_user("coach@b.example", "Coach B", (Role.COACH, school_b)),
        "mentor_x": make_user("mentor@x.example", "Mentor X", (Role.MENTOR, company_x)),
        "mentor_y": make_user("mentor@y.example", "Mentor Y", (Role.MENTOR, company_y)),
        "company_coordinator_x": make_user(
            "hr@x.example", "HR X", (Role.COMPANY_COORDINATOR, company_x)
        ),
        "student_a": make_user("student@a.example", "Student A", (Role.STUDENT, school_a)),
        "student_b": make_user("student@b.example", "Student B", (Role.STUDENT, school_b)),
        "outsider": make_user("outsider@example.org", "Olive Outsider"),
        "coach_ab": make_user(
            "coach@ab.example", "Coach AB", (Role.COACH, school_a), (Role.COACH, school_b)
        ),
        "coordinator_coach_a": make_user(
            "coordinating.coach@a.example",
            "Cora Coach",
            (Role.COORDINATOR, school_a),
            (Role.COACH, school_a),
        ),
        "promoter": make_user(
            "promoter@mobility.example", "Pro Motor", (Role.PROMOTER, promoter_org)
        ),
        "host_coordinator": make_user(
            "coordinator@host.example", "Hostia Coordinadora", (Role.HOST_COORDINATOR, host_partner)
        ),
        "monitor": make_user("monitor@host.example", "Mona Monitor", (Role.MONITOR, host_partner)),
        "mentor_es": make_user("mentor@taller.example", "Mentor ES", (Role.MENTOR, host_company)),
    }
    # Student A is 16 and a half, student B 20 and a half: a minor and an adult, whatever
    # the day the tests run (half a year keeps both clear of a birthday).
    people["student_a"].birth_date = today - timedelta(days=round(16.5 * 365.25))
    people["student_b"].birth_date = today - timedelta(days=round(20.5 * 365.25))
    db.session.flush()
    placement_a = Placement(
        student_id=people["student_a"].id,
        school_id=school_a.id,
        workplace_id=company_x.id,
        mentor_id=people["mentor_x"].id,
        coach_id=people["coach_a"].id,
        kind=PlacementKind.DUAL_LEARNING,
        start_date=start,
        end_date=monday(today, 29) + timedelta(days=2),
        **FOLLOWED_WITH,
    )
    placement_b = Placement(
        student_id=people["student_b"].id,
        school_id=school_b.id,
        workplace_id=company_y.id,
        mentor_id=people["mentor_y"].id,
        coach_id=people["coach_b"].id,
        kind=PlacementKind.BBL,
        start_date=start,
        end_date=monday(today, 38) + timedelta(days=1),
        **FOLLOWED_WITH,
    )
    # Two weeks abroad beginning on the Monday four weeks from now, waiting for what a
    # minor's mobility needs before it starts.
    placement_m = Placement(
        student_id=people["student_a"].id,
        school_id=school_a.id,
        workplace_id=host_company.id,
        mentor_id=people["mentor_es"].id,
        coach_id=people["coach_a"].id,
        monitor_id=people["monitor"].id,
        host_partner_id=host_partner.id,
        kind=PlacementKind.MOBILITY_ABROAD,
        status=PlacementStatus.PREPARING,
        start_date=monday(today, 4),
        end_date=monday(today, 5) + timedelta(days=4),
        **FOLLOWED_WITH,
    )
    db.session.add_all([placement_a, placement_b, placement_m])
    for name in ("admin", "coordinator_a", "coordinator_b", "coordinator_coach_a"):
        people[name].totp_secret = TOTP_SECRET
        people[name].totp_confirmed_at = at(start - timedelta(days=12), 9)
    db.session.commit()
    return World(
        school_a=school_a,
        school_b=school_b,
        company_x=company_x,
        company_y=company_y,
        promoter_org=promoter_org,
        host_partner=host_partner,
        host_company=host_company,
        placement_a=placement_a,
        placement_b=placement_b,
        placement_m=placement_m,
        today=today,
        **people,
    )


@dataclass
class WorldSnapshot:
    """The rows `build_world()` wrote, to write them again without the ORM's round trips."""

    key: tuple  # what the world depends on: the database kind and the day it is built around
    rows: dict[str, TableRows]  # per table, in the order the tables are made
    objects: dict[str, tuple[type, object]]  # per World field of a row: its model and key
    values: dict[str, object]  # the other World fields (the day)


_world_snapshot: WorldSnapshot | None = None  # the first world this process built


def _world_key(today: date) -> tuple:
    return (db.engine.dialect.name, today)


@functools.cache
def _any_row_statement():
    """One query that asks every table for a row, built once per process."""
    return select(or_(*(exists().select_from(t) for t in db.metadata.sorted_tables)))


def _database_is_empty() -> bool:
    if current_app.extensions.get("test_database_written") is False:
        return True  # nothing has written to it since the `app` fixture emptied it
    return not db.session.execute(_any_row_statement()).scalar()


@dataclass
class TableRows:
    """The rows of one table: on SQLite as the driver stores them (written again with no
    conversion), on PostgreSQL as the models read them.
    """

    columns: list[str]
    values: list[tuple]


def table_rows() -> dict[str, TableRows]:
    """Every row of the database, per table, in the order the tables are made, each
    table's rows in key order (PostgreSQL returns them as they lie, which an update
    changes, and equal databases must read the same).
    """
    raw = db.engine.dialect.name == "sqlite"
    connection = db.session.connection()
    rows = {}
    for table in db.metadata.sorted_tables:
        if raw:  # names from the models, not from input
            result = connection.exec_driver_sql(f'SELECT * FROM "{table.name}"')  # noqa: S608
        else:
            result = connection.execute(table.select().order_by(*table.primary_key.columns))
        found = [tuple(row) for row in result]
        if found:
            rows[table.name] = TableRows(list(result.keys()), found)
    return rows


def write_rows(rows: dict[str, TableRows]) -> None:
    """Write rows `table_rows()` read into an empty database, and commit."""
    tables = db.metadata.tables
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        for name, found in rows.items():
            columns = ", ".join(f'"{column}"' for column in found.columns)
            marks = ", ".join("?" for _ in found.columns)
            connection.exec_driver_sql(
                f'INSERT INTO "{name}" ({columns}) VALUES ({marks})',  # noqa: S608
                found.values,
            )
        db.session.commit()
        return
    for name, found in rows.items():
        connection.execute(
            tables[name].insert(),
            [dict(zip(found.columns, row, strict=True)) for row in found.values],
        )
    # The sequences continue after the copied ids, as after writing them one by one: all
    # in one statement, as one round trip.
    calls, values = [], {}
    for number, (name, found) in enumerate(rows.items()):
        if "id" in tables[name].c and tables[name].c.id.autoincrement:
            at = found.columns.index("id")
            calls.append(f"setval(pg_get_serial_sequence(:t{number}, 'id'), :v{number})")
            values |= {f"t{number}": f'"{name}"', f"v{number}": max(r[at] for r in found.values)}
    if calls:
        db.session.execute(text("SELECT " + ", ".join(calls)), values)
    db.session.commit()


def empty_database() -> None:
    """Every table emptied (in an app context), as the `app` fixture hands it over."""
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        empty_postgres_database()
        return
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


def _take_snapshot(built: World, today: date) -> WorldSnapshot:
    rows = table_rows()
    fields = vars(built)
    objects = {
        name: (type(obj), inspect(obj).identity[0])
        for name, obj in fields.items()
        if isinstance(obj, db.Model)
    }
    values = {name: value for name, value in fields.items() if name not in objects}
    return WorldSnapshot(key=_world_key(today), rows=rows, objects=objects, values=values)


def _restore_snapshot(snapshot: WorldSnapshot) -> World:
    write_rows(snapshot.rows)
    # One query per model rather than one per object.
    wanted: dict[type, dict[object, list[str]]] = {}
    for name, (model, key) in snapshot.objects.items():
        wanted.setdefault(model, {}).setdefault(key, []).append(name)
    objects = {}
    for model, names in wanted.items():
        for obj in db.session.scalars(select(model).where(model.id.in_(list(names)))):
            objects.update(dict.fromkeys(names[obj.id], obj))
    return World(**objects, **snapshot.values)


@pytest.fixture
def world(app, today):
    """The world, built in its own app context; objects are reloaded by id in tests.

    The first world a test process builds is kept as rows; on an empty database the next
    ones around the same day are those rows written again, which is what building it
    would write.
    """
    global _world_snapshot
    with app.app_context():
        snapshot = _world_snapshot
        if snapshot and snapshot.key == _world_key(today) and _database_is_empty():
            built = _restore_snapshot(snapshot)
        else:
            fresh = _database_is_empty()
            built = build_world(today)
            for obj in vars(built).values():
                if isinstance(obj, db.Model):
                    db.session.refresh(obj)
            if fresh:
                _world_snapshot = _take_snapshot(built, today)
        db.session.expunge_all()
    return built


@dataclass
class SavedState:
    """What a test world's extension wrote: its rows, its uploaded files, what it returned."""

    rows: dict[str, TableRows]
    files: dict[str, bytes]  # below the upload folder, by relative path
    value: object


_saved_states: dict[tuple, SavedState] = {}


def reuse_state(app, name: str, build):
    """`build()` run on the database as it is, once per test process for each state it
    starts from; a later test that asks for `name` on an identical database gets the rows
    and uploaded files it wrote written again, and what it returned. For extensions of
    the world that many tests read: a test that changed the world first (everyone in
    English, say) gets its own build.
    """
    with app.app_context():
        before = hashlib.sha256(repr(table_rows()).encode()).hexdigest()
        key = (name, db.engine.dialect.name, before)
    uploads = Path(app.config["UPLOAD_PATH"])
    saved = _saved_states.get(key)
    if saved is None:
        value = build()
        files = {}
        if uploads.exists():
            files = {
                str(path.relative_to(uploads)): path.read_bytes()
                for path in uploads.rglob("*")
                if path.is_file()
            }
        with app.app_context():
            _saved_states[key] = SavedState(table_rows(), files, value)
        return value
    with app.app_context():
        empty_database()
        write_rows(saved.rows)
        db.session.remove()
    for relative, content in saved.files.items():
        path = uploads / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return saved.value


@pytest.fixture
def start(world) -> date:
    """The first day of the world's placements: a Tuesday, fourteen weeks before this week."""
    return world.placement_a.start_date


@pytest.fixture
def in_english(app, world):
    """Everyone in the world reads English, so messages can be asserted word for word."""
    with app.app_context():
        for user in db.session.scalars(select(User)):
            user.locale = "en"
        db.session.commit()


def placement_form(world, **changes) -> dict:
    """The fields of the placement form for placement A's trio, with `changes` applied:
    an internship of eight weeks from the Monday eight weeks after this one.
    """
    start = monday(world.today, 8)
    form = {
        "school": world.school_a.id,
        "student": world.student_a.id,
        "workplace": world.company_x.id,
        "mentor": world.mentor_x.id,
        "coach": world.coach_a.id,
        "kind": "internship",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(weeks=8, days=2)).isoformat(),
        "status": "active",
        "notes": "",
        "framework": "",
        "rubric": "",
    }
    form.update(changes)
    return form


def write_entry(
    app, placement, author, kind: str = "weekly_log", *, week: date | None = None, **options
) -> int:
    """Write an entry in the log through the service, as `author`; returns its id.

    A weekly log is for `week`, by default the fifth week after the placement's first
    (nine weeks ago in the world). Sections default to one answer per prompt;
    `submit=True` hands a week to the mentor.
    """
    with app.app_context():
        kind = EntryKind(kind)
        sections = options.pop("sections", None) or {
            name: f"{name} by {author.name}" for name, _label, _required in PROMPTS[kind]
        }
        entry = create_entry(
            db.session.get(Placement, placement.id),
            db.session.get(User, author.id),
            kind,
            sections,
            week=(week or monday(placement.start_date, 5))
            if kind == EntryKind.WEEKLY_LOG
            else None,
            **options,
        )
        return entry.id


def png_bytes(size: tuple[int, int] = (4, 3), colour: str = "green") -> bytes:
    """A real PNG, made here so no test depends on a file shipped beside it."""
    output = io.BytesIO()
    Image.new("RGB", size, colour).save(output, "PNG")
    return output.getvalue()


def attach_file(
    app, entry_id: int, uploader, data: bytes | None = None, filename: str = "photo.png"
) -> int:
    """Attach a file to an entry through the service, as `uploader`; returns its id."""
    with app.app_context():
        attachment = add_attachment(
            db.session.get(LogEntry, entry_id),
            db.session.get(User, uploader.id),
            filename,
            io.BytesIO(png_bytes() if data is None else data),
        )
        return attachment.id


# -- a logged-in browser ----------------------------------------------------------------


class Browser:
    """A test client that logs in and sends forms with their CSRF token, as a browser does."""

    def __init__(self, client, address: str = "127.0.0.1") -> None:
        self.client = client
        self.address = address  # each person browses from their own address
        self._token: str | None = None

    def get(self, path: str, **kwargs):
        kwargs.setdefault("environ_base", {"REMOTE_ADDR": self.address})
        # Read the whole response and close it, as a server does: a sent file is closed.
        kwargs.setdefault("buffered", True)
        response = self.client.get(path, **kwargs)
        self._remember_token(response)
        return response

    def _remember_token(self, response) -> None:
        if response.mimetype == "text/html":
            match = CSRF_PATTERN.search(response.get_data(as_text=True))
            if match:
                self._token = match.group(1)

    def token(self) -> str:
        if self._token is None:
            self.get("/password/forgot")  # a page with a form for everyone
        return self._token

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token())
        kwargs.setdefault("environ_base", {"REMOTE_ADDR": self.address})
        response = self.client.post(path, data=data, **kwargs)
        self._remember_token(response)
        return response

    def login(self, email_address: str, password: str = PASSWORD, **extra):
        self._token = None
        response = self.post("/login", {"email": email_address, "password": password, **extra})
        self._token = None
        return response


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def login_as(app):
    """A fresh browser with a session for `user`, as after logging in with the password
    and, for those who have one, the second factor.

    The session is set directly: the login form and the second step are tested in
    test_auth.py and test_second_factor.py; checking a password hash for every role in
    every test would be slow, and a code from the app works only once.
    """

    def login(user: User) -> Browser:
        with app.app_context():
            session_id = db.session.get(User, user.id).get_id()
        session_browser = Browser(
            app.test_client(), address=f"10.1.{user.id // 250}.{user.id % 250 + 1}"
        )
        with session_browser.client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
            session.update(session_started(second_factor_done=True))
        return session_browser

    return login


# -- e-mail -----------------------------------------------------------------------------


class Outbox:
    """The e-mails written to the instance outbox, oldest first."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def messages(self) -> list[Message]:
        if not self.path.exists():
            return []
        return [email.message_from_bytes(p.read_bytes()) for p in sorted(self.path.glob("*.eml"))]

    def __len__(self) -> int:
        return len(self.messages)

    def last(self) -> Message:
        return self.messages[-1]

    @staticmethod
    def body(message: Message) -> str:
        return message.get_payload(decode=True).decode()

    @classmethod
    def link(cls, message: Message) -> str:
        """The first link in a message, as a path on this site."""
        links = cls.links(message)
        assert links, cls.body(message)
        return links[0]

    @classmethod
    def links(cls, message: Message) -> list[str]:
        """Every link in a message, in order, as paths on this site."""
        return re.findall(r"https?://[^/\s]+(/\S*)", cls.body(message))


@pytest.fixture
def outbox(app) -> Outbox:
    return Outbox(Path(app.config["MAIL_OUTBOX_PATH"]))


def send_queued_mail(app, now: datetime | None = None) -> mail_queue.MailReport:
    """Send the e-mails about an account that wait (a password reset), as the scheduler's
    `account_mail` job does every minute.
    """
    with app.app_context():
        return mail_queue.deliver(now or utcnow())


@pytest.fixture
def mail_server(app):
    """A mail server the app sends through: SMTP on a local port, without TLS."""
    server = MailServer().start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False, MAIL_USE_SSL=False
    )
    yield server
    server.stop()


# -- counting queries -------------------------------------------------------------------


class QueryCounter:
    """The statements run, and how many parameters each bound (a statement that binds one
    per row breaks at the size of a school group).
    """

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.bound: list[int] = []

    def __call__(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:
        self.statements.append(statement)
        self.bound.append(0 if executemany or parameters is None else len(parameters))

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside `with count_queries() as counter:`."""

    @contextmanager
    def counting():
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return counting


@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, moved forward by `clock.move(minutes=…, hours=…)`."""

    class Clock:
        offset = 0.0

        def move(self, *, minutes: float = 0, hours: float = 0) -> None:
            self.offset += minutes * 60 + hours * 3600

    moved = Clock()
    monkeypatch.setattr(sessions, "now", lambda: time.time() + moved.offset)
    return moved


@pytest.fixture
def demo(app) -> dict:
    """The demo world, built around the test's today; the ids the tests open. Staff log
    in with the password alone, as in development, where the demo runs.
    """
    app.config["REQUIRE_TWO_FACTOR"] = False
    with app.app_context():
        build_demo_world()
        call = db.session.scalar(select(MobilityCall))
        placements = {
            user.email.split("@")[0]: placement.id
            for placement, user in db.session.execute(
                select(Placement, User)
                .join(User, User.id == Placement.student_id)
                .where(Placement.host_partner_id.is_not(None))
            )
        }
        schools = {
            o.name: o.id
            for o in db.session.scalars(select(Organisation).where(Organisation.kind == "school"))
        }
        candidates = {
            c.student.email.split("@")[0]: c.id
            for c in db.session.scalars(select(Candidate).where(Candidate.call_id == call.id))
        }
    return {"call": call.id, "placements": placements, "schools": schools, "candidates": candidates}
