"""/admin/jobs: each job's schedule, next run, last run (when, how long, what it did or
its error), its recent runs, and a warning when the scheduler seems to be down; in a
bounded number of queries. Who may open it: test_access.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import JobOutcome, JobRun
from app.scheduling import jobs
from app.scheduling.jobs import Interrupted, Job
from app.scheduling.runs import run_job
from tests.test_scheduling import BRUSSELS, COUNTING, FAILING, VARIABLE, add_run


@pytest.fixture
def jobs_page(app, world, login_as, in_english):
    """The admin's jobs page, with the default schedules, as text."""
    app.config["SCHEDULES"] = {}
    admin = login_as(world.admin)

    def page() -> str:
        response = admin.get("/admin/jobs")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return page


def test_the_jobs_page_shows_a_job_never_run(jobs_page):
    page = jobs_page()
    assert "deliver" in page
    assert "E-mail the notifications that are due" in page
    assert "<code>*/5 * * * *</code> · every 5 minutes" in page
    assert VARIABLE in page
    assert "Never run" in page
    assert "Is “leerspoor scheduler” running?" not in page


def test_the_jobs_page_shows_the_last_run_and_the_next(app, jobs_page):
    app.config["SCHEDULES"] = {"deliver": "every 30m"}
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    add_run(app, "deliver", started - timedelta(minutes=30), summary={"emails": 1})
    add_run(app, "deliver", started, summary={"emails": 3, "sent": 3, "failed": 0})
    page = jobs_page()
    local = started.astimezone(BRUSSELS)
    assert f"{local:%-d %b %Y, %H:%M:%S}" in page
    following = (started + timedelta(minutes=30)).astimezone(BRUSSELS)
    assert f'Next run</dt>\n      <dd><time datetime="{following.isoformat()}">' in page
    assert "2 seconds" in page
    assert 'class="badge outcome-ok">Done' in page
    assert (
        "<dd>E-mails sent: 3<br>Notifications e-mailed one by one: 3<br>Failed for good: 0</dd>"
    ) in page
    # the table leaves out what did not happen
    assert "E-mails sent: 3<br>Notifications e-mailed one by one: 3</td>" in page
    assert 'outcome-ok">Done</span><br>E-mails sent: 1</td>' in page
    assert page.count("<tr>\n        <td><time") == 2
    assert page.count("Never run") == 3  # reminders, account_mail and retention, not deliver


def test_the_jobs_page_shows_the_error_of_a_failing_job(app, jobs_page, monkeypatch):
    monkeypatch.setattr(jobs, "JOBS", (*jobs.JOBS, FAILING))
    with app.app_context():
        run_job(FAILING, datetime.now(UTC))
    page = jobs_page()
    assert "failing" in page
    assert 'class="badge outcome-failed">Failed' in page
    assert "RuntimeError: The mail server said no" in page
    assert "a second line" not in page


def part_way(now: datetime) -> dict[str, int]:
    try:
        raise OSError("No space left on device")
    except OSError as error:
        raise Interrupted({"sent": 3, "failed": 0}) from error


PART_WAY = Job("partway", "Part way", part_way, "every 1h", labels={"sent": "E-mails sent"})


def test_the_jobs_page_says_when_a_job_last_failed_and_what_it_did_before(
    app, jobs_page, monkeypatch
):
    monkeypatch.setattr(jobs, "JOBS", (*jobs.JOBS, PART_WAY))
    with app.app_context():
        run_job(PART_WAY, datetime.now(UTC))
    page = jobs_page()
    alert = page[page.index('class="flash flash-error" role="alert"') :]
    assert "The last run of partway failed at " in alert
    assert "OSError: No space left on device" in alert
    assert "Done before the failure: E-mails sent: 3" in alert
    assert "<dd>E-mails sent: 3</dd>" in page  # under the error, in the job's facts
    assert "Is “leerspoor scheduler” running?" not in page


def test_the_jobs_page_no_longer_alarms_once_the_next_run_went_well(app, jobs_page):
    started = datetime.now(UTC) - timedelta(minutes=10)
    add_run(app, "deliver", started, outcome=JobOutcome.FAILED, error="OSError: disk full")
    assert "The last run of deliver failed at " in jobs_page()
    add_run(app, "deliver", started + timedelta(minutes=5))
    page = jobs_page()
    assert "The last run of deliver failed at " not in page
    assert "OSError: disk full" in page  # still in the list of runs


def test_the_jobs_page_warns_when_the_scheduler_seems_to_be_down(app, jobs_page):
    add_run(app, "deliver", datetime.now(UTC) - timedelta(minutes=20))
    page = jobs_page()
    assert "deliver last ran at" in page
    assert "has missed at least two runs since" in page
    assert "Is “leerspoor scheduler” running?" in page


def test_the_jobs_page_does_not_warn_about_a_recent_run(app, jobs_page):
    add_run(app, "deliver", datetime.now(UTC) - timedelta(minutes=4))
    assert "Is “leerspoor scheduler” running?" not in jobs_page()


def test_the_jobs_page_warns_about_a_run_stuck_for_over_an_hour(app, jobs_page):
    add_run(app, "deliver", datetime.now(UTC) - timedelta(minutes=61), outcome=JobOutcome.RUNNING)
    page = jobs_page()
    assert "deliver has been running since" in page
    assert "Is “leerspoor scheduler” running?" in page
    assert 'class="badge outcome-running">Running' in page


def test_the_jobs_page_does_not_warn_about_a_run_in_progress(app, jobs_page):
    add_run(app, "deliver", datetime.now(UTC) - timedelta(minutes=20), outcome=JobOutcome.RUNNING)
    assert "Is “leerspoor scheduler” running?" not in jobs_page()


def test_the_jobs_page_shows_an_invalid_schedule_instead_of_failing(app, jobs_page):
    app.config["SCHEDULES"] = {"deliver": "sometimes"}
    page = jobs_page()
    assert "Invalid schedule" in page
    assert f'<code>{VARIABLE}="sometimes"</code>' in page


def test_the_jobs_page_shows_a_job_that_is_off(app, jobs_page):
    app.config["SCHEDULES"] = {"deliver": "off"}
    add_run(app, "deliver", datetime.now(UTC) - timedelta(days=3))
    page = jobs_page()
    assert "Off: the scheduler does not run this job." in page
    assert "Is “leerspoor scheduler” running?" not in page


def test_the_jobs_page_costs_the_same_queries_for_no_runs_and_many(
    app, jobs_page, count_queries, monkeypatch
):
    monkeypatch.setattr(jobs, "JOBS", (*jobs.JOBS, COUNTING, FAILING))
    jobs_page()  # once before counting, as a browser would have
    with count_queries() as empty:
        jobs_page()
    now = datetime.now(UTC)
    with app.app_context():
        db.session.add_all(
            JobRun(
                job=name,
                started_at=now - timedelta(minutes=5 * number),
                finished_at=now - timedelta(minutes=5 * number) + timedelta(seconds=1),
                outcome=JobOutcome.OK,
                summary={"sent": number},
            )
            for name in ("deliver", "counting", "failing")
            for number in range(40)
        )
        db.session.commit()
    with count_queries() as full:
        page = jobs_page()
    assert full.count == empty.count
    assert page.count("<tr>\n        <td><time") == 30  # ten of each job


def test_the_admin_home_links_to_the_jobs_page_for_admins_only(world, login_as):
    assert "/admin/jobs" in login_as(world.admin).get("/admin/").get_data(as_text=True)
    assert "/admin/jobs" not in login_as(world.coordinator_a).get("/admin/").get_data(as_text=True)
