"""Retention at the size of a school group: a cohort of a thousand placements past their
period, each with a school year of record, goes in chunks of placements, in statements
that never bind a parameter per row and whose number does not grow with the rows; what
is still kept stays, with its files. A run that fails half-way keeps the chunks it
committed, says so on /admin/jobs and tells the admins once; the next run finishes.

`LEERSPOOR_RETENTION_COHORT` sets the size of the cohort (1,000 by default), and
`LEERSPOOR_RETENTION_REPORT` names a file to which the scale test appends how long the
purge took: the figures in docs/privacy.md.
"""

from __future__ import annotations

import io
import json
import math
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select

from app.extensions import db
from app.followup.entries import monday_of
from app.models import (
    Action,
    Actor,
    AdditionKind,
    Attachment,
    Comment,
    DevelopmentPlan,
    EntryKind,
    EntryRevision,
    Goal,
    GoalComment,
    GoalEvidence,
    JobOutcome,
    LogEntry,
    Notification,
    NotificationKind,
    Placement,
    PlacementKind,
    PlanItem,
    Registration,
    ReviewStatus,
    RubricScore,
    Setting,
    Visit,
    VisitAddition,
    VisitConfirmation,
    VisitStatus,
)
from app.privacy import retention
from app.privacy.records import placement_of
from app.scheduling.jobs import job_named
from app.scheduling.runs import run_job
from app.storage import FileStorage, file_storage, new_key
from tests.conftest import FOLLOWED_WITH, png_bytes

COHORT = int(os.environ.get("LEERSPOOR_RETENTION_COHORT", "1000"))
KEPT = 20  # placements that ended last school year: within their period
WEEKS = 36  # weekly logs per placement, a school year of them
NOTES = 4  # feedback and visit notes per placement
INDICATORS = 8
FILE_EVERY = 10  # every tenth placement has a photo in its log
# SQLite as built by default binds at most this many parameters in one statement.
STOCK_SQLITE_PARAMETERS = 32_766
# What a statement of the purge may bind: a few dates and ids, never one per row.
MOST_PARAMETERS = 20


def today() -> date:
    return datetime.now(UTC).date()


@dataclass
class Cohort:
    """Placements with ids from `first` to `last`, and the storage keys of their files."""

    first: int
    last: int
    files: list[str]


def insert_into(model):
    """A Core INSERT of the model's table: a hundred thousand rows in a second or two."""
    return insert(model.__table__)


def insert_rows(model, rows: list[dict]) -> list[int]:
    """Insert `rows` in bulk; their ids, in the order of `rows`."""
    before = db.session.scalar(select(func.coalesce(func.max(model.id), 0)))
    db.session.execute(insert_into(model), rows)
    return db.session.scalars(select(model.id).where(model.id > before).order_by(model.id)).all()


