"""Security headers on every response, read from the production configuration."""

from __future__ import annotations

import pytest

from app import create_app
from app.extensions import db
from config import ProductionConfig
from tests.conftest import attach_file, write_entry


@pytest.fixture
def production(tmp_path, monkeypatch):
    """The app as production builds it from its environment, on a SQLite file."""
    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("LEERSPOOR_PUBLIC_URL", "https://leerspoor.example.be")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.db'}")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.be")
    monkeypatch.setenv("REDIS_URL", "memory://")
    for name in ("LEERSPOOR_HSTS_SECONDS", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(ProductionConfig)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_production_pages_carry_every_security_header(production):
    headers = production.test_client().get("/login", base_url="https://localhost").headers
    policy = {
        part.split()[0]: part.split()[1:] for part in headers["Content-Security-Policy"].split("; ")
    }
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no nonce: no inline script
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"


def test_production_error_pages_carry_them_too(production):
    headers = production.test_client().get("/no-such-page").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" in headers


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_pages_behind_login_are_not_stored(world, login_as):
    coordinator = login_as(world.coordinator_a)
    for path in ("/", "/account", "/admin/", f"/placements/{world.placement_a.id}/log"):
        assert coordinator.get(path).headers["Cache-Control"] == "no-store", path


def test_static_files_keep_their_own_caching(client):
    with client.get("/static/leerspoor-1.0.css") as response:
        assert response.headers["Cache-Control"] != "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_files_of_people_are_not_stored_whatever_caching_the_app_was_given(app, world, login_as):
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600  # would make a sent file public
    week = write_entry(app, world.placement_a, world.student_a, submit=True)
    photo = attach_file(app, week, world.student_a)
    path = f"/placements/{world.placement_a.id}/log/{week}/attachments/{photo}"
    response = login_as(world.mentor_x).get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_logging_out_empties_the_browsers_cache_of_the_site(world, login_as):
    response = login_as(world.student_a).post("/logout")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'


def test_the_scale_colours_are_the_same_for_everyone_and_may_be_cached(client):
    assert client.get("/content/scales.css").headers["Cache-Control"] == "public, max-age=3600"
