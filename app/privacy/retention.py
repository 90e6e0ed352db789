"""Retention: what is past its period is deleted, by the job `retention` every night.

A placement's record is kept for a number of **school years after the placement ends**
(a school year ends on 31 August), per category, as each school sets it (default two):
a placement that ended on 30 June 2026 ends the school year 2025–2026, so with two years
its log is deleted on 1 September 2028. The placement itself goes when its own period
is over, which is never shorter than that of its log, scores, plan or visits.

Beyond placements: notifications go one year after they were written; unsaved text of a
form (`form_draft`) thirty days after it was last typed in; accounts that
belong to no school or company and were not used for a year are erased (anonymised, as
an erasure does); the audit trail goes after its own period (three years by default,
`LEERSPOOR_AUDIT_RETENTION_YEARS`); runs of scheduled jobs after thirty days
(`app/scheduling/runs.py`); CSV files
kept for an import after a day; a call for mobility abroad, with its candidates and
their selection, two school years after the school year its placements ended.

Every rule looks at the state, not at what happened since the last run: a run that was
missed is made up by the next one, and a second run on the same day finds nothing.

A school group's placements past their period run into the thousands, with a hundred
rows each: they go `CHUNK` placements at a time, each chunk in one transaction of one
DELETE per table that picks its rows with a subquery, so no statement binds more than a
few dates and ids (SQLite refuses more than 32,766 parameters, PostgreSQL 65,535) and a
failure keeps the chunks before it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, text, true

from app import audit
from app.dates import local_day
from app.extensions import db
from app.models import (
    AuditEvent,
    FormDraft,
    Membership,
    MembershipInvitation,
    Notification,
    Organisation,
    OrganisationKind,
    PendingImport,
    Placement,
    RetentionPeriod,
    User,
)
from app.privacy.erasure import erase_person, erased_address
from app.privacy.records import delete_files, delete_matching, table_named
from app.privacy.registry import (
    ASSESSMENT,
    DECLARATIONS,
    LOG,
    PLACEMENT,
    PLAN,
    VISITS,
    Category,
)

DEFAULT_YEARS = 2
MIN_YEARS, MAX_YEARS = 1, 10
# The categories of a placement's record that each school sets, the placement last: its
# rows go only when everything that hangs on it has gone.
PLACEMENT_RECORD: tuple[Category, ...] = (LOG, ASSESSMENT, PLAN, VISITS, PLACEMENT)
NOTIFICATION_DAYS = 365
DRAFT_DAYS = 30
UNUSED_ACCOUNT_DAYS = 365
# Placements per transaction of the purge: a few thousand rows each, committed together.
CHUNK = 500


def last_ended_school_year(today: date) -> int:
    """The calendar year in which the last school year that is over ended."""
    return today.year if today.month >= 9 else today.year - 1


def kept_until(end_date: date, years: int) -> date:
    """The last day a placement that ended on `end_date` is kept for `years` years."""
    school_year_end = end_date.year if end_date.month <= 8 else end_date.year + 1
    return date(school_year_end + years, 8, 31)


def periods_of(school_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each school's years per category of the placement record (defaults filled in)."""
    periods = {
        school_id: {category.key: DEFAULT_YEARS for category in PLACEMENT_RECORD}
        for school_id in school_ids
    }
    rows = db.session.scalars(
        select(RetentionPeriod).where(RetentionPeriod.school_id.in_(school_ids))
    )
    for row in rows:
        if row.category in periods[row.school_id]:
            periods[row.school_id][row.category] = row.years
    return periods


def save_periods(actor: User, school: Organisation, years: dict[str, int]) -> None:
    """Set the school's years per category (every key of `PLACEMENT_RECORD`)."""
    if periods_of([school.id])[school.id] == years:
        return  # saved as shown: the defaults are not written down either
    existing = {
        row.category: row
        for row in db.session.scalars(
            select(RetentionPeriod).where(RetentionPeriod.school_id == school.id)
        )
    }
    for category in PLACEMENT_RECORD:
        row = existing.get(category.key)
        if row is None:
            row = RetentionPeriod(school_id=school.id, category=category.key)
            db.session.add(row)
        if row.years != years[category.key]:
            row.years = years[category.key]
            row.updated_by_id = actor.id
    audit.record(actor, "retention_updated", school, **years)
    db.session.commit()


def _tables_of(category: Category) -> list:
    """The tables of `category` whose rows hang on a placement directly."""
    return [
        table_named(declaration.table)
        for declaration in DECLARATIONS
        if declaration.category is category
        and declaration.per_placement
        and declaration.table != "placement"
    ]


class PurgeInterrupted(Exception):
    """The purge failed part of the way; `numbers` is what it deleted and committed
    before (the error that stopped it is the cause).
    """

    def __init__(self, numbers: dict[str, int]) -> None:
        super().__init__("The purge stopped part of the way")
        self.numbers = numbers


@dataclass
class _Progress:
    """What the purge has deleted and committed so far."""

    deleted: Counter[str] = field(default_factory=Counter)
    files: int = 0
    accounts_erased: int = 0

    def numbers(self) -> dict[str, int]:
        numbers = {table: count for table, count in sorted(self.deleted.items()) if count}
        numbers["files"] = self.files
        numbers["accounts_erased"] = self.accounts_erased
        return numbers


