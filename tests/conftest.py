"""Test fixtures: an app per test on a fresh database, a realistic world, and helpers.

The database is a SQLite file in a temporary folder, or the PostgreSQL server named
by LEERSPOOR_TEST_DATABASE_URL (its public schema is emptied for every test).
"""

from __future__ import annotations

import email
import io
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from PIL import Image
from sqlalchemy import event, select, text
from werkzeug.security import generate_password_hash

from app import create_app
from app.auth import mail_queue, sessions
from app.auth.sessions import session_started
from app.extensions import db, limiter
from app.followup.entries import PROMPTS, create_entry
from app.followup.evidence import add_attachment
from app.models import (
    EntryKind,
    LogEntry,
    Membership,
    Organisation,
    OrganisationKind,
    Partnership,
    Placement,
    PlacementKind,
    Role,
    User,
)
from app.models.columns import utcnow
from config import TestingConfig
from tests.mail_server import MailServer

PASSWORD = "correct horse battery"
PASSWORD_HASH = generate_password_hash(PASSWORD)  # hashed once: hashing is slow on purpose
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


def pytest_report_header(config) -> list[str]:
    name = settings.get_current_profile_name()
    profile = settings.get_profile(name)
    how = "the same examples every run" if profile.derandomize else "new examples every run"
    return [
        f"hypothesis: profile {name} ({how}, {profile.max_examples} a property); "
        f"random seed {FUZZ_SEED} (LEERSPOOR_FUZZ_SEED)"
    ]


def postgres_url() -> str | None:
    return os.environ.get("LEERSPOOR_TEST_DATABASE_URL") or None


def reset_postgres_schema() -> None:
    """Empty the PostgreSQL test database (tables, types and Alembic's version table)."""
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    monkeypatch.delenv("LEERSPOOR_PUBLIC_URL", raising=False)
    app = create_app(TestingConfig)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            reset_postgres_schema()
        db.create_all()
        limiter.reset()
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
    placement_a: Placement
    placement_b: Placement

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


# The content every world placement is followed with (files shipped in `rubrics/`).
FOLLOWED_WITH = {
    "framework_id": "generic-work-competences",
    "framework_version": 1,
    "rubric_id": "soft-skills",
    "rubric_version": 1,
}


def build_world() -> World:
    school_a = Organisation(name="School A", kind=OrganisationKind.SCHOOL, city="Gent")
    school_b = Organisation(
        name="School B", kind=OrganisationKind.SCHOOL, city="Breda", country="NL"
    )
    company_x = Organisation(name="Company X", kind=OrganisationKind.COMPANY, city="Deinze")
    company_y = Organisation(name="Company Y", kind=OrganisationKind.COMPANY, city="Terneuzen")
    db.session.add_all([school_a, school_b, company_x, company_y])
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
    }
    # Student A is 16 and a half, student B 20 and a half: a minor and an adult, whatever
    # the day the tests run (half a year keeps both clear of a birthday).
    people["student_a"].birth_date = date.today() - timedelta(days=round(16.5 * 365.25))
    people["student_b"].birth_date = date.today() - timedelta(days=round(20.5 * 365.25))
    db.session.flush()
    placement_a = Placement(
        student_id=people["student_a"].id,
        school_id=school_a.id,
        workplace_id=company_x.id,
        mentor_id=people["mentor_x"].id,
        coach_id=people["coach_a"].id,
        kind=PlacementKind.DUAL_LEARNING,
        start_date=date(2026, 9, 1),
        end_date=date(2027, 6, 30),
        **FOLLOWED_WITH,
    )
    placement_b = Placement(
        student_id=people["student_b"].id,
        school_id=school_b.id,
        workplace_id=company_y.id,
        mentor_id=people["mentor_y"].id,
        coach_id=people["coach_b"].id,
        kind=PlacementKind.BBL,
        start_date=date(2026, 9, 1),
        end_date=date(2027, 8, 31),
        **FOLLOWED_WITH,
    )
    db.session.add_all([placement_a, placement_b])
    for name in ("admin", "coordinator_a", "coordinator_b", "coordinator_coach_a"):
        people[name].totp_secret = TOTP_SECRET
        people[name].totp_confirmed_at = datetime(2026, 8, 20, 9, 0, tzinfo=UTC)
    db.session.commit()
    return World(
        school_a=school_a,
        school_b=school_b,
        company_x=company_x,
        company_y=company_y,
        placement_a=placement_a,
        placement_b=placement_b,
        **people,
    )


@pytest.fixture
def world(app):
    """The world, built in its own app context; objects are reloaded by id in tests."""
    with app.app_context():
        built = build_world()
        for obj in vars(built).values():
            db.session.refresh(obj)
        db.session.expunge_all()
    return built


@pytest.fixture
def in_english(app, world):
    """Everyone in the world reads English, so messages can be asserted word for word."""
    with app.app_context():
        for user in db.session.scalars(select(User)):
            user.locale = "en"
        db.session.commit()


def placement_form(world, **changes) -> dict:
    """The fields of the placement form for placement A's trio, with `changes` applied."""
    form = {
        "school": world.school_a.id,
        "student": world.student_a.id,
        "workplace": world.company_x.id,
        "mentor": world.mentor_x.id,
        "coach": world.coach_a.id,
        "kind": "internship",
        "start_date": "2027-02-01",
        "end_date": "2027-03-31",
        "status": "active",
        "notes": "",
        "framework": "",
        "rubric": "",
    }
    form.update(changes)
    return form


def write_entry(
    app, placement, author, kind: str = "weekly_log", *, week=date(2026, 10, 5), **options
) -> int:
    """Write an entry in the log through the service, as `author`; returns its id.

    Sections default to one answer per prompt; `submit=True` hands a week to the mentor.
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
            week=week if kind == EntryKind.WEEKLY_LOG else None,
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
