"""Scheduled jobs' runs: one row per run of a job, written by whichever process ran it
(the `leerspoor scheduler` process, or an operator's `leerspoor reminders run`), so the
admin page can show each job's last run, how long it took and what it did.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow


class JobOutcome(enum.StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"

    @property
    def label(self):
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    JobOutcome.RUNNING: _l("Running"),
    JobOutcome.OK: _l("Done"),
    JobOutcome.FAILED: _l("Failed"),
}


class JobRun(db.Model):
    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_latest", "job", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[JobOutcome] = mapped_column(str_enum(JobOutcome), default=JobOutcome.RUNNING)
    # What the run did, in numbers (e.g. {"sent": 3}), or the error's type and first line.
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(String(500), default="")

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def __repr__(self) -> str:
        return f"<JobRun {self.id} {self.job} {self.outcome}>"
