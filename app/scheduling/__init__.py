"""Scheduled jobs: what runs on a schedule (`jobs`), when (`schedules`, from the
configuration), each run recorded in `job_run` (`runs`), and the `leerspoor scheduler`
process that runs them (`process`). The web processes never schedule anything: they
only read the runs for /admin/jobs.
"""
