"""Scheduled jobs: every run recorded (ok with its numbers, or failed with its error,
never raising), schedules read from the configuration, and the `leerspoor scheduler`
process started and stopped for real. The admin page: test_jobs_page.py.

Everything runs against the real database.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.base import BaseScheduler
from flask_babel import force_locale
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import (
    JobOutcome,
    JobRun,
    Notification,
    NotificationKind,
    Organisation,
    OrganisationKind,
    Role,
)
from app.notifications import delivery
from app.scheduling import jobs, process, runs
from app.scheduling.jobs import Interrupted, Job, job_named
from app.scheduling.runs import describe_error, run_job
from app.scheduling.schedules import ScheduleError, parse_schedule
from config import TestingConfig
from tests.conftest import make_user

BRUSSELS = ZoneInfo("Europe/Brussels")
VARIABLE = "LEERSPOOR_SCHEDULE_DELIVER"
REPOSITORY = Path(__file__).resolve().parent.parent


def brussels(*args) -> datetime:
    return datetime(*args, tzinfo=BRUSSELS)


def counting(now: datetime) -> dict[str, int]:
    return {"checked": 3, "sent": 2}


def failing(now: datetime) -> dict[str, int]:
    raise RuntimeError("The mail server said no\nand a second line nobody needs")


COUNTING = Job("counting", "Counts", counting, "every 1h", labels={"sent": "E-mails sent"})
FAILING = Job("failing", "Fails", failing, "every 1h")


def runs_of(app, name: str) -> list[JobRun]:
    with app.app_context():
        found = db.session.scalars(
            select(JobRun).where(JobRun.job == name).order_by(JobRun.id)
        ).all()
        db.session.expunge_all()
        return found


def add_run(app, name: str, started: datetime, **values) -> None:
    """A run as a scheduler would have recorded it (by default: ok, 2 seconds, 3 e-mails)."""
    values.setdefault("outcome", JobOutcome.OK)
    if values["outcome"] != JobOutcome.RUNNING:
        values.setdefault("finished_at", started + timedelta(seconds=2))
    values.setdefault("summary", {"emails": 3, "sent": 3})
    with app.app_context():
        db.session.add(JobRun(job=name, started_at=started, **values))
        db.session.commit()


# -- recording runs ---------------------------------------------------------------------


def test_a_run_is_recorded_with_what_the_job_did_and_how_long_it_took(app):
    def slow(now: datetime) -> dict[str, int]:
        time.sleep(0.05)
        return {"sent": 2}

    with app.app_context():
        run = run_job(Job("slow", "Slow", slow, "every 1h"), datetime.now(UTC))
        assert run.outcome == JobOutcome.OK
        assert run.summary == {"sent": 2}
        assert run.error == ""
        assert run.duration_seconds >= 0.05


def test_a_run_is_committed_as_running_before_the_job_works(app):
    seen = []

    def look(now: datetime) -> dict[str, int]:
        seen.extend(db.session.execute(select(JobRun.job, JobRun.outcome)).all())
        return {}

    with app.app_context():
        run_job(Job("look", "Looks", look, "every 1h"), datetime.now(UTC))
    assert seen == [("look", JobOutcome.RUNNING)]


def test_the_job_gets_the_moment_it_runs_at(app):
    moments = []
    with app.app_context():
        run_job(
            Job("when", "When", lambda now: moments.append(now), "every 1h"), brussels(2026, 10, 5)
        )
    assert moments == [brussels(2026, 10, 5)]


def test_a_job_may_return_a_dataclass_of_counts(app):
    @dataclass
    class Report:
        weekly_logs: int = 4
        visits: int = 1

    with app.app_context():
        run = run_job(Job("report", "Reports", lambda now: Report(), "every 1h"), datetime.now(UTC))
        assert run.summary == {"weekly_logs": 4, "visits": 1}


def test_a_failing_job_is_recorded_with_its_error_and_the_session_still_works(app, caplog):
    def half_done(now: datetime) -> dict[str, int]:
        db.session.add(Organisation(name="Half done", kind=OrganisationKind.COMPANY))
        db.session.flush()
        failing(now)

    with app.app_context():
        run = run_job(Job("half", "Half", half_done, "every 1h"), datetime.now(UTC))
        assert run.outcome == JobOutcome.FAILED
        assert run.error == "RuntimeError: The mail server said no"
        assert run.finished_at is not None
        assert run.summary == {}
        # rolled back, and the session takes the next piece of work
        assert db.session.scalar(select(func.count(Organisation.id))) == 0
        db.session.add(Organisation(name="Next", kind=OrganisationKind.SCHOOL))
        db.session.commit()
    assert "Job half failed" in caplog.text
    assert "Traceback" in caplog.text


def test_a_job_that_fails_part_way_records_what_it_did_before_the_failure(app):
    def part_way(now: datetime) -> dict[str, int]:
        try:
            raise OSError("No space left on device")
        except OSError as error:
            raise Interrupted({"placement": 500, "files": 3}) from error

    with app.app_context():
        run = run_job(Job("part", "Part way", part_way, "every 1h"), datetime.now(UTC))
        assert run.outcome == JobOutcome.FAILED
        assert run.error == "OSError: No space left on device"
        assert run.summary == {"placement": 500, "files": 3}


def _job_failed_notifications(app) -> list[tuple[int, str, dict, str]]:
    with app.app_context():
        return [
            (n.user_id, n.target_endpoint, n.target_values, n.payload["job"])
            for n in db.session.scalars(
                select(Notification)
                .where(Notification.kind == NotificationKind.JOB_FAILED)
                .order_by(Notification.user_id, Notification.id)
            )
        ]


def test_a_failing_job_tells_every_admin_once_a_day_with_a_link_to_the_jobs_page(
    app, world, monkeypatch
):
    with app.app_context():
        second = make_user("second.admin@example.org", "Bo Admin", (Role.ADMIN, None))
        former = make_user("former.admin@example.org", "Fee Former", (Role.ADMIN, None))
        former.active = False
        db.session.commit()
        admins = sorted([world.admin.id, second.id])
    # Noon in Brussels, so the runs of one day never straddle its midnight.
    noon = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(runs, "utcnow", lambda: noon)
    with app.app_context():
        for _ in range(3):  # a job that fails at every run, every five minutes
            run_job(FAILING, noon)
        run_job(COUNTING, noon)
    told = [(admin, "admin.list_jobs", {"_anchor": "job-failing"}, "failing") for admin in admins]
    assert _job_failed_notifications(app) == told

    tomorrow = noon + timedelta(days=1)
    monkeypatch.setattr(runs, "utcnow", lambda: tomorrow)
    with app.app_context():
        run_job(FAILING, tomorrow)
    assert len(_job_failed_notifications(app)) == 2 * len(admins)


def test_an_admin_reads_which_job_failed_and_opens_the_jobs_page(
    app, world, login_as, in_english, outbox
):
    with app.app_context():
        run_job(FAILING, datetime.now(UTC))
        delivery.deliver(datetime.now(UTC))
    [message] = outbox.messages
    assert message["To"] == "admin@example.org"
    assert message["Subject"].startswith("The scheduled job failing failed on ")
    assert "The mail server said no" not in outbox.body(message)
    admin = login_as(world.admin)
    page = admin.get("/notifications").get_data(as_text=True)
    assert "The scheduled job failing failed on " in page
    assert "Scheduled jobs" in page
    assert "The mail server said no" not in page  # the error is for the jobs page
    with app.app_context():
        notification_id = db.session.scalar(select(Notification.id))
    response = admin.get(f"/notifications/{notification_id}/open")
    assert response.headers["Location"] == "/admin/jobs#job-failing"


def test_a_job_that_returns_no_numbers_fails_with_the_reason(app):
    with app.app_context():
        run = run_job(Job("words", "Words", lambda now: "done", "every 1h"), datetime.now(UTC))
        assert run.outcome == JobOutcome.FAILED
        assert run.error == "TypeError: A job returns counts by name, not str."


def test_an_error_is_cut_to_the_size_of_its_column():
    assert len(describe_error(ValueError("x" * 2000))) == 500
    assert describe_error(KeyError()) == "KeyError"


def test_what_the_scheduler_calls_never_raises_and_records_the_failure(app):
    process.run_scheduled(app, FAILING)  # outside any app context, as in the scheduler
    process.run_scheduled(app, COUNTING)
    assert [run.outcome for run in runs_of(app, "failing")] == [JobOutcome.FAILED]
    assert [run.summary for run in runs_of(app, "counting")] == [{"checked": 3, "sent": 2}]


def test_runs_older_than_30_days_are_deleted_by_the_next_run(app):
    now = datetime.now(UTC)
    add_run(app, "counting", now - timedelta(days=31))
    add_run(app, "failing", now - timedelta(days=30, minutes=1))
    add_run(app, "counting", now - timedelta(days=29))
    with app.app_context():
        run_job(COUNTING, now)
    kept = runs_of(app, "counting") + runs_of(app, "failing")
    assert sorted(now - run.started_at > timedelta(days=28) for run in kept) == [False, True]


# -- schedules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        ("*/5 * * * *", brussels(2026, 10, 5, 10, 2), brussels(2026, 10, 5, 10, 5)),
        # crontab's weekdays, whatever APScheduler 3 counts: 1-5 is Monday to Friday
        ("0 7 * * 1-5", brussels(2026, 10, 3, 12, 0), brussels(2026, 10, 5, 7, 0)),
        ("0 7 * * 0", brussels(2026, 10, 3, 12, 0), brussels(2026, 10, 4, 7, 0)),
        ("0 7 * * 7", brussels(2026, 10, 3, 12, 0), brussels(2026, 10, 4, 7, 0)),
        ("30 6 * * mon-fri", brussels(2026, 10, 5, 6, 31), brussels(2026, 10, 6, 6, 30)),
        # Brussels time, also across the change to winter time
        ("0 3 * * *", brussels(2026, 10, 24, 12, 0), datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
    ],
)
def test_a_crontab_runs_in_brussels_time(text, now, expected):
    assert parse_schedule(VARIABLE, text).next_run(now) == expected


def test_an_interval_counts_from_the_last_run():
    schedule = parse_schedule(VARIABLE, "every 30s")
    now = brussels(2026, 10, 5, 10, 0)
    assert schedule.interval == timedelta(seconds=30)
    assert schedule.next_run(now, last_start=now - timedelta(seconds=10)) == now + timedelta(
        seconds=20
    )
    assert parse_schedule(VARIABLE, "Every 2h").interval == timedelta(hours=2)
    assert parse_schedule(VARIABLE, "every 5m").trigger() is not None


def test_off_is_never_run():
    schedule = parse_schedule(VARIABLE, " OFF ")
    assert schedule.is_off
    assert schedule.next_run(brussels(2026, 10, 5)) is None
    assert not schedule.is_late(brussels(2020, 1, 1), brussels(2026, 10, 5))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("sometimes", "a crontab has 5 fields, not 1"),
        ("every 5 minutes", "an interval is a number and s, m or h"),
        ("every day", "an interval is a number and s, m or h"),
        ("every 0m", "an interval must be longer than 0"),
        ("* * * *", "a crontab has 5 fields, not 4"),
        ("61 * * * *", "61"),
        ("0 8 * * 8", "'8' is not a day of the week"),
        ("0 8 * * 5-1", "cannot read the day of the week '5-1'"),
        ("0 8 * * */0", "cannot read the day of the week"),
    ],
)
def test_an_invalid_schedule_is_refused_naming_the_variable_with_examples(text, reason):
    with pytest.raises(ScheduleError) as refused:
        parse_schedule(VARIABLE, text)
    message = str(refused.value)
    assert message.startswith(f"{VARIABLE}={text!r} is not a schedule")
    assert reason in message
    assert '"*/5 * * * *"' in message
    assert '"every 5m"' in message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("*/5 * * * *", "every 5 minutes"),
        ("* * * * *", "every minute"),
        ("0 * * * *", "every hour"),
        ("every 30s", "every 30 seconds"),
        ("every 1h", "every hour"),
        ("every 90m", "every 90 minutes"),
        ("30 6 * * *", "every day at 06:30"),
        ("0 7 * * 1-5", "Monday to Friday at 07:00"),
        ("off", "off"),
        ("0 7 1 * *", None),
    ],
)
def test_a_schedule_says_in_words_when_it_runs(app, text, words):
    with app.app_context(), force_locale("en"):
        assert parse_schedule(VARIABLE, text).describe() == words


@pytest.mark.parametrize(
    ("text", "last", "now", "late"),
    [
        ("*/5 * * * *", brussels(2026, 10, 5, 10, 0, 3), brussels(2026, 10, 5, 10, 9), False),
        ("*/5 * * * *", brussels(2026, 10, 5, 10, 0, 3), brussels(2026, 10, 5, 10, 10, 59), False),
        ("*/5 * * * *", brussels(2026, 10, 5, 10, 0, 3), brussels(2026, 10, 5, 10, 11, 1), True),
        ("every 30s", brussels(2026, 10, 5, 10, 0), brussels(2026, 10, 5, 10, 2), False),
        ("every 30s", brussels(2026, 10, 5, 10, 0), brussels(2026, 10, 5, 10, 2, 1), True),
        # a job on working days is not late over the weekend
        ("0 7 * * 1-5", brussels(2026, 10, 2, 7, 0), brussels(2026, 10, 5, 12, 0), False),
        ("0 7 * * 1-5", brussels(2026, 10, 2, 7, 0), brussels(2026, 10, 6, 7, 2), True),
    ],
)
def test_a_job_is_late_when_two_runs_were_missed(text, last, now, late):
    assert parse_schedule(VARIABLE, text).is_late(last, now) is late


def test_schedules_are_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path))
    for name in [name for name in os.environ if name.startswith("LEERSPOOR_SCHEDULE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv(VARIABLE, "every 30s")
    monkeypatch.setenv("LEERSPOOR_SCHEDULE_REMINDERS", " off ")
    monkeypatch.setenv("LEERSPOOR_SCHEDULE_EMPTY", "")
    assert TestingConfig().SCHEDULES == {"deliver": "every 30s", "reminders": "off"}


# -- the scheduler ----------------------------------------------------------------------


def test_the_scheduler_refuses_an_invalid_schedule_naming_the_variable(app, runner):
    app.config["SCHEDULES"] = {"deliver": "sometimes"}
    result = runner.invoke(args=["scheduler"])
    assert result.exit_code == 1
    assert f"{VARIABLE}='sometimes' is not a schedule" in result.output
    assert '"*/5 * * * *"' in result.output


def test_the_scheduler_refuses_a_schedule_for_a_job_that_does_not_exist(app, runner):
    app.config["SCHEDULES"] = {"delivery": "every 5m"}
    result = runner.invoke(args=["scheduler"])
    assert result.exit_code == 1
    assert (
        "LEERSPOOR_SCHEDULE_DELIVERY names no job; the jobs are: reminders, deliver, "
        "account_mail, retention." in result.output
    )


def test_the_scheduler_with_every_job_off_says_so_and_ends(app, runner):
    app.config["SCHEDULES"] = {
        "reminders": "off",
        "deliver": "off",
        "account_mail": "off",
        "retention": "off",
    }
    result = runner.invoke(args=["scheduler"])
    assert result.exit_code == 0, result.output
    assert "reminders: off" in result.output
    assert "deliver: off" in result.output
    assert "Every job is off: nothing to run." in result.output


def test_each_job_runs_alone_once_however_late_it_is(app, monkeypatch):
    monkeypatch.setattr(jobs, "JOBS", (*jobs.JOBS, COUNTING, FAILING))
    planned = process.plan({"failing": "off", "counting": "*/10 * * * *"})
    scheduler = process.build_scheduler(app, planned)
    scheduled = {job.id: job for job in scheduler.get_jobs()}
    assert set(scheduled) == {"reminders", "deliver", "account_mail", "retention", "counting"}
    for job in scheduled.values():
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == 3600
    assert scheduled["counting"].args == (app, COUNTING)


def wait_for_runs(app, minimum: int, timeout: float) -> int:
    """The number of finished runs of `deliver` once there are `minimum` (or the time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            done = db.session.scalar(
                select(func.count(JobRun.id)).where(
                    JobRun.job == "deliver", JobRun.outcome == JobOutcome.OK
                )
            )
        if done >= minimum or time.monotonic() > deadline:
            return done
        time.sleep(0.2)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_scheduler_runs_its_jobs_until_it_is_stopped(app, tmp_path, stop):
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("LEERSPOOR_SCHEDULE_")
        and name not in ("DATABASE_URL", "MAIL_SERVER", "LEERSPOOR_PUBLIC_URL")
    }
    environment.update(
        LEERSPOOR_ENV="testing",
        LEERSPOOR_INSTANCE_PATH=app.instance_path,
        LEERSPOOR_SCHEDULE_DELIVER="every 1s",
    )
    output, errors = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with output.open("w") as stdout, errors.open("w") as stderr:
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "scheduler"],
            cwd=REPOSITORY,
            env=environment,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            done = wait_for_runs(app, minimum=2, timeout=15)
            scheduler.send_signal(stop)
            exit_code = scheduler.wait(timeout=10)
        finally:
            if scheduler.poll() is None:
                scheduler.kill()
                scheduler.wait()
    assert done >= 2, errors.read_text()
    assert exit_code == 0, errors.read_text()
    printed = output.read_text()
    assert "deliver: every 1s; next run 20" in printed
    assert printed.rstrip().endswith("Scheduler stopped.")
    # a run in progress when the signal came was finished first
    assert all(run.outcome == JobOutcome.OK for run in runs_of(app, "deliver"))


