"""When the database cannot be reached: every page answers 503 with Retry-After and a
friendly page, /healthz answers 503 within 2 seconds, and the app serves again within
5 seconds of the database returning, without a restart.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from contextlib import suppress

import pytest
from sqlalchemy.engine import make_url

from app import create_app
from app.auth.sessions import session_started
from app.extensions import db
from app.models import User
from config import TestingConfig
from tests.conftest import Browser, build_world, postgres_url, reset_postgres_schema

# What a 503 page may never show: a trace, the database layers, SQL.
LEAKS = ("Traceback", "sqlalchemy", "psycopg", "sqlite3", "SELECT", "OperationalError")


def logged_in(app, user_id: int) -> Browser:
    """A browser with a session for the user, as after logging in."""
    with app.app_context():
        session_id = db.session.get(User, user_id).get_id()
    browser = Browser(app.test_client())
    with browser.client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
        session.update(session_started(second_factor_done=True))
    return browser


def assert_friendly_503(response, *, text: str) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert text in page
    for leak in LEAKS:
        assert leak.lower() not in page.lower(), leak


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


# -- the health check -------------------------------------------------------------------


def test_health_check_answers_ok_without_login_or_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


# -- SQLite: a database file that cannot be opened --------------------------------------


@pytest.fixture
def sqlite_app(tmp_path, monkeypatch):
    """An app on a SQLite file in a folder of its own, which the test can take away."""
    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path / "instance"))
    folder = tmp_path / "database"
    folder.mkdir()
    monkeypatch.setenv("LEERSPOOR_TEST_DATABASE_URL", f"sqlite:///{folder / 'leerspoor.db'}")
    app = create_app(TestingConfig)
    with app.app_context():
        db.create_all()
        world = build_world()
        app.config["test_mentor_id"] = world.mentor_x.id
    yield app, folder
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_sqlite_file_out_of_reach_gives_503_then_serves_again(sqlite_app):
    app, folder = sqlite_app
    mentor = logged_in(app, app.config["test_mentor_id"])
    assert mentor.get("/").status_code == 200

    away = folder.with_name("database-away")
    shutil.move(folder, away)
    with app.app_context():
        db.engine.dispose()  # open connections would go on reading the moved file
    assert_friendly_503(mentor.get("/"), text="Leerspoor is tijdelijk niet bereikbaar")
    english = mentor.get("/", headers={"Accept-Language": "en"})
    assert_friendly_503(english, text="Leerspoor is unavailable for a moment")
    health, seconds = timed(lambda: app.test_client().get("/healthz"))
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable"}
    assert health.headers["Retry-After"] == "30"
    assert seconds < 2

    shutil.move(away, folder)
    assert mentor.get("/").status_code == 200
    assert app.test_client().get("/healthz").status_code == 200


# -- PostgreSQL that goes away and comes back -------------------------------------------


class Cable:
    """A TCP proxy between the app and PostgreSQL, in threads, that the test can pull out.

    `cut()` drops every open connection and refuses new ones, as a server that stops or
    crashes does; `hang()` accepts connections and then passes nothing on, as a server
    that is frozen; `restore()` forwards again.
    """

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.state = "connected"
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self._start_accepting()

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(16)
        return listener

    def _start_accepting(self) -> None:
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed by cut() or close()
            if self.state == "hanging":
                with self._lock:
                    self._pairs.append((client, client))
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass  # the other direction, or cut(), closed the connection
        for end in (source, sink):
            end.close()

    def _drop_connections(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for end in pair:
                with suppress(OSError):  # already closed
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def _stop_listening(self) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone would not.
        with suppress(OSError):  # not listening any more
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()

    def cut(self) -> None:
        self.state = "cut"
        self._stop_listening()
        self._drop_connections()

    def hang(self) -> None:
        self.state = "hanging"
        self._drop_connections()

    def restore(self) -> None:
        if self.state == "cut":
            self._listener = self._listen(self.port)
            self._start_accepting()
        else:
            self._drop_connections()  # the frozen connections are lost either way
        self.state = "connected"

    def close(self) -> None:
        self._stop_listening()
        self._drop_connections()


needs_postgres = pytest.mark.skipif(
    not postgres_url(),
    reason="no PostgreSQL server configured (set LEERSPOOR_TEST_DATABASE_URL)",
)


@pytest.fixture
def postgres_behind_cable(tmp_path, monkeypatch):
    """An app whose PostgreSQL connections all pass through a `Cable`, and a mentor."""
    real = make_url(postgres_url())
    cable = Cable(real.host or "127.0.0.1", real.port or 5432)
    through_cable = real.set(host="127.0.0.1", port=cable.port)
    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv(
        "LEERSPOOR_TEST_DATABASE_URL", through_cable.render_as_string(hide_password=False)
    )
    app = create_app(TestingConfig)
    with app.app_context():
        reset_postgres_schema()
        db.create_all()
        mentor_id = build_world().mentor_x.id
    yield app, cable, logged_in(app, mentor_id)
    cable.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@needs_postgres
def test_postgres_going_away_gives_503_and_coming_back_serves_within_5_seconds(
    postgres_behind_cable,
):
    app, cable, mentor = postgres_behind_cable
    health = app.test_client()
    assert mentor.get("/").status_code == 200
    assert health.get("/healthz").status_code == 200

    cable.cut()
    response, seconds = timed(lambda: health.get("/healthz"))
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.get_json() == {"status": "unavailable"}
    assert seconds < 2
    page, page_seconds = timed(lambda: mentor.get("/", headers={"Accept-Language": "en"}))
    assert_friendly_503(page, text="Leerspoor is unavailable for a moment")
    assert page_seconds < 2
    print(f"cut: /healthz 503 in {seconds:.3f} s, a page 503 in {page_seconds:.3f} s")
    assert_friendly_503(mentor.get("/placements/1"), text="tijdelijk niet bereikbaar")
    login = Browser(app.test_client())
    assert_friendly_503(
        login.post("/login", {"email": "mentor@x.example", "password": "whatever it is"}),
        text="tijdelijk niet bereikbaar",
    )

    cable.restore()
    restored = time.monotonic()
    while mentor.get("/").status_code != 200:
        assert time.monotonic() - restored < 5, "still not serving 5 seconds after the return"
        time.sleep(0.1)
    back = time.monotonic() - restored
    assert health.get("/healthz").status_code == 200
    print(f"restored: pages 200 again after {back:.3f} s")


@needs_postgres
def test_health_check_answers_within_2_seconds_when_postgres_hangs(postgres_behind_cable):
    app, cable, _mentor = postgres_behind_cable
    health = app.test_client()
    assert health.get("/healthz").status_code == 200

    cable.hang()
    for _ in range(2):  # the second check waits for the probe still hanging, not a new one
        response, seconds = timed(lambda: health.get("/healthz"))
        assert response.status_code == 503
        assert seconds < 2
        print(f"hanging: /healthz 503 in {seconds:.3f} s")

    cable.restore()
    restored = time.monotonic()
    while health.get("/healthz").status_code != 200:
        assert time.monotonic() - restored < 5
        time.sleep(0.1)
    print(f"restored: /healthz 200 again after {time.monotonic() - restored:.3f} s")
