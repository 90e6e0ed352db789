"""Retention: what is past its period is deleted, by the job `retention` every night.

A placement's record is kept for a number of **school years after the placement ends**
(a school year ends on 31 August), per category, as each school sets it (default two):
a placement that ended on 30 June 2026 ends the school year 2025–2026, so with two years
its log is deleted on 1 September 2028. The placement itself goes when its own period
is over, which is never shorter than that of its log, scores, plan or visits.

Beyond placements: notifications go one year after they were written; accounts that
belong to no school or company and were not used for a year are erased (anonymised, as
an erasure does); the audit trail goes after its own period (three years by default,
`LEERSPOOR_AUDIT_RETENTION_YEARS`); runs of scheduled jobs after thirty days
(`app/scheduling/runs.py`).

Every rule looks at the state, not at what happened since the last run: a run that was
missed is made up by the next one, and a second run on the same day finds nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, or_, select, text

from app import audit
from app.extensions import db
from app.i18n import DEFAULT_TIMEZONE
from app.models import (
    AuditEvent,
    Membership,
    Notification,
    Organisation,
    OrganisationKind,
    Placement,
    RetentionPeriod,
    User,
)
from app.privacy.erasure import erase_person, erased_address
from app.privacy.records import delete_files, delete_with_dependents, table_named
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
UNUSED_ACCOUNT_DAYS = 365


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


def _purge_placements(today: date, deleted: Counter[str], files: list[str]) -> None:
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
            past = select(Placement.id).where(
                Placement.school_id.in_(school_ids),
                Placement.end_date.is_not(None),
                Placement.end_date <= date(last_year - years, 8, 31),
            )
            if category is PLACEMENT:
                ids = set(db.session.scalars(past))
                delete_with_dependents(table_named("placement"), ids, deleted, files)
                continue
            for table in _tables_of(category):
                ids = set(
                    db.session.scalars(select(table.c.id).where(table.c.placement_id.in_(past)))
                )
                delete_with_dependents(table, ids, deleted, files)


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


def purge(now: datetime) -> dict[str, int]:
    """Delete what is past its retention period at `now`; the rows deleted per table and
    the accounts erased.
    """
    today = now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date()
    deleted: Counter[str] = Counter()
    files: list[str] = []
    _purge_placements(today, deleted, files)
    deleted["notification"] += db.session.execute(
        delete(Notification).where(
            Notification.created_at < now - timedelta(days=NOTIFICATION_DAYS)
        )
    ).rowcount
    audit_years = current_app.config["AUDIT_RETENTION_YEARS"]
    if db.engine.dialect.name == "postgresql":
        # The one DELETE the audit table lets through (see app/models/audit.py).
        db.session.execute(text("SET LOCAL leerspoor.audit_purge = 'on'"))
    deleted["audit_event"] += db.session.execute(
        delete(AuditEvent).where(AuditEvent.at < now - timedelta(days=365 * audit_years))
    ).rowcount
    db.session.commit()
    delete_files(files)
    erased = 0
    for person in _unused_accounts(now):
        erase_person(None, person, now)
        erased += 1
    numbers = {table: count for table, count in sorted(deleted.items()) if count}
    numbers["files"] = len(files)
    numbers["accounts_erased"] = erased
    return numbers
