"""The `leerspoor` command line: init, demo, serve, user management, reminders, the
scheduler, and backup and restore.

The same commands are available as `flask --app app …`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import run_simple

from app import catalogues, demo
from app.admin.services import checked_email, create_account
from app.auth import second_factor
from app.auth.services import find_user_by_email
from app.backup.services import BackupError, create_backup, restore_backup
from app.content.modules import load_training
from app.content.services import load_rubrics
from app.domain import DomainError
from app.extensions import db
from app.i18n import DEFAULT_TIMEZONE
from app.mailer import link_base, remember_served_address
from app.models import JobOutcome, Organisation, Role, User, normalise_email
from app.models.columns import utcnow
from app.privacy.cli import privacy_group
from app.scheduling import process
from app.scheduling.jobs import job_named
from app.scheduling.runs import run_job


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(user_group)
    app.cli.add_command(translations_group)
    app.cli.add_command(content_group)
    app.cli.add_command(reminders_group)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(privacy_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


def initialise_database() -> None:
    """Create the database, or bring it to the newest schema."""
    upgrade()


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database or upgrade it to the newest schema."""
    initialise_database()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


def _print_accounts(accounts: list[demo.DemoAccount], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([account.as_dict() for account in accounts], indent=2))
        return
    click.echo(f"Demo accounts (password for each: {demo.DEMO_PASSWORD})")
    if not current_app.config["REQUIRE_TWO_FACTOR"]:
        click.echo(
            "Staff log in without a second factor here (LEERSPOOR_REQUIRE_TWO_FACTOR is off "
            "outside production); anyone can set one up under My account."
        )
    width = max(len(account.email) for account in accounts)
    for account in accounts:
        click.echo(
            f"  {account.email:<{width}}  {account.role:<20} "
            f"{account.name} — {account.organisation}"
        )


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print the accounts as JSON.")
@with_appcontext
def demo_command(as_json: bool) -> None:
    """Create the demo world (idempotent) and print its accounts."""
    initialise_database()
    _print_accounts(demo.build_demo_world(), as_json)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", "with_demo", is_flag=True, help="Create the database and demo world first.")
@with_appcontext
def serve_command(host: str, port: int, with_demo: bool) -> None:
    """Run Leerspoor with its built-in server (use gunicorn in production)."""
    initialise_database()
    # Commands run beside it (`reminders run`, the scheduler) link their e-mails here, and
    # so does the demo (the guardian's approval link it sends).
    remember_served_address(host, port)
    if with_demo:
        _print_accounts(demo.build_demo_world(), as_json=False)
    app = current_app._get_current_object()
    click.echo(f"Leerspoor runs at http://{host}:{port}/ — press Ctrl+C to stop.")
    run_simple(host, port, app, threaded=True)


@click.group("user")
def user_group() -> None:
    """Manage users."""


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--organisation", default="", help="Name of the organisation (not for admin).")
@click.option("--password", default=None, help="Set a password (otherwise one is asked).")
@with_appcontext
def create_user_command(email: str, name: str, role: str, organisation: str, password: str | None):
    """Create a user with a role (or add the role to an existing user).

    The same service as inviting someone on the web checks the address, the role and the
    password, and records the new role in the audit trail (done by the system).
    """
    role = Role(role)
    org = None
    if role is not Role.ADMIN:
        if not organisation:
            raise click.UsageError("--organisation is required for this role.")
        matches = db.session.scalars(
            select(Organisation).where(Organisation.name == organisation)
        ).all()
        if not matches:
            raise click.UsageError(f"No organisation is called {organisation!r}.")
        if len(matches) > 1:
            raise click.UsageError(f"Several organisations are called {organisation!r}.")
        org = matches[0]
    try:
        # The address is checked before a password is asked for a new account.
        if password is None and find_user_by_email(checked_email(email)) is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        user = create_account(
            None, email=email, name=name, role=role, organisation=org, password=password
        )
    except DomainError as error:
        with force_locale("en"):
            raise click.UsageError(f"--{error.field}: {error.message}") from error
    click.echo(f"{user.email} is {role.value}" + (f" at {org.name}." if org else "."))


