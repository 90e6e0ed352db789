"""Logs hold no passwords, tokens, cookies or content of entries, and one line per record."""

from __future__ import annotations

import http.cookiejar
import io
import logging
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from werkzeug.serving import make_server

from app.auth.tokens import Purpose, make_token
from app.extensions import db
from app.logs import OneLineFormatter, one_line, redact
from app.models import User
from tests.conftest import CSRF_PATTERN, PASSWORD, write_entry

COMMENT = "Goed gedaan vandaag.\nERROR in auth: admin logged in\r\nDerde regel met een geheim"


class Capture(logging.Handler):
    """Every record that reaches the root logger, formatted as in production."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.stream = io.StringIO()
        self.records = 0
        self.setFormatter(OneLineFormatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        self.stream.write(self.format(record) + "\n")

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def captured():
    capture = Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.INFO)  # the built-in server's request lines
    yield capture
    werkzeug.setLevel(level)
    root.removeHandler(capture)


@pytest.fixture
def served(app, world):
    """The app behind werkzeug's own server, which logs a line per request."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


class Visitor:
    """A person with a browser: cookies kept, forms sent with their CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.token = ""

    def get(self, path: str) -> str:
        try:
            with self.opener.open(self.base + path) as response:
                page = response.read().decode()
        except urllib.error.HTTPError as error:
            page = error.read().decode()
        match = CSRF_PATTERN.search(page)
        self.token = match.group(1) if match else self.token
        return page

    def post(self, path: str, fields: dict) -> str:
        data = urllib.parse.urlencode({**fields, "csrf_token": self.token}).encode()
        with self.opener.open(self.base + path, data=data) as response:
            return response.read().decode()


def test_the_log_holds_no_password_token_cookie_or_entry(app, world, captured, served):
    entry = write_entry(app, world.placement_a, world.student_a, submit=True)
    with app.app_context():
        student = db.session.get(User, world.student_a.id)
        reset_token = make_token(student, Purpose.PASSWORD_RESET)
        invitation_token = make_token(student, Purpose.INVITATION)

    student = Visitor(served)
    student.get("/login")
    student.post("/login", {"email": world.student_a.email, "password": "wrong " + PASSWORD})
    student.post("/login", {"email": world.student_a.email, "password": PASSWORD})
    comments = f"/placements/{world.placement_a.id}/log/{entry}/comments"
    student.get(f"/placements/{world.placement_a.id}/log/{entry}")
    student.post(comments, {"body": COMMENT})
    student.get(f"/?q={urllib.parse.quote('Student A')}&page=2")
    visitor = Visitor(served)
    visitor.get(f"/password/reset/{reset_token}?from=mail")
    visitor.get(f"/invitation/{invitation_token}")
    visitor.get(f"/quick/{reset_token}")
    with app.app_context():  # what the app logs of user input, if it ever does
        app.logger.warning("Unknown organisation %s", "Garage\nERROR in auth: admin logged in")

    log = captured.text
    assert "POST /login" in log
    assert f"GET /placements/{world.placement_a.id}" in log
    for secret in (PASSWORD, reset_token, invitation_token, "Student%20A", "Derde regel"):
        assert secret not in log, secret
    for cookie in student.cookies:
        assert cookie.value not in log
    assert "/password/reset/[…]" in log
    assert "/invitation/[…]" in log
    assert "/quick/[…]" in log
    assert log.count("\n") == captured.records, log
    assert "Unknown organisation Garage\\nERROR in auth: admin logged in" in log


def test_gunicorns_access_lines_lose_their_tokens(captured):
    token = "eyJ1IjozLCJmIjoiYWJjIn0.aB1cDe.Xq4v7sB3nK9pL2mR8tY5wZ1cF6hJ0gE"
    access = logging.getLogger("gunicorn.access")
    access.setLevel(logging.INFO)
    access.info(
        '%(h)s "%(r)s" %(s)s', {"h": "10.0.0.1", "r": f"GET /quick/{token} HTTP/1.1", "s": "302"}
    )
    assert token not in captured.text
    assert '"GET /quick/[…] HTTP/1.1" 302' in captured.text


@pytest.mark.parametrize(
    ("logged", "written"),
    [
        ("GET /password/reset/abc.def.ghi HTTP/1.1", "GET /password/reset/[…] HTTP/1.1"),
        ("GET /?q=lotte&page=2 HTTP/1.1", "GET /?q=[…]&page=[…] HTTP/1.1"),
        ("sent to leerspoor.example.be", "sent to leerspoor.example.be"),
        ("in app.auth.sessions", "in app.auth.sessions"),
        (
            "link .eJwlyTEOgCAQBO.aB1cDe.Xq4v7sB3nK9pL2mR8tY5wZ1cF6hJ0gE here",
            "link […] here",
        ),
    ],
)
def test_redact_keeps_what_is_not_a_secret(logged, written):
    assert redact(logged) == written


def test_one_line_writes_out_line_breaks():
    assert one_line("a\nb\r\nc\\n") == "a\\nb\\r\\nc\\\\n"
    assert "\n" not in one_line("x\n" * 5)


def test_the_database_keeps_values_out_of_its_errors(app):
    with app.app_context():
        assert db.engine.hide_parameters


def test_a_traceback_stays_on_its_records_line(captured):
    logger = logging.getLogger("app")
    try:
        raise ValueError("line one\nline two")
    except ValueError:
        logger.exception("It failed")
    assert captured.records == 1
    assert captured.text.count("\n") == 1
    assert re.search(r"It failed\\nTraceback", captured.text)