def build_cohort(app, world, count: int, ended: date) -> Cohort:
    """`count` placements of school A that ended on `ended`, each with a school year of
    record: weekly logs and notes with comments, earlier versions and a photo on some,
    registrations, rubric scores, a training plan, a development plan with goals and
    actions, a visit with its report confirmed and one planned, notifications. About a
    hundred rows per placement, written with bulk inserts.
    """
    student, mentor, coach = world.student_a.id, world.mentor_x.id, world.coach_a.id
    start = ended - timedelta(days=300)
    with app.app_context():
        placements = insert_rows(
            Placement,
            [
                {
                    "student_id": student,
                    "school_id": world.school_a.id,
                    "workplace_id": world.company_x.id,
                    "mentor_id": mentor,
                    "coach_id": coach,
                    "kind": PlacementKind.DUAL_LEARNING,
                    "start_date": start,
                    "end_date": ended,
                    **FOLLOWED_WITH,
                }
                for _ in range(count)
            ],
        )
        weeks = [monday_of(start) + timedelta(weeks=week) for week in range(WEEKS)]
        entry_rows = []
        for placement_id in placements:
            for week in weeks:
                entry_rows.append(
                    {
                        "placement_id": placement_id,
                        "author_id": student,
                        "author_role": Actor.STUDENT,
                        "kind": EntryKind.WEEKLY_LOG,
                        "sections": {"done": "Cables pulled in the new wing."},
                        "week_start": week,
                        "review_status": ReviewStatus.APPROVED,
                        "reviewed_by_id": mentor,
                        "version": 1,
                    }
                )
            for note in range(NOTES):
                author, role, kind = (
                    (mentor, Actor.MENTOR, EntryKind.FEEDBACK)
                    if note % 2
                    else (coach, Actor.COACH, EntryKind.VISIT_NOTE)
                )
                entry_rows.append(
                    {
                        "placement_id": placement_id,
                        "author_id": author,
                        "author_role": role,
                        "kind": kind,
                        "sections": {"text": "Asks good questions."},
                        "week_start": None,
                        "review_status": None,
                        "reviewed_by_id": None,
                        "version": 1,
                    }
                )
        entries = insert_rows(LogEntry, entry_rows)
        per_placement = WEEKS + NOTES
        first_entry = {
            placement_id: entries[index * per_placement]
            for index, placement_id in enumerate(placements)
        }
        db.session.execute(
            insert_into(Comment),
            [
                {"entry_id": entry, "author_id": mentor, "body": "Well done."}
                for entry in entries[::4]
            ],
        )
        db.session.execute(
            insert_into(EntryRevision),
            [
                {"entry_id": entry, "editor_id": student, "sections": {"done": "Cables."}}
                for entry in entries[::8]
            ],
        )
        files = []
        storage = file_storage()
        for placement_id in placements[::FILE_EVERY]:
            key = new_key()
            storage.save(key, io.BytesIO(png_bytes()))
            files.append((placement_id, key))
        if files:
            db.session.execute(
                insert_into(Attachment),
                [
                    {
                        "entry_id": first_entry[placement_id],
                        "uploader_id": student,
                        "filename": "wiring.png",
                        "content_type": "image/png",
                        "size": 100,
                        "storage_key": key,
                    }
                    for placement_id, key in files
                ],
            )
        db.session.execute(
            insert_into(Registration),
            [
                {
                    "placement_id": placement_id,
                    "author_id": author,
                    "actor": actor,
                    "framework_id": FOLLOWED_WITH["framework_id"],
                    "framework_version": 1,
                    "competence_id": "punctuality",
                    "indicator_id": f"indicator-{indicator}",
                    "setting": Setting.WORKPLACE,
                    "level": 3,
                    "observed_on": start,
                }
                for placement_id in placements
                for actor, author in (
                    (Actor.STUDENT, student),
                    (Actor.MENTOR, mentor),
                    (Actor.COACH, coach),
                )
                for indicator in range(INDICATORS)
            ],
        )
        db.session.execute(
            insert_into(RubricScore),
            [
                {
                    "placement_id": placement_id,
                    "author_id": author,
                    "actor": actor,
                    "rubric_id": FOLLOWED_WITH["rubric_id"],
                    "rubric_version": 1,
                    "criterion_id": f"criterion-{criterion}",
                    "level": 2,
                }
                for placement_id in placements
                for actor, author in ((Actor.STUDENT, student), (Actor.MENTOR, mentor))
                for criterion in range(4)
            ],
        )
        db.session.execute(
            insert_into(PlanItem),
            [
                {
                    "placement_id": placement_id,
                    "competence_id": f"competence-{competence}",
                    "setting": Setting.BOTH,
                    "updated_by_id": coach,
                    "version": 1,
                }
                for placement_id in placements
                for competence in range(3)
            ],
        )
        db.session.execute(insert_into(DevelopmentPlan), [{"placement_id": p} for p in placements])
        goals = insert_rows(
            Goal,
            [
                {
                    "placement_id": placement_id,
                    "author_id": student,
                    "author_role": Actor.STUDENT,
                    "title": f"Goal {number}",
                    "version": 1,
                }
                for placement_id in placements
                for number in range(2)
            ],
        )
        db.session.execute(
            insert_into(GoalComment),
            [
                {"goal_id": goal, "author_id": mentor, "author_role": Actor.MENTOR, "body": "Yes."}
                for goal in goals
            ],
        )
        db.session.execute(
            insert_into(GoalEvidence),
            [
                {"goal_id": goals[2 * index], "entry_id": first_entry[placement_id]}
                for index, placement_id in enumerate(placements)
            ],
        )
        visits = insert_rows(
            Visit,
            [
                {
                    "placement_id": placement_id,
                    "planned_by_id": coach,
                    "planned_on": start + timedelta(days=60 + 120 * number),
                    "status": VisitStatus.LOCKED if number == 0 else VisitStatus.PLANNED,
                    "version": 1,
                }
                for placement_id in placements
                for number in range(2)
            ],
        )
        held = visits[::2]
        db.session.execute(
            insert_into(VisitConfirmation),
            [
                {"visit_id": visit, "actor": actor, "user_id": user}
                for visit in held
                for actor, user in ((Actor.MENTOR, mentor), (Actor.STUDENT, student))
            ],
        )
        db.session.execute(
            insert_into(VisitAddition),
            [
                {
                    "visit_id": visit,
                    "kind": AdditionKind.COMMENT,
                    "author_id": student,
                    "author_role": Actor.STUDENT,
                    "body": "Thanks.",
                }
                for visit in held
            ],
        )
        db.session.execute(
            insert_into(Action),
            [
                {
                    "placement_id": placement_id,
                    "goal_id": goals[2 * index] if number == 0 else None,
                    "visit_id": held[index] if number == 1 else None,
                    "author_id": student,
                    "author_role": Actor.STUDENT,
                    "title": f"Action {number}",
                }
                for index, placement_id in enumerate(placements)
                for number in range(2)
            ],
        )
        db.session.execute(
            insert_into(Notification),
            [
                {
                    "user_id": mentor,
                    "kind": NotificationKind.ENTRY_ADDED,
                    "key": f"entry:{entry}",
                    "placement_id": placement_id,
                    "payload": {"entry_id": entry},
                    "target_endpoint": "followup.show_entry",
                    "target_values": {"placement_id": placement_id, "entry_id": entry},
                }
                for index, placement_id in enumerate(placements)
                for entry in entries[index * per_placement : index * per_placement + 6]
            ],
        )
        db.session.commit()
        return Cohort(placements[0], placements[-1], [key for _, key in files])


