"""The jobs that run on a schedule, defined in code; when they run is configuration.

Each job has a name (its `job_run` rows and its variable `LEERSPOOR_SCHEDULE_<NAME>`),
a short description for the admin page, a function `run(now)` that does the work at
the moment `now` and returns what it did in numbers (a dict of counts, or a dataclass
of them), a default schedule (see `schedules`) and, optionally, labels for those numbers.

Adding a job takes three lines: import its function and add a `Job` to `JOBS`, e.g.

    from app.notifications import reminders

    Job("reminders", _l("Write the reminders that are due."), reminders.decide, "0 * * * *"),

It then runs in `leerspoor scheduler`, its schedule is set with
`LEERSPOOR_SCHEDULE_REMINDERS`, and /admin/jobs shows its runs; `labels={"key": _l(…)}`
names its numbers there (a number without a label is shown under its key).

A job must be idempotent: a second scheduler, a rerun by hand or `leerspoor reminders
run` at the same moment must do nothing twice (notifications have idempotency keys and
delivery claims its rows).

A job that fails is recorded as failed with its error, and the admins are told (see
`runs`). A job that commits its work in parts and fails after some of them raises
`Interrupted(numbers) from error`, so its run also shows what it did before the failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.auth import mail_queue
from app.notifications import delivery, reminders
from app.privacy import retention

# Does the work at `now`; returns what it did: a dict of counts or a dataclass of them.
JobFunction = Callable[[datetime], object]


@dataclass(frozen=True, eq=False)
class Job:
    name: str
    description: LazyString
    run: JobFunction
    default_schedule: str
    labels: Mapping[str, LazyString] = field(default_factory=dict)  # of the numbers, by key


class Interrupted(Exception):
    """A job failed after committing part of its work: `done` is that part, in numbers;
    the error that stopped it is the cause (`raise Interrupted(done) from error`).
    """

    def __init__(self, done: object) -> None:
        super().__init__("The job stopped part of the way")
        self.done = done


def deliver_notifications(now: datetime) -> dict[str, int]:
    """E-mail the notifications that are due at `now` (see `delivery.deliver`)."""
    report = delivery.deliver(now)
    return {"emails": report.emails, **asdict(report)}


def send_account_mail(now: datetime) -> dict[str, int]:
    """Send the e-mails about an account that wait at `now` (see `mail_queue.deliver`)."""
    return asdict(mail_queue.deliver(now))


def decide_reminders(now: datetime) -> dict[str, int]:
    """Write the reminders due at `now` (see `reminders.decide`)."""
    return reminders.decide(now).as_numbers()


def purge_expired(now: datetime) -> dict[str, int]:
    """Delete what is past its retention period at `now` (see `retention.purge`)."""
    try:
        return retention.purge(now)
    except retention.PurgeInterrupted as stopped:
        raise Interrupted(stopped.numbers) from stopped.__cause__


JOBS: tuple[Job, ...] = (
    Job(
        "reminders",
        _l("Decide the reminders that are due, within each school's reminder hours."),
        decide_reminders,
        "0 * * * *",
        labels={
            "schools": _l("Schools within their reminder hours"),
            "placements": _l("Running placements looked at"),
            "log_due": _l("Weekly logs due"),
            "log_missing": _l("Weekly logs missing"),
            "feedback_missing": _l("No feedback from the mentor"),
            "needs_attention": _l("Placements that newly need attention"),
            "visit_tomorrow": _l("Visits tomorrow"),
            "visit_overdue": _l("Visits overdue"),
            "action_due": _l("Actions and agreements due"),
            "action_overdue": _l("Actions and agreements overdue"),
            "module_not_started": _l("Recommended modules not started"),
            "mobility_item_due": _l("Items of mobility files due"),
            "mobility_item_overdue": _l("Items of mobility files overdue"),
        },
    ),
    Job(
        "deliver",
        _l("E-mail the notifications that are due, one by one or as daily summaries."),
        deliver_notifications,
        "*/5 * * * *",
        labels={
            "emails": _l("E-mails sent"),
            "sent": _l("Notifications e-mailed one by one"),
            "digests": _l("Daily summaries"),
            "in_digests": _l("Notifications in daily summaries"),
            "skipped": _l("Not wanted by e-mail"),
            "retrying": _l("To retry later"),
            "failed": _l("Failed for good"),
        },
    ),
    Job(
        "account_mail",
        _l("Send the e-mails people wait for about their account: password reset links."),
        send_account_mail,
        "* * * * *",
        labels={
            "sent": _l("E-mails sent"),
            "retrying": _l("To retry later"),
            "failed": _l("Failed for good"),
            "expired": _l("Not sent: the link would no longer work"),
        },
    ),
    Job(
        "retention",
        _l(
            "Delete what is past its retention period: placements, notifications, the "
            "audit trail and unused accounts."
        ),
        purge_expired,
        "30 3 * * *",
        labels={
            "placement": _l("Placements deleted"),
            "log_entry": _l("Log entries deleted"),
            "files": _l("Files deleted"),
            "notification": _l("Notifications deleted"),
            "audit_event": _l("Audit events deleted"),
            "accounts_erased": _l("Unused accounts erased"),
        },
    ),
)


def all_jobs() -> tuple[Job, ...]:
    """Every job, in the order the admin page shows them."""
    return JOBS


def job_named(name: str) -> Job:
    """The job called `name`; KeyError when there is none."""
    for job in all_jobs():
        if job.name == name:
            return job
    raise KeyError(name)
