"""Configuration from the environment: safe development defaults, strict production."""

from __future__ import annotations

import pytest

from app import create_app
from config import (
    ConfigurationError,
    DevelopmentConfig,
    ProductionConfig,
    config_from_environment,
)


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path / "inst"))
    for name in ("SECRET_KEY", "DATABASE_URL", "LEERSPOOR_ENV", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "inst"


def test_development_defaults_to_sqlite_in_the_instance_folder(instance):
    config = DevelopmentConfig()
    assert config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{instance / 'leerspoor.db'}"
    assert config.MAIL_OUTBOX_PATH == str(instance / "outbox")


def test_development_secret_key_is_generated_once_and_kept(instance):
    first = DevelopmentConfig().SECRET_KEY
    second = DevelopmentConfig().SECRET_KEY
    assert first == second
    assert len(first) >= 64
    assert (instance / "secret_key").read_text() == first
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret_key(instance):
    with pytest.raises(ConfigurationError, match="SECRET_KEY is not set"):
        ProductionConfig()
    assert not (instance / "secret_key").exists()


def test_production_refuses_to_start_without_its_public_address(instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.delenv("LEERSPOOR_PUBLIC_URL", raising=False)
    with pytest.raises(ConfigurationError, match="LEERSPOOR_PUBLIC_URL is not set"):
        ProductionConfig()


def test_production_with_a_secret_key_has_secure_cookies(instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("LEERSPOOR_PUBLIC_URL", "https://leerspoor.example.be/")
    config = ProductionConfig()
    assert config.PUBLIC_URL == "https://leerspoor.example.be"
    assert config.SESSION_COOKIE_SECURE is True
    assert config.REMEMBER_COOKIE_SECURE is True
    assert config.SESSION_COOKIE_HTTPONLY is True
    assert config.SESSION_COOKIE_SAMESITE == "Lax"


def test_development_cookies_are_not_https_only(instance):
    assert DevelopmentConfig().SESSION_COOKIE_SECURE is False


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@db/leerspoor", "postgresql+psycopg://u:p@db/leerspoor"),
        ("postgresql://u@db/leerspoor", "postgresql+psycopg://u@db/leerspoor"),
        ("postgresql+psycopg://u@db/x", "postgresql+psycopg://u@db/x"),
    ],
)
def test_postgres_urls_use_psycopg_3(instance, monkeypatch, given, used):
    monkeypatch.setenv("DATABASE_URL", given)
    config = DevelopmentConfig()
    assert config.SQLALCHEMY_DATABASE_URI == used
    options = config.SQLALCHEMY_ENGINE_OPTIONS
    assert options["pool_pre_ping"] is True
    assert options["hide_parameters"] is True
    assert options["connect_args"]["connect_timeout"] == 2


def test_a_connect_timeout_in_the_database_url_wins(instance, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/leerspoor?connect_timeout=10")
    options = DevelopmentConfig().SQLALCHEMY_ENGINE_OPTIONS
    assert "connect_timeout" not in options["connect_args"]
    assert options["connect_args"]["tcp_user_timeout"] == 10_000


def test_unknown_environment_name_is_refused(instance, monkeypatch):
    monkeypatch.setenv("LEERSPOOR_ENV", "staging")
    with pytest.raises(ConfigurationError, match="LEERSPOOR_ENV"):
        config_from_environment()


def test_a_bad_number_is_refused_with_its_name(instance, monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "twenty-five")
    with pytest.raises(ConfigurationError, match="MAIL_PORT"):
        DevelopmentConfig()


def test_the_app_reads_the_environment_when_created(instance, monkeypatch):
    monkeypatch.setenv("LEERSPOOR_PER_PAGE", "7")
    app = create_app()
    assert app.config["PER_PAGE"] == 7
    assert app.instance_path == str(instance)


def test_mentor_links_work_7_days_unless_the_environment_says_otherwise(instance, monkeypatch):
    assert DevelopmentConfig().MENTOR_LINK_DAYS == 7
    monkeypatch.setenv("LEERSPOOR_MENTOR_LINK_DAYS", "0")
    assert DevelopmentConfig().MENTOR_LINK_DAYS == 0


def test_staff_need_a_second_factor_in_production_not_in_development(instance, monkeypatch):
    monkeypatch.delenv("LEERSPOOR_REQUIRE_TWO_FACTOR", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("LEERSPOOR_PUBLIC_URL", "https://leerspoor.example.be")
    assert ProductionConfig().REQUIRE_TWO_FACTOR is True
    assert DevelopmentConfig().REQUIRE_TWO_FACTOR is False
    monkeypatch.setenv("LEERSPOOR_REQUIRE_TWO_FACTOR", "true")
    assert DevelopmentConfig().REQUIRE_TWO_FACTOR is True


def test_session_limits_default_to_30_minutes_for_staff_and_12_hours(instance):
    config = DevelopmentConfig()
    assert config.SESSION_IDLE_MINUTES_STAFF == 30
    assert config.SESSION_IDLE_MINUTES == 120
    assert config.SESSION_MAX_HOURS == 12
