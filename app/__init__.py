"""Leerspoor: workplace learning with one shared follow-up log per placement.

`create_app` reads like a table of contents of the application.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app import audit, cli, database, dates, errors, logs, web
from app.admin import bp as admin_bp
from app.agreements import bp as agreements_bp
from app.auth import bp as auth_bp
from app.auth.sessions import init_login
from app.calls import bp as calls_bp
from app.caseload import bp as caseload_bp
from app.closing import bp as closing_bp
from app.competences import bp as competences_bp
from app.drafts import bp as drafts_bp
from app.drafts import init_app as init_drafts
from app.extensions import babel, csrf, db, limiter, migrate
from app.followup import bp as followup_bp
from app.health import bp as health_bp
from app.i18n import select_locale, select_timezone
from app.mentorlinks import bp as mentorlinks_bp
from app.mobility import bp as mobility_bp
from app.notifications import bp as notifications_bp
from app.notifications import init_app as init_notifications
from app.placements import bp as placements_bp
from app.plans import bp as plans_bp
from app.portfolio import bp as portfolio_bp
from app.privacy import bp as privacy_bp
from app.stay import bp as stay_bp
from app.training import bp as training_bp
from app.visits import bp as visits_bp
from config import Config, config_from_environment

# Shipped inside the package, so an installed wheel can create and upgrade its database.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(config: Config | type[Config] | None = None) -> Flask:
    """Build a Leerspoor app from a configuration (default: from the environment)."""
    if config is None:
        config = config_from_environment()
    elif isinstance(config, type):
        config = config()
    app = Flask(__name__, instance_path=config.INSTANCE_PATH)
    app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    register_logging(app)
    register_extensions(app)
    register_request_hooks(app)
    register_blueprints(app)
    register_subscribers(app)
    register_errorhandlers(app)
    register_cli(app)
    return app


def register_logging(app: Flask) -> None:
    logs.init_app(app)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    database.configure_connections(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    init_login(app)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(auth_bp)
    app.register_blueprint(placements_bp)
    app.register_blueprint(followup_bp)
    app.register_blueprint(competences_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(visits_bp)
    app.register_blueprint(calls_bp)
    app.register_blueprint(agreements_bp)
    app.register_blueprint(closing_bp)
    app.register_blueprint(caseload_bp)
    app.register_blueprint(portfolio_bp)
    app.register_blueprint(training_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(mentorlinks_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(health_bp)
    app.register_blueprint(drafts_bp)
    app.register_blueprint(mobility_bp)
    app.register_blueprint(stay_bp)
    init_drafts(app)


def register_subscribers(app: Flask) -> None:
    """Who listens to the domain events the features send (`app/signals.py`)."""
    init_notifications(app)


def register_request_hooks(app: Flask) -> None:
    web.init_app(app)
    dates.init_app(app)
    audit.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    errors.init_app(app)


def register_cli(app: Flask) -> None:
    cli.init_app(app)