@user_group.command("reset-second-factor")
@click.option("--email", required=True)
@with_appcontext
def reset_second_factor_command(email: str) -> None:
    """Remove a user's second factor (a lost phone, or the only admin locked out); they set
    up a new one at their next login.
    """
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.UsageError(f"No user has the address {email!r}.")
    second_factor.reset(None, user)
    click.echo(f"The second factor of {user.email} is removed; their sessions have ended.")


@click.group("translations")
def translations_group() -> None:
    """Keep the Dutch and English catalogues complete."""


@translations_group.command("update")
def update_translations_command() -> None:
    """Extract the strings, update both catalogues (English fills itself) and compile."""
    open_counts = catalogues.update()
    catalogues.compile_all()
    for locale, count in open_counts.items():
        click.echo(f"{locale}: {count} messages to translate")


@translations_group.command("check")
def check_translations_command() -> None:
    """Fail when a catalogue misses, leaves open or has not compiled a message."""
    found = catalogues.check()
    for line in found:
        click.echo(line, err=True)
    if found:
        raise click.ClickException(
            f"{len(found)} catalogue problems; run `leerspoor translations update`, "
            "translate, and run it again."
        )
    click.echo("Both catalogues are complete and compiled.")


@click.group("content")
def content_group() -> None:
    """Competence frameworks, rubrics and mentor training modules (content is data)."""


@content_group.command("check")
@with_appcontext
def check_content_command() -> None:
    """Validate every content file; fail on the first problem found in any of them."""
    root = Path(current_app.config["CONTENT_PATH"])
    library = load_rubrics(root / "rubrics")
    training = load_training(root / "modules")
    problems = library.problems + training.problems
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} content problems.")
    click.echo(
        f"Content is valid: {len(library.frameworks)} frameworks, {len(library.rubrics)} rubrics, "
        f"{len(training.modules)} modules, {len(training.paths)} learning paths, "
        f"{len(training.templates)} templates."
    )


@click.group("reminders")
def reminders_group() -> None:
    """Notifications and reminders: e-mail what is due."""


def _moment(at: str | None) -> datetime:
    """`--at` as a moment: ISO 8601, Brussels time unless it names its zone; now if absent."""
    if not at:
        return utcnow()
    try:
        moment = datetime.fromisoformat(at)
    except ValueError as error:
        raise click.BadParameter(
            f"{at!r} is not an ISO date and time, such as 2026-10-05T08:00.", param_hint="--at"
        ) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
    return moment.astimezone(UTC)


@reminders_group.command("run")
@click.option(
    "--at",
    default=None,
    help="Run as at this moment (ISO 8601; Brussels time unless a zone is given). Default: now.",
)
@with_appcontext
def run_reminders_command(at: str | None) -> None:
    """Run one pass: send the e-mails about an account that wait (password reset links),
    decide the reminders due, then e-mail the notifications that are due (twice at one
    moment does nothing the second time).
    """
    now = _moment(at)
    account_mail = _run_or_fail("account_mail", now)
    decided = _run_or_fail("reminders", now)
    report = _run_or_fail("deliver", now)
    written = {
        kind: count for kind, count in decided.items() if kind not in ("schools", "placements")
    }
    kinds = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in written.items())
    click.echo(
        f"Run at {now.isoformat()}: {sum(written.values())} reminders"
        + (f" ({kinds})" if kinds else "")
        + f" for {decided['placements']} running placements of {decided['schools']} schools "
        f"within their reminder hours; {report['emails']} e-mails sent "
        f"({report['sent']} notifications one by one, {report['digests']} daily summaries "
        f"listing {report['in_digests']}); {report['skipped']} not wanted by e-mail; "
        f"{report['retrying']} to retry later; {report['failed']} failed for good. "
        f"Account e-mails: {account_mail['sent']} sent, {account_mail['retrying']} to retry "
        f"later, {account_mail['failed']} failed for good, {account_mail['expired']} no "
        "longer worth sending."
    )
    _echo_link_base()


def _echo_link_base() -> None:
    """Say where the links in e-mails written outside a request lead, and how to change it."""
    base = link_base()
    advice = "" if base.configured else "; set LEERSPOOR_PUBLIC_URL to change it"
    click.echo(f"Links in e-mails lead to {base.url} ({base.origin}{advice}).")


