"""The `leerspoor scheduler` process: APScheduler 3 in the foreground, one APScheduler
job per configured job, each run through `run_job` in the app's context.

Jobs live in memory and are added again at every start: the APScheduler 3 FAQ is clear
that a job store cannot be shared between processes, and the jobs are code anyway.
Exactly one scheduler should run; a second one is harmless (every job is idempotent)
but pointless. The web processes never start one.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from app.i18n import DEFAULT_TIMEZONE
from app.models.columns import utcnow
from app.scheduling.jobs import Job, all_jobs
from app.scheduling.runs import run_job
from app.scheduling.schedules import Schedule, ScheduleError, configured_schedule, variable_for

# A run that comes late (a suspended machine, a busy process) still runs up to an hour
# after its time: the jobs take `now` and are idempotent, so late is better than never,
# and coalescing makes several missed runs one.
MISFIRE_GRACE_SECONDS = 60 * 60
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class SchedulingError(Exception):
    """The configuration asks for schedules the scheduler cannot run."""


def plan(configured: Mapping[str, str]) -> list[tuple[Job, Schedule]]:
    """Every job with its schedule (some may be off); raises `SchedulingError` naming
    every variable that cannot be read or names no job.
    """
    names = [job.name for job in all_jobs()]
    problems = [
        f"{variable_for(name)} names no job; the jobs are: {', '.join(names)}."
        for name in configured
        if name not in names
    ]
    planned = []
    for job in all_jobs():
        try:
            planned.append((job, configured_schedule(job.name, job.default_schedule, configured)))
        except ScheduleError as error:
            problems.append(str(error))
    if problems:
        raise SchedulingError("\n".join(problems))
    return planned


def build_scheduler(app: Flask, planned: list[tuple[Job, Schedule]]) -> BlockingScheduler:
    """A scheduler with one APScheduler job for each planned job that is not off."""
    scheduler = BlockingScheduler(timezone=ZoneInfo(DEFAULT_TIMEZONE))
    for job, schedule in planned:
        if not schedule.is_off:
            scheduler.add_job(
                run_scheduled,
                schedule.trigger(),
                args=(app, job),
                id=job.name,
                name=job.name,
                coalesce=True,  # several missed runs run once
                max_instances=1,  # a run that takes long is never overtaken by the next
                misfire_grace_time=MISFIRE_GRACE_SECONDS,
            )
    return scheduler


def run_scheduled(app: Flask, job: Job) -> None:
    """One run of `job` now, in the app's context, as the scheduler calls it; never raises."""
    try:
        with app.app_context():
            run_job(job, utcnow())
    except Exception:
        app.logger.exception("Job %s could not run", job.name)


def run_until_stopped(scheduler: BlockingScheduler) -> None:
    """Run the scheduler in the foreground until SIGTERM or SIGINT; runs in progress
    finish first.
    """
    stopping: list[threading.Thread] = []
    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}

    def stop(_number, _frame) -> None:
        # A signal handler may interrupt this thread while it holds the scheduler's
        # locks, so it must not wait for anything: another thread stops the scheduler.
        if not stopping:
            stopping.append(threading.Thread(target=_shut_down, args=(scheduler,)))
            stopping[0].start()

    def listen_for_signals(_event) -> None:
        # Once started: a signal before then ends the process the ordinary way.
        for number in STOP_SIGNALS:
            signal.signal(number, stop)

    scheduler.add_listener(listen_for_signals, EVENT_SCHEDULER_STARTED)
    try:
        scheduler.start()
        for thread in stopping:
            thread.join()
    finally:
        for number, handler in previous.items():
            if handler is not None:
                signal.signal(number, handler)


def _shut_down(scheduler: BlockingScheduler) -> None:
    scheduler.remove_all_jobs()  # nothing new starts while the running jobs finish
    scheduler.shutdown(wait=True)