def rows_per_table(app, cohort: Cohort) -> dict[str, int]:
    """The rows of every table that belong to the cohort's placements, by table."""
    with app.app_context():
        counts = {}
        for table in db.metadata.sorted_tables:
            placement = placement_of(table)
            if placement is None:
                continue
            counts[table.name] = db.session.scalar(
                select(func.count())
                .select_from(table)
                .where(placement.between(cohort.first, cohort.last))
            )
        return counts


def files_left(app, cohort: Cohort) -> int:
    with app.app_context():
        storage = file_storage()
        return sum(storage.exists(key) for key in cohort.files)


@pytest.fixture
def stock_sqlite(app):
    """SQLite with the stock limit on parameters: some builds allow far more (Debian's,
    250,000), so that a statement binding a parameter per row fails here as it fails on
    the SQLite a school runs.
    """

    def limit(connection, _record) -> None:
        connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, STOCK_SQLITE_PARAMETERS)

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", limit)
            db.session.remove()
            engine.dispose()  # the connections open so far have the build's limit


@pytest.fixture
def cohorts(app, world, stock_sqlite):
    """A thousand placements that ended four years ago (past their two school years) and
    twenty that ended a month ago (kept)."""
    past = build_cohort(app, world, COHORT, today().replace(day=1) - timedelta(days=4 * 365))
    kept = build_cohort(app, world, KEPT, today() - timedelta(days=30))
    return past, kept


