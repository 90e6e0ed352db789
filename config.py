"""Configuration classes, read from environment variables when the app is created.

Nothing here is evaluated at import time: each class reads the environment in its
constructor, so tests and the CLI can set variables before building an app.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

# config.py is installed beside the `app` package, so this holds in a checkout and in a wheel.
BUNDLED_CONTENT = Path(__file__).resolve().parent / "app" / "content"


class ConfigurationError(RuntimeError):
    """The environment does not describe a configuration the app can run with."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}.") from error


def _by_suffix(prefix: str) -> dict[str, str]:
    """The non-empty variables whose names start with `prefix`, by the rest of the name in
    lower case: LEERSPOOR_SCHEDULE_DELIVER=off gives {"deliver": "off"}.
    """
    return {
        name[len(prefix) :].lower(): value.strip()
        for name, value in os.environ.items()
        if name.startswith(prefix) and value.strip()
    }


def _development_secret_key(instance_path: Path) -> str:
    """Return the development key kept in the instance folder, generating it once."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "development"
    DEBUG = False
    TESTING = False
    # None: werkzeug's default (scrypt with its strong parameters). Only the tests set
    # another, cheaper one; a login then upgrades any hash made otherwise.
    PASSWORD_HASH_METHOD: str | None = None

    def __init__(self) -> None:
        self.INSTANCE_PATH = str(
            Path(os.environ.get("LEERSPOOR_INSTANCE_PATH", "instance")).resolve()
        )
        instance = Path(self.INSTANCE_PATH)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "").strip() or (
            f"sqlite:///{instance / 'leerspoor.db'}"
        )
        self.SQLALCHEMY_DATABASE_URI = _normalise_database_url(self.SQLALCHEMY_DATABASE_URI)
        self.SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or self.missing_secret_key(
            instance
        )

        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
        self.MAIL_PORT = _int("MAIL_PORT", 587)
        self.MAIL_USE_TLS = _flag("MAIL_USE_TLS", True)
        self.MAIL_USE_SSL = _flag("MAIL_USE_SSL", False)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_DEFAULT_SENDER = os.environ.get(
            "MAIL_DEFAULT_SENDER", "Leerspoor <no-reply@leerspoor.local>"
        )
        self.MAIL_OUTBOX_PATH = str(instance / "outbox")
        # Daily summaries of notifications go out at the first pass after this hour.
        self.DIGEST_HOUR = _int("LEERSPOOR_DIGEST_HOUR", 7)
        # Who was erased, kept outside the database so that a restore cannot undo it.
        self.ERASURE_LEDGER_PATH = str(
            Path(os.environ.get("LEERSPOOR_ERASURE_LEDGER_PATH") or instance / "erasures.jsonl")
        )
        # The audit trail is deleted this many years after each event (app/privacy).
        self.AUDIT_RETENTION_YEARS = _int("LEERSPOOR_AUDIT_RETENTION_YEARS", 3)
        # When each scheduled job runs, by job name, as written (a crontab in Brussels time,
        # "every 30s" or "off"); read and checked by app/scheduling when the scheduler starts.
        self.SCHEDULES = _by_suffix("LEERSPOOR_SCHEDULE_")
        # Evidence files: outside the static folder, served only through access checks.
        self.UPLOAD_PATH = str(
            Path(os.environ.get("LEERSPOOR_UPLOAD_PATH") or instance / "uploads").resolve()
        )

        # How much evidence an entry and a placement's log can hold: 10 photos or PDFs are
        # more than a week's work needs; 500 are 10 a week for a school year and more. They
        # bound what one account can pile up (each file is up to 10 MB).
        self.ATTACHMENTS_PER_ENTRY = _int("LEERSPOOR_ATTACHMENTS_PER_ENTRY", 10)
        self.ATTACHMENTS_PER_PLACEMENT = _int("LEERSPOOR_ATTACHMENTS_PER_PLACEMENT", 500)

        # Where pg_dump and pg_restore are (for backups of PostgreSQL); empty: on PATH.
        self.PG_BIN = os.environ.get("LEERSPOOR_PG_BIN", "").strip()

        self.PUBLIC_URL = os.environ.get("LEERSPOOR_PUBLIC_URL", "").rstrip("/")
        self.PROXY_HOPS = _int("LEERSPOOR_PROXY_HOPS", 0)
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)
        self.INVITATION_MAX_AGE_DAYS = _int("INVITATION_MAX_AGE_DAYS", 14)
        self.PASSWORD_RESET_MAX_AGE_MINUTES = _int("PASSWORD_RESET_MAX_AGE_MINUTES", 60)
        # How long a mentor's quick link works; 0 switches quick links off on the platform.
        self.MENTOR_LINK_DAYS = _int("LEERSPOOR_MENTOR_LINK_DAYS", 7)
        self.LOGIN_ATTEMPTS_PER_MINUTE = _int("LOGIN_ATTEMPTS_PER_MINUTE", 5)
        # A browser that logged in to an account stays known to it this long after its last
        # login there: the right password gets through the login limits (docs/security.md).
        self.KNOWN_DEVICE_DAYS = _int("LEERSPOOR_KNOWN_DEVICE_DAYS", 365)
        # Coordinators and admins (and coaches where their school asks it) must log in with
        # a second factor. Off in development, so the demo's staff log in with a password.
        self.REQUIRE_TWO_FACTOR = _flag(
            "LEERSPOOR_REQUIRE_TWO_FACTOR", self.ENV_NAME in ("production", "testing")
        )
        # A session ends after this long without a request: 30 minutes for school staff,
        # who see the whole school's data; two hours for students and mentors, long enough
        # to write a weekly log or finish a module between other work without losing it.
        self.SESSION_IDLE_MINUTES_STAFF = _int("LEERSPOOR_SESSION_IDLE_MINUTES_STAFF", 30)
        self.SESSION_IDLE_MINUTES = _int("LEERSPOOR_SESSION_IDLE_MINUTES", 120)
        # ...and this long after logging in, whatever happened since ("keep me logged in"
        # renews it for students and mentors only; staff never get that cookie).
        self.SESSION_MAX_HOURS = _int("LEERSPOOR_SESSION_MAX_HOURS", 12)

        redis_url = os.environ.get("REDIS_URL", "")
        self.RATELIMIT_STORAGE_URI = redis_url or "memory://"
        self.RATELIMIT_ENABLED = True
        self.RATELIMIT_HEADERS_ENABLED = False

        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", self.ENV_NAME == "production")
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * _int("REMEMBER_COOKIE_DAYS", 30)
        # Browsers use HTTPS only for this site for so long once they saw the header.
        self.HSTS_SECONDS = _int(
            "LEERSPOOR_HSTS_SECONDS", 2 * 365 * 24 * 3600 if self.ENV_NAME == "production" else 0
        )

        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.SQLALCHEMY_TRACK_MODIFICATIONS = False
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token instead
        self.BABEL_DEFAULT_LOCALE = "nl"
        self.LANGUAGES = ("nl", "en")
        self.PER_PAGE = _int("LEERSPOOR_PER_PAGE", 25)
        # The folder holding `rubrics/` and `modules/`: by default the content shipped
        # inside the package (app/content), in a checkout and in an installed wheel alike.
        self.CONTENT_PATH = str(
            Path(os.environ.get("LEERSPOOR_CONTENT_PATH") or BUNDLED_CONTENT).resolve()
        )

    def missing_secret_key(self, instance: Path) -> str:
        """Development keeps a generated key in the instance folder."""
        return _development_secret_key(instance)


class DevelopmentConfig(Config):
    """The embedded default: SQLite in the instance folder, mail to the outbox."""


class ProductionConfig(Config):
    """Production: every setting it cannot guess is required, and cookies are Secure."""

    ENV_NAME = "production"

    # What production refuses to start without, and why; one message names every one
    # that is missing, so an operator fixes the environment file once.
    REQUIRED = {
        "SECRET_KEY": (
            "every web process must share one secret key (sessions and e-mail links are "
            "signed with it); generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`"
        ),
        "DATABASE_URL": (
            "the database, e.g. postgresql://leerspoor:…@127.0.0.1/leerspoor; without it "
            "the data would go to a SQLite file in whatever folder the process started in"
        ),
        "LEERSPOOR_PUBLIC_URL": (
            "the address people use, e.g. https://leerspoor.example.be; links in e-mails "
            "(invitations, password resets) are built from it, never from a request's "
            "Host header"
        ),
        "MAIL_SERVER": (
            "the SMTP host; without it every e-mail (invitations, password resets, "
            "reminders) would be a file in the instance folder that nobody receives"
        ),
        "REDIS_URL": (
            "where the login limits count, e.g. redis://127.0.0.1:6379/0, shared by every "
            "web process; `memory://` keeps the counters in the process, right only when "
            "exactly one web process runs"
        ),
    }

    def __init__(self) -> None:
        super().__init__()
        missing = [name for name in self.REQUIRED if not os.environ.get(name, "").strip()]
        if missing:
            raise ConfigurationError(
                "Production needs settings that are not set: "
                + ", ".join(missing)
                + ".\n"
                + "\n".join(f"  {name}: {self.REQUIRED[name]}." for name in missing)
                + "\nSet them in the environment of every process (web and scheduler); "
                "README, *Running in production*, shows a complete example."
            )

    def missing_secret_key(self, instance: Path) -> str:
        """No key is made up in production: __init__ refuses to start instead."""
        return ""


class TestingConfig(Config):
    """The test suite: a database per test, CSRF on, mail to a temporary outbox."""

    ENV_NAME = "testing"
    TESTING = True
    # scrypt with a small work factor: a login in a test costs a millisecond, not a
    # tenth of a second, and the code paths stay those of production.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105 (a method, not a password)
    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = _normalise_database_url(
            os.environ.get("LEERSPOOR_TEST_DATABASE_URL")
            or f"sqlite:///{Path(self.INSTANCE_PATH) / 'test.db'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.UPLOAD_PATH = str(Path(self.INSTANCE_PATH) / "uploads")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


DEVELOPMENT_UNDER_GUNICORN = (
    "Warning: LEERSPOOR_ENV is not set, so Leerspoor runs in development mode under "
    "gunicorn: a secret key generated into the instance folder, a SQLite database there "
    "unless DATABASE_URL is set, e-mails written to files, cookies not limited to HTTPS and "
    "no second factor required. Set LEERSPOOR_ENV=production (and what production needs) "
    "to serve people; set LEERSPOOR_ENV=development to silence this warning."
)


def under_gunicorn() -> bool:
    """Whether this process is served by gunicorn (its arbiter sets SERVER_SOFTWARE in the
    environment before it loads the app, in the master and every worker alike).
    """
    return os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn")


def config_from_environment() -> Config:
    """Build the configuration named by LEERSPOOR_ENV (default: development). A production
    server (gunicorn) started without LEERSPOOR_ENV says on stderr that it runs in
    development mode, since that is never what someone starting gunicorn means.
    """
    if "LEERSPOOR_ENV" not in os.environ and under_gunicorn():
        print(DEVELOPMENT_UNDER_GUNICORN, file=sys.stderr, flush=True)
    name = os.environ.get("LEERSPOOR_ENV", "development").strip().lower()
    if name not in CONFIGS:
        raise ConfigurationError(
            f"LEERSPOOR_ENV must be one of {', '.join(CONFIGS)}, not {name!r}."
        )
    return CONFIGS[name]()


def _normalise_database_url(url: str) -> str:
    """Let `postgres://` and `postgresql://` URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# How PostgreSQL connections notice a server that has gone away (docs/reliability.md):
# a connection attempt gives up after 2 seconds; data the server has not acknowledged
# for 10 seconds, or an idle connection that stops answering keepalives, ends the
# connection instead of hanging a request for the minutes TCP would otherwise wait.
# A value given in DATABASE_URL's query string wins over these.
POSTGRES_CONNECT_ARGS = {
    "connect_timeout": 2,
    "tcp_user_timeout": 10_000,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}
# Longest wait for a free connection of the pool before the request answers 503.
POOL_TIMEOUT_SECONDS = 10


def engine_options(url: str) -> dict:
    """Engine options per backend: SQLite waits for locks; PostgreSQL tests each connection
    before use (a restarted server is reconnected to without restarting the app) and gives
    up quickly on a server that does not answer.

    Neither puts the values of a statement in its error messages: they reach the logs, and
    the values are what people wrote.
    """
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}, "hide_parameters": True}
    given = make_url(url).query
    return {
        "pool_pre_ping": True,
        "pool_timeout": POOL_TIMEOUT_SECONDS,
        "hide_parameters": True,
        "connect_args": {
            name: value for name, value in POSTGRES_CONNECT_ARGS.items() if name not in given
        },
    }