def _purge_placements(today: date, progress: _Progress) -> None:
    schools = list(
        db.session.scalars(
            select(Organisation.id).where(Organisation.kind == OrganisationKind.SCHOOL)
        )
    )
    periods = periods_of(schools)
    last_year = last_ended_school_year(today)
    for category in PLACEMENT_RECORD:
        # Schools that keep this category equally long share one pass.
        by_years: dict[int, list[int]] = {}
        for school_id, years in periods.items():
            by_years.setdefault(years[category.key], []).append(school_id)
        for years, school_ids in sorted(by_years.items()):
            past = and_(
                Placement.school_id.in_(school_ids),
                Placement.end_date.is_not(None),
                Placement.end_date <= date(last_year - years, 8, 31),
            )
            _purge_in_chunks(category, past, progress)


def _purge_in_chunks(category: Category, past, progress: _Progress) -> None:
    """Delete the rows of `category` of the placements that meet `past`, CHUNK placements
    at a time in the order of their ids, each chunk committed with its files deleted.

    A chunk is a range of ids, so its statements bind two numbers, never the ids; a
    failure keeps the chunks committed before it, and the next run goes on from there.
    """
    if category is PLACEMENT:
        tables = [table_named("placement")]
        holding = true()
    else:
        tables = _tables_of(category)
        holding = or_(
            *(
                select(table.c.id).where(table.c.placement_id == Placement.id).exists()
                for table in tables
            )
        )
    after = 0
    while True:
        # The last id of the next CHUNK placements that still hold rows of the category.
        next_ids = (
            select(Placement.id)
            .where(past, holding, Placement.id > after)
            .order_by(Placement.id)
            .limit(CHUNK)
            .subquery()
        )
        last = db.session.scalar(select(func.max(next_ids.c.id)))
        if last is None:
            return
        chunk = select(Placement.id).where(past, Placement.id > after, Placement.id <= last)
        deleted: Counter[str] = Counter()
        files: list[str] = []
        for table in tables:
            column = table.c.id if category is PLACEMENT else table.c.placement_id
            delete_matching(table, column.in_(chunk), deleted, files)
        # The files go before the commit: should deleting one fail, the rows stay and the
        # next run deletes them and the rest of their files; a file deleted after the
        # commit that failed would stay, named by no row, past its period for good.
        delete_files(files)
        db.session.commit()
        progress.deleted.update(deleted)
        progress.files += len(files)
        after = last


def _unused_accounts(now: datetime) -> list[User]:
    """Accounts of no school or company, not part of a placement still kept, not used
    (or created, when never used) for a year.
    """
    unused_since = now - timedelta(days=UNUSED_ACCOUNT_DAYS)
    in_placement = select(Placement.id).where(
        or_(
            Placement.student_id == User.id,
            Placement.mentor_id == User.id,
            Placement.coach_id == User.id,
            Placement.monitor_id == User.id,
        )
    )
    return list(
        db.session.scalars(
            select(User).where(
                User.email.not_like(erased_address("%")),
                ~select(Membership.id).where(Membership.user_id == User.id).exists(),
                ~in_placement.exists(),
                or_(
                    User.last_login_at < unused_since,
                    User.last_login_at.is_(None) & (User.created_at < unused_since),
                ),
            )
        )
    )


def _purge_calls(today: date, progress: _Progress) -> None:
    """A call goes, with its candidates, their scores and the schools' selection
    reports, two school years after the school year in which its placements ended.
    """
    ended_by = date(last_ended_school_year(today) - DEFAULT_YEARS, 8, 31)
    calls = table_named("mobility_call")
    files: list[str] = []
    delete_matching(calls, calls.c.placement_end <= ended_by, progress.deleted, files)
    db.session.commit()


def purge(now: datetime) -> dict[str, int]:
    """Delete what is past its retention period at `now`; the rows deleted per table, the
    files deleted and the accounts erased.

    Placements go in chunks, each committed; should one fail, `PurgeInterrupted` says
    what was deleted before it (with the error as its cause), and the next run goes on.
    """
    progress = _Progress()
    try:
        _purge(now, progress)
    except Exception as error:
        db.session.rollback()
        raise PurgeInterrupted(progress.numbers()) from error
    return progress.numbers()


def _purge(now: datetime, progress: _Progress) -> None:
    today = local_day(now)
    _purge_placements(today, progress)
    notifications = db.session.execute(
        delete(Notification).where(
            Notification.created_at < now - timedelta(days=NOTIFICATION_DAYS)
        )
    ).rowcount
    db.session.commit()
    progress.deleted["notification"] += notifications
    drafts = db.session.execute(
        delete(FormDraft).where(FormDraft.saved_at < now - timedelta(days=DRAFT_DAYS))
    ).rowcount
    db.session.commit()
    progress.deleted["form_draft"] += drafts
    # An invitation nobody answered in time can no longer be accepted; it would only go
    # on telling the inviting school that the address has an account.
    invitations = db.session.execute(
        delete(MembershipInvitation).where(MembershipInvitation.expires_at < now)
    ).rowcount
    db.session.commit()
    progress.deleted["membership_invitation"] += invitations
    # A CSV file is kept only between its preview and its import: a day is plenty.
    uploads = db.session.execute(
        delete(PendingImport).where(PendingImport.created_at < now - timedelta(days=1))
    ).rowcount
    db.session.commit()
    progress.deleted["pending_import"] += uploads
    _purge_calls(today, progress)
    audit_years = current_app.config["AUDIT_RETENTION_YEARS"]
    if db.engine.dialect.name == "postgresql":
        # The one DELETE the audit table lets through (see app/models/audit.py).
        db.session.execute(text("SET LOCAL leerspoor.audit_purge = 'on'"))
    events = db.session.execute(
        delete(AuditEvent).where(AuditEvent.at < now - timedelta(days=365 * audit_years))
    ).rowcount
    db.session.commit()
    progress.deleted["audit_event"] += events
    for person in _unused_accounts(now):
        erase_person(None, person, now)
        progress.accounts_erased += 1