def test_a_thousand_placements_past_retention_go_in_bounded_statements(app, cohorts, count_queries):
    past, kept = cohorts
    before = rows_per_table(app, past)
    kept_before = rows_per_table(app, kept)
    assert before["log_entry"] == COHORT * (WEEKS + NOTES)
    assert sum(before.values()) >= COHORT * 100

    with count_queries() as counter, app.app_context():
        started = time.perf_counter()
        numbers = retention.purge(datetime.now(UTC))
        seconds = time.perf_counter() - started
    _report(app, seconds, sum(before.values()))

    assert rows_per_table(app, past) == dict.fromkeys(before, 0)
    assert rows_per_table(app, kept) == kept_before
    assert numbers["placement"] >= COHORT
    assert numbers["log_entry"] >= COHORT * (WEEKS + NOTES)
    assert numbers["files"] >= len(past.files)
    assert files_left(app, past) == 0
    assert files_left(app, kept) == len(kept.files) > 0
    # No statement binds a parameter per row: the ids stay in the database.
    assert max(counter.bound) <= MOST_PARAMETERS
    # A few statements per table and chunk of each of the five categories, however many
    # rows a chunk holds (the same for ten placements as for a hundred: below).
    chunks = 5 * (math.ceil(COHORT / retention.CHUNK) + 1)
    assert counter.count <= 20 * chunks


def _report(app, seconds: float, rows: int) -> None:
    """Append the purge's time to the file LEERSPOOR_RETENTION_REPORT names, if any."""
    path = os.environ.get("LEERSPOOR_RETENTION_REPORT")
    if not path:
        return
    with app.app_context():
        database = db.engine.dialect.name
    line = {"database": database, "placements": COHORT, "rows": rows, "seconds": seconds}
    with open(path, "a", encoding="utf-8") as report:
        report.write(json.dumps(line) + "\n")


def test_the_purge_costs_the_same_statements_for_ten_placements_as_for_a_hundred(
    app, world, monkeypatch, count_queries
):
    monkeypatch.setattr(retention, "CHUNK", 100)
    ended = today().replace(day=1) - timedelta(days=4 * 365)
    counted = []
    for count in (10, 100):
        build_cohort(app, world, count, ended)
        with count_queries() as counter, app.app_context():
            assert retention.purge(datetime.now(UTC))["placement"] >= count
        counted.append(counter.count)
    assert counted[0] == counted[1]


def test_a_second_run_finds_nothing_left(app, world):
    build_cohort(app, world, 30, today().replace(day=1) - timedelta(days=4 * 365))
    with app.app_context():
        assert retention.purge(datetime.now(UTC))["placement"] >= 30
        assert retention.purge(datetime.now(UTC)) == {"files": 0, "accounts_erased": 0}


# -- a run that fails part of the way ---------------------------------------------------


def _placements_left(app, cohort: Cohort) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Placement.id)).where(Placement.id.between(cohort.first, cohort.last))
        )