def test_the_web_app_starts_no_scheduler(tmp_path, monkeypatch):
    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path / "instance"))
    before = {thread.ident for thread in threading.enumerate()}
    app = create_app(TestingConfig)
    assert app.test_client().get("/login").status_code == 200
    started = [thread.name for thread in threading.enumerate() if thread.ident not in before]
    assert not [name for name in started if name.startswith(("APScheduler", "ThreadPool"))]
    assert not [o for o in gc.get_objects() if isinstance(o, BaseScheduler) and o.running]
    with app.app_context():
        db.engine.dispose()


# -- leerspoor reminders run ------------------------------------------------------------


def test_reminders_run_records_its_run(app, runner):
    result = runner.invoke(args=["reminders", "run", "--at", "2026-10-05T10:00"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Run at 2026-10-05T08:00:00+00:00: 0 reminders for ")
    assert "; 0 e-mails sent (" in result.output
    [decided] = runs_of(app, "reminders")
    assert decided.outcome == JobOutcome.OK
    [run] = runs_of(app, "deliver")
    assert run.outcome == JobOutcome.OK
    assert run.summary["emails"] == 0
    assert set(run.summary) == {
        "emails",
        "sent",
        "digests",
        "in_digests",
        "skipped",
        "retrying",
        "failed",
    }


def test_reminders_run_that_fails_says_so_and_records_it(app, runner, monkeypatch):
    def unreachable(now, **options):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(delivery, "deliver", unreachable)
    result = runner.invoke(args=["reminders", "run", "--at", "2026-10-05T10:00"])
    assert result.exit_code == 1
    assert "failed: ConnectionRefusedError: [Errno 111] Connection refused" in result.output
    assert [run.outcome for run in runs_of(app, "deliver")] == [JobOutcome.FAILED]


def test_every_job_has_a_name_that_fits_its_column_and_variable():
    for job in jobs.all_jobs():
        assert job.name.isidentifier()
        assert job.name.islower()
        assert len(job.name) <= 64
        assert job_named(job.name) is job