@privacy_group.command("purge")
@click.option(
    "--at",
    default=None,
    help="Run as at this moment (ISO 8601; Brussels time unless a zone is given). Default: now.",
)
@with_appcontext
def purge_command(at: str | None) -> None:
    """Delete what is past its retention period (the nightly `retention` job, once; for
    cron). Recorded as a run of that job.
    """
    now = _moment(at)
    numbers = _run_or_fail("retention", now)
    deleted = ", ".join(
        f"{count} {name.replace('_', ' ')}"
        for name, count in numbers.items()
        if name not in ("files", "accounts_erased")
    )
    click.echo(
        f"Purged at {now.isoformat()}: {deleted or 'no rows'} deleted; "
        f"{numbers['files']} files deleted; {numbers['accounts_erased']} unused accounts erased."
    )


def _run_or_fail(job: str, now: datetime) -> dict[str, int]:
    """Run one job as a recorded run; its numbers, or the command fails with its error."""
    run = run_job(job_named(job), now)
    if run is None:
        raise click.ClickException(
            f"Run at {now.isoformat()} failed: its run could not be recorded (see the log)."
        )
    if run.outcome is not JobOutcome.OK:
        done = ", ".join(
            f"{count} {name.replace('_', ' ')}" for name, count in run.summary.items() if count
        )
        raise click.ClickException(
            f"Run at {now.isoformat()} failed: {run.error} (see the log; job {job})."
            + (f" Done before the failure, and kept: {done}." if done else "")
        )
    return run.summary


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs in the foreground until SIGTERM or Ctrl+C. Run exactly one,
    beside the web processes; LEERSPOOR_SCHEDULE_<JOB> sets when each job runs.
    """
    app = current_app._get_current_object()
    try:
        planned = process.plan(app.config["SCHEDULES"])
    except process.SchedulingError as error:
        raise click.ClickException(str(error)) from error
    scheduler = process.build_scheduler(app, planned)
    now = utcnow()
    zone = ZoneInfo(DEFAULT_TIMEZONE)
    click.echo(f"Leerspoor scheduler: {len(scheduler.get_jobs())} of {len(planned)} jobs on.")
    _echo_link_base()
    for job, schedule in planned:
        scheduled = scheduler.get_job(job.name)
        if scheduled is None:
            click.echo(f"  {job.name}: off")
            continue
        next_run = scheduled.trigger.get_next_fire_time(None, now).astimezone(zone)
        click.echo(f"  {job.name}: {schedule.text}; next run {next_run:%Y-%m-%d %H:%M:%S %Z}")
    if not scheduler.get_jobs():
        click.echo("Every job is off: nothing to run.")
        return
    # One line per run in the log (the journal under systemd); APScheduler's own lines
    # only when something is wrong.
    app.logger.setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    process.run_until_stopped(scheduler)
    click.echo("Scheduler stopped.")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write a consistent snapshot of the database and every uploaded file, with their
    checksums, to the new archive FILE (.tar; .tar.gz to compress).
    """
    try:
        report = create_backup(file)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    manifest = report.manifest
    for key in report.missing_files:
        click.echo(
            f"Warning: the file {key} of an attachment is not in the upload folder.", err=True
        )
    click.echo(
        f"Backup written to {file}: {manifest.dialect} database at revision "
        f"{manifest.alembic_revision}, {manifest.total_rows} rows in {len(manifest.tables)} "
        f"tables, {len(manifest.uploads)} uploaded files ({manifest.upload_bytes / 1e6:.1f} MB)."
    )


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Restore the backup FILE into an empty database and upload folder, after checking the
    archive, then upgrade the schema if the backup is older. Stop the app first.
    """
    try:
        report = restore_backup(file)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    manifest = report.manifest
    click.echo(
        f"Restored {file} (made {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC by Leerspoor "
        f"{manifest.app_version}): {manifest.total_rows} rows in {len(manifest.tables)} "
        f"tables and {len(manifest.uploads)} uploaded files, every checksum as in the backup."
    )
    if report.upgraded_to:
        click.echo(
            f"Schema upgraded from revision {manifest.alembic_revision} to {report.upgraded_to}."
        )
    if report.erased_again:
        click.echo(
            f"Erased again, as the erasure ledger says: {len(report.erased_again)} accounts "
            "erased after this backup was made."
        )