def test_a_run_failing_part_way_keeps_its_chunks_says_so_and_tells_the_admins_once(
    app, world, monkeypatch, login_as, in_english
):
    monkeypatch.setattr(retention, "CHUNK", 10)
    cohort = build_cohort(app, world, 30, today().replace(day=1) - timedelta(days=4 * 365))
    delete_matching = retention.delete_matching
    chunks = []

    def third_chunk_of_placements_fails(table, condition, deleted, files):
        if table.name == "placement":
            chunks.append(table)
            if len(chunks) >= 3:
                raise RuntimeError("canceling statement due to lock timeout\nCONTEXT: …")
        delete_matching(table, condition, deleted, files)

    monkeypatch.setattr(retention, "delete_matching", third_chunk_of_placements_fails)
    with app.app_context():
        run = run_job(job_named("retention"), datetime.now(UTC))
        assert run.outcome == JobOutcome.FAILED
        assert run.error == "RuntimeError: canceling statement due to lock timeout"
        assert run.summary["placement"] == 20
        assert run.summary["log_entry"] == 30 * (WEEKS + NOTES)
        assert run.summary["files"] == len(cohort.files)
    assert _placements_left(app, cohort) == 10
    assert rows_per_table(app, cohort)["log_entry"] == 0
    assert files_left(app, cohort) == 0

    page = login_as(world.admin).get("/admin/jobs").get_data(as_text=True)
    alert = page[page.index('class="flash flash-error" role="alert"') :]
    assert "The last run of retention failed at " in alert
    assert "RuntimeError: canceling statement due to lock timeout" in alert
    assert "Placements deleted: 20" in alert

    with app.app_context():
        again = run_job(job_named("retention"), datetime.now(UTC))  # fails at once
        assert again.outcome == JobOutcome.FAILED
        told = db.session.scalars(
            select(Notification.user_id).where(Notification.kind == NotificationKind.JOB_FAILED)
        ).all()
    assert told == [world.admin.id]

    monkeypatch.setattr(retention, "delete_matching", delete_matching)
    with app.app_context():
        last = run_job(job_named("retention"), datetime.now(UTC))
        assert last.outcome == JobOutcome.OK
        assert last.summary["placement"] == 10
    assert rows_per_table(app, cohort) == dict.fromkeys(rows_per_table(app, cohort), 0)
    assert "The last run of retention failed" not in login_as(world.admin).get(
        "/admin/jobs"
    ).get_data(as_text=True)


def test_the_purge_command_that_fails_part_way_says_what_it_deleted(
    app, world, runner, monkeypatch
):
    monkeypatch.setattr(retention, "CHUNK", 10)
    cohort = build_cohort(app, world, 20, today().replace(day=1) - timedelta(days=4 * 365))

    def erasing_fails(*_args, **_kwargs):
        raise RuntimeError("server closed the connection unexpectedly")

    monkeypatch.setattr(retention, "_unused_accounts", erasing_fails)
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 1
    assert "failed: RuntimeError: server closed the connection unexpectedly" in result.output
    assert "Done before the failure, and kept: " in result.output
    assert ", 20 placement, " in result.output
    assert _placements_left(app, cohort) == 0


def test_a_file_that_cannot_be_deleted_keeps_its_rows_and_the_next_run_deletes_both(
    app, world, monkeypatch
):
    monkeypatch.setattr(retention, "CHUNK", 10)
    cohort = build_cohort(app, world, 30, today().replace(day=1) - timedelta(days=4 * 365))
    assert len(cohort.files) == 3  # one in each chunk of ten placements
    stuck = cohort.files[1]
    delete = FileStorage.delete

    def refuse_one(storage, key):
        if key == stuck:
            raise PermissionError(13, "Permission denied", key)
        delete(storage, key)

    monkeypatch.setattr(FileStorage, "delete", refuse_one)
    with app.app_context():
        run = run_job(job_named("retention"), datetime.now(UTC))
        assert run.outcome == JobOutcome.FAILED
        assert run.error.startswith("PermissionError: [Errno 13] Permission denied")
        assert run.summary["log_entry"] == 10 * (WEEKS + NOTES)
        assert run.summary["files"] == 1
        # Every attachment left still has its file: none points at nothing.
        keys = db.session.scalars(
            select(Attachment.storage_key)
            .join(LogEntry)
            .where(LogEntry.placement_id.between(cohort.first, cohort.last))
        ).all()
        assert sorted(keys) == sorted(cohort.files[1:])
        assert all(file_storage().exists(key) for key in keys)

    monkeypatch.setattr(FileStorage, "delete", delete)
    with app.app_context():
        assert run_job(job_named("retention"), datetime.now(UTC)).outcome == JobOutcome.OK
    assert files_left(app, cohort) == 0
    assert _placements_left(app, cohort) == 0
