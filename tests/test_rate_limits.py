"""Login limits hold across web processes when their counters live in Redis."""

from __future__ import annotations

import os

import pytest
import redis

from app import create_app
from app.extensions import db
from config import TestingConfig
from tests.conftest import PASSWORD, Browser, build_world, reset_postgres_schema

REDIS_URL = os.environ.get("LEERSPOOR_TEST_REDIS_URL")

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="no Redis server configured (set LEERSPOOR_TEST_REDIS_URL)"
)


class RedisTestingConfig(TestingConfig):
    def __init__(self) -> None:
        super().__init__()
        self.RATELIMIT_STORAGE_URI = REDIS_URL


def _web_process(processes: list):
    """Another app on the same database and Redis: what another gunicorn worker is."""
    app = create_app(RedisTestingConfig)
    processes.append(app)
    return app


def test_failed_logins_count_across_processes(tmp_path, monkeypatch):
    redis.Redis.from_url(REDIS_URL).flushdb()
    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path / "instance"))
    first = create_app(RedisTestingConfig)
    with first.app_context():
        if db.engine.dialect.name == "postgresql":
            reset_postgres_schema()
        db.create_all()
        world = build_world()
        email = world.mentor_x.email
    processes = [first]
    attempts = first.config["LOGIN_ATTEMPTS_PER_MINUTE"]
    for attempt in range(attempts):
        process = first if attempt % 2 else _web_process(processes)
        response = Browser(process.test_client(), address=f"10.9.0.{attempt + 1}").post(
            "/login", {"email": email, "password": "wrong"}
        )
        assert response.status_code == 200
    other = _web_process(processes)
    response = Browser(other.test_client(), address="10.9.1.1").post(
        "/login", {"email": email, "password": PASSWORD}
    )
    assert response.status_code == 429
    for process in processes:
        with process.app_context():
            db.session.remove()
            db.engine.dispose()
