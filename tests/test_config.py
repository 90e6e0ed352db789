"""Configuration from the environment: safe development defaults, strict production."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from app import create_app
from config import (
    DEVELOPMENT_UNDER_GUNICORN,
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


PRODUCTION_SETTINGS = {
    "SECRET_KEY": "x" * 64,
    "DATABASE_URL": "postgresql://leerspoor@127.0.0.1/leerspoor",
    "LEERSPOOR_PUBLIC_URL": "https://leerspoor.example.be/",
    "MAIL_SERVER": "smtp.example.be",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


@pytest.fixture
def production_environment(instance, monkeypatch):
    """Every setting production requires, set."""
    for name, value in PRODUCTION_SETTINGS.items():
        monkeypatch.setenv(name, value)


def test_production_refuses_to_start_naming_every_missing_setting_at_once(instance, monkeypatch):
    for name in PRODUCTION_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError) as refused:
        ProductionConfig()
    message = str(refused.value)
    assert message.startswith(
        "Production needs settings that are not set: SECRET_KEY, DATABASE_URL, "
        "LEERSPOOR_PUBLIC_URL, MAIL_SERVER, REDIS_URL."
    )
    for name in PRODUCTION_SETTINGS:
        assert f"\n  {name}: " in message  # each with what it is for
    assert not (instance / "secret_key").exists()  # no key made up in production


@pytest.mark.parametrize("missing", list(PRODUCTION_SETTINGS))
def test_production_refuses_to_start_without_each_required_setting(
    production_environment, monkeypatch, missing
):
    monkeypatch.setenv(missing, "  ")  # an empty value is as good as none
    with pytest.raises(ConfigurationError) as refused:
        ProductionConfig()
    assert str(refused.value).splitlines()[0] == (
        f"Production needs settings that are not set: {missing}."
    )


def test_production_keeps_login_counters_in_memory_only_when_told(
    production_environment, monkeypatch
):
    monkeypatch.setenv("REDIS_URL", "memory://")
    assert ProductionConfig().RATELIMIT_STORAGE_URI == "memory://"


def test_the_leerspoor_command_refuses_production_naming_what_is_missing(instance, monkeypatch):
    for name in PRODUCTION_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LEERSPOOR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.be")
    result = subprocess.run(
        [sys.executable, "-c", "from app.console import main; main()", "init"],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        "leerspoor cannot start: Production needs settings that are not set: DATABASE_URL, "
        "LEERSPOOR_PUBLIC_URL, REDIS_URL." in result.stderr
    )


def test_production_with_its_settings_has_secure_cookies(production_environment):
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


def test_staff_need_a_second_factor_in_production_not_in_development(
    production_environment, monkeypatch
):
    monkeypatch.delenv("LEERSPOOR_REQUIRE_TWO_FACTOR", raising=False)
    assert ProductionConfig().REQUIRE_TWO_FACTOR is True
    assert DevelopmentConfig().REQUIRE_TWO_FACTOR is False
    monkeypatch.setenv("LEERSPOOR_REQUIRE_TWO_FACTOR", "true")
    assert DevelopmentConfig().REQUIRE_TWO_FACTOR is True


def test_session_limits_default_to_30_minutes_for_staff_and_12_hours(instance):
    config = DevelopmentConfig()
    assert config.SESSION_IDLE_MINUTES_STAFF == 30
    assert config.SESSION_IDLE_MINUTES == 120
    assert config.SESSION_MAX_HOURS == 12


def test_gunicorn_without_leerspoor_env_warns_that_it_runs_in_development(
    instance, monkeypatch, capsys
):
    monkeypatch.setenv("SERVER_SOFTWARE", "gunicorn/23.0.0")
    config = config_from_environment()
    assert config.ENV_NAME == "development"
    assert capsys.readouterr().err.strip() == DEVELOPMENT_UNDER_GUNICORN
    assert "runs in development mode under gunicorn" in DEVELOPMENT_UNDER_GUNICORN


@pytest.mark.parametrize(
    ("server", "env"),
    [("gunicorn/23.0.0", "development"), ("", None), ("Werkzeug/3.1", None)],
    ids=["gunicorn, development chosen", "a command", "the built-in server"],
)
def test_no_development_warning_when_chosen_or_not_under_gunicorn(
    instance, monkeypatch, capsys, server, env
):
    monkeypatch.setenv("SERVER_SOFTWARE", server)
    if env:
        monkeypatch.setenv("LEERSPOOR_ENV", env)
    config_from_environment()
    assert capsys.readouterr().err == ""


def test_a_real_gunicorn_started_without_leerspoor_env_prints_the_warning(instance, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("LEERSPOOR_ENV", "SERVER_SOFTWARE", "DATABASE_URL")
    }
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
            + ["app:create_app()"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            deadline = time.monotonic() + 30
            while "Booting worker" not in errors.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1)  # the worker loads the app just after it says it boots
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert DEVELOPMENT_UNDER_GUNICORN in errors.read_text()
