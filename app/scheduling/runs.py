"""Runs of scheduled jobs: `run_job` runs a job and records the run in `job_run`, so
the admin page shows each job's last run, what it did and whether the scheduler is
alive, whichever process ran it (`leerspoor scheduler`, or `leerspoor reminders run`
from cron).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import JobOutcome, JobRun
from app.models.columns import utcnow
from app.notifications import events
from app.scheduling.jobs import Interrupted, Job, all_jobs
from app.scheduling.schedules import Schedule, ScheduleError, configured_schedule, variable_for

KEEP_RUNS = timedelta(days=30)
RECENT_RUNS = 10
# A run that has been running this long has most likely died with its process.
STUCK_AFTER = timedelta(hours=1)
ERROR_LENGTH = 500  # the size of job_run.error


def run_job(job: Job, now: datetime) -> JobRun | None:
    """Run `job` at the moment `now` and record the run: started (and committed) before
    the work, then finished, `ok` with the numbers the job returned or `failed` with the
    error's type and first line (and, when it was `Interrupted`, the numbers of what it
    did and committed before). The admins are told of a failure, once per job and day.
    Runs older than 30 days are deleted on the way.

    Never raises, so a failing job cannot stop the scheduler: the error is recorded, its
    traceback logged and the session rolled back, ready for the next piece of work.
    Returns the run, or None when not even its start could be recorded (the database is
    unreachable); the job did not run then.
    """
    try:
        run_id = _start(job)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Job %s did not run: its start was not recorded", job.name)
        return None
    try:
        summary = _numbers(job.run(now))
    except Exception as error:
        db.session.rollback()
        current_app.logger.exception("Job %s failed", job.name)
        return _failed(job, run_id, error)
    return _finish(job, run_id, outcome=JobOutcome.OK, summary=summary)


def _failed(job: Job, run_id: int, error: Exception) -> JobRun | None:
    """Record the run as failed, with what it did before when it was interrupted, and
    tell the admins.
    """
    done: dict[str, int] = {}
    if isinstance(error, Interrupted):
        try:
            done = _numbers(error.done)
        except (TypeError, ValueError):
            current_app.logger.warning("Job %s said what it did in no numbers", job.name)
        error = error.__cause__ or error
    run = _finish(job, run_id, outcome=JobOutcome.FAILED, error=describe_error(error), summary=done)
    if run is not None:
        try:
            events.job_failed(run)
        except Exception:
            db.session.rollback()
            current_app.logger.exception("Job %s failed; the admins could not be told", job.name)
    return run


def describe_error(error: BaseException) -> str:
    """The error's type and the first line of its message, as short as the column."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return text[:ERROR_LENGTH]


def _start(job: Job) -> int:
    started = utcnow()
    db.session.execute(
        delete(JobRun).where(JobRun.started_at < started - KEEP_RUNS),
        execution_options={"synchronize_session": False},
    )
    run = JobRun(job=job.name, started_at=started, outcome=JobOutcome.RUNNING, summary={})
    db.session.add(run)
    db.session.flush()
    run_id = run.id
    db.session.commit()
    return run_id


def _numbers(result: object) -> dict[str, int]:
    """What a job returned, as the JSON of its run: counts by name."""
    if result is None:
        return {}
    if is_dataclass(result) and not isinstance(result, type):
        result = asdict(result)
    if not isinstance(result, Mapping):
        raise TypeError(f"A job returns counts by name, not {type(result).__name__}.")
    return {str(key): int(value) for key, value in result.items()}


def _finish(job: Job, run_id: int, **values) -> JobRun | None:
    finished = utcnow()
    try:
        run = db.session.get(JobRun, run_id)
        for name, value in values.items():
            setattr(run, name, value)
        run.finished_at = finished
        seconds = (finished - run.started_at).total_seconds()
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Run %s of job %s: its end was not recorded", run_id, job.name)
        return None
    current_app.logger.info(
        "Job %s: %s in %.1f s; %s",
        job.name,
        values["outcome"],
        seconds,
        values.get("error") or values.get("summary"),
    )
    return run


# -- the admin page ---------------------------------------------------------------------


@dataclass
class JobStatus:
    """What the admin page shows of one job."""

    job: Job
    runs: list[JobRun] = field(default_factory=list)  # the newest first
    schedule: Schedule | None = None
    schedule_error: ScheduleError | None = None
    next_run: datetime | None = None
    late: bool = False  # two runs were due since the last one
    stuck: bool = False  # the last run has been running for over an hour

    @property
    def last_run(self) -> JobRun | None:
        return self.runs[0] if self.runs else None

    @property
    def failed(self) -> bool:
        """The last run failed: the next one has not yet gone well."""
        return self.last_run is not None and self.last_run.outcome == JobOutcome.FAILED

    @property
    def variable(self) -> str:
        return variable_for(self.job.name)

    def numbers(self, run: JobRun, *, zeros: bool = True) -> list[tuple[int, object]]:
        """What a run did: its numbers with their labels, in the order of the job's labels;
        a number without a label goes under its key, after them.
        """
        labels = self.job.labels
        keys = [key for key in labels if key in run.summary]
        keys += sorted(key for key in run.summary if key not in labels)
        return [
            (run.summary[key], labels.get(key, key)) for key in keys if run.summary[key] or zeros
        ]


def job_statuses(now: datetime, configured: Mapping[str, str]) -> list[JobStatus]:
    """Every job with its schedule (from `configured`, the SCHEDULES setting), its next
    run as seen from `now` and its recent runs: one query, whatever the number of runs.
    """
    jobs = all_jobs()
    runs = recent_runs([job.name for job in jobs])
    return [_status(job, runs.get(job.name, []), now, configured) for job in jobs]


def recent_runs(names: list[str], per_job: int = RECENT_RUNS) -> dict[str, list[JobRun]]:
    """The newest runs of each named job (at most `per_job`), newest first, in one query."""
    rank = (
        func.row_number()
        .over(partition_by=JobRun.job, order_by=(JobRun.started_at.desc(), JobRun.id.desc()))
        .label("rank")
    )
    ranked = select(JobRun.id, rank).where(JobRun.job.in_(names)).subquery()
    query = (
        select(JobRun)
        .join(ranked, ranked.c.id == JobRun.id)
        .where(ranked.c.rank <= per_job)
        .order_by(JobRun.job, JobRun.started_at.desc(), JobRun.id.desc())
    )
    runs: dict[str, list[JobRun]] = {}
    for run in db.session.scalars(query):
        runs.setdefault(run.job, []).append(run)
    return runs


def _status(job: Job, runs: list[JobRun], now: datetime, configured) -> JobStatus:
    status = JobStatus(job, runs)
    last = status.last_run
    if last is not None and last.outcome == JobOutcome.RUNNING:
        status.stuck = now - last.started_at > STUCK_AFTER
    try:
        schedule = configured_schedule(job.name, job.default_schedule, configured)
    except ScheduleError as error:
        status.schedule_error = error
        return status
    status.schedule = schedule
    status.next_run = schedule.next_run(now, last.started_at if last else None)
    if last is not None and last.outcome != JobOutcome.RUNNING:
        status.late = schedule.is_late(last.started_at, now)
    return status
