"""Log entries: writing, editing with history, weekly-log approval and comments.

Services take plain arguments, raise `FollowupError` with the field a message belongs
to, and own the commit. Edits are checked against the version the editor started
from; a stale edit raises `StaleEdit` and changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app import policy
from app.extensions import db
from app.models import (
    Actor,
    Comment,
    EntryKind,
    EntryRevision,
    LogEntry,
    Placement,
    ReviewStatus,
    User,
)
from app.models.columns import utcnow

# The prompts of each kind of entry, in the order they are asked. A prompt is required
# when its flag is set; a weekly log needs at least one answer before it is submitted.
PROMPTS: dict[EntryKind, list[tuple[str, object, bool]]] = {
    EntryKind.WEEKLY_LOG: [
        ("did", _l("What I did this week"), False),
        ("went_well", _l("What went well"), False),
        ("was_hard", _l("What was hard"), False),
        ("need", _l("What I need"), False),
    ],
    EntryKind.FEEDBACK: [
        ("went_well", _l("One thing that went well"), True),
        ("work_on", _l("One thing to work on"), True),
        ("next_step", _l("The next step"), False),
    ],
    EntryKind.VISIT_NOTE: [("body", _l("What you saw and discussed"), True)],
    EntryKind.AGREEMENT: [("body", _l("What was agreed, by whom, by when"), True)],
    EntryKind.CONCERN: [("body", _l("What worries you"), True)],
}

# Who writes which kind of entry.
KINDS_BY_ACTOR: dict[Actor, tuple[EntryKind, ...]] = {
    Actor.STUDENT: (EntryKind.WEEKLY_LOG, EntryKind.CONCERN),
    Actor.MENTOR: (EntryKind.FEEDBACK, EntryKind.AGREEMENT, EntryKind.CONCERN),
    Actor.COACH: (EntryKind.VISIT_NOTE, EntryKind.AGREEMENT, EntryKind.CONCERN),
}

MAX_SECTION_LENGTH = 10_000
WELLBEING_WEEKS = 12


class FollowupError(Exception):
    """A domain rule refused the change; `field` is where the message belongs."""

    def __init__(self, field: str, message) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = message


class StaleEdit(Exception):
    """Someone saved the object after the editor opened it; nothing was changed."""


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# -- reading ----------------------------------------------------------------------------


def timeline_page(
    placement: Placement, reader: User, *, kind: EntryKind | None, page: int, per_page: int
):
    """One page of the entries `reader` may read, newest first, with everything shown.

    Authors, comments (with their authors) and attachments are loaded in a fixed number
    of queries, whatever the number of entries.
    """
    query = (
        select(LogEntry)
        .where(LogEntry.placement_id == placement.id, policy.entry_visibility(reader, placement))
        .options(
            selectinload(LogEntry.author),
            selectinload(LogEntry.reviewed_by),
            selectinload(LogEntry.comments).selectinload(Comment.author),
            selectinload(LogEntry.attachments),
            selectinload(LogEntry.revisions).load_only(EntryRevision.id),
        )
        .order_by(LogEntry.created_at.desc(), LogEntry.id.desc())
    )
    if kind is not None:
        query = query.where(LogEntry.kind == kind)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def waiting_for_approval(placement: Placement) -> int:
    return db.session.scalar(
        select(func.count(LogEntry.id)).where(
            LogEntry.placement_id == placement.id,
            LogEntry.review_status == ReviewStatus.SUBMITTED,
        )
    )


def weekly_log_for(placement: Placement, week_start: date) -> LogEntry | None:
    return db.session.scalar(
        select(LogEntry).where(
            LogEntry.placement_id == placement.id, LogEntry.week_start == week_start
        )
    )


def latest_weekly_log(placement: Placement) -> LogEntry | None:
    return db.session.scalar(
        select(LogEntry)
        .where(LogEntry.placement_id == placement.id, LogEntry.kind == EntryKind.WEEKLY_LOG)
        .order_by(LogEntry.week_start.desc())
        .limit(1)
    )


def wellbeing_trend(placement: Placement) -> list[tuple[date, int]]:
    """The wellbeing check-ins of the last weeks the student shared, oldest first."""
    rows = db.session.execute(
        select(LogEntry.week_start, LogEntry.wellbeing)
        .where(
            LogEntry.placement_id == placement.id,
            LogEntry.kind == EntryKind.WEEKLY_LOG,
            LogEntry.wellbeing.is_not(None),
            LogEntry.review_status != ReviewStatus.DRAFT,
        )
        .order_by(LogEntry.week_start.desc())
        .limit(WELLBEING_WEEKS)
    ).all()
    return [(week, level) for week, level in reversed(rows)]


def suggested_week(placement: Placement, today: date) -> date:
    """The week a new weekly log is for: this week, kept within the placement."""
    return monday_of(min(max(today, placement.start_date), placement.end_date))


# -- writing ----------------------------------------------------------------------------


def clean_sections(kind: EntryKind, sections: dict[str, str]) -> dict[str, str]:
    """The prompts of `kind` with the author's answers, stripped; required ones checked."""
    cleaned = {}
    for name, _label, required in PROMPTS[kind]:
        text = (sections.get(name) or "").strip()
        if required and not text:
            raise FollowupError(name, _l("Please write something here."))
        cleaned[name] = text
    return cleaned


def _check_week(placement: Placement, week_start: date, today: date, entry_id: int | None):
    if week_start > monday_of(today):
        raise FollowupError("week", _l("A week log is written during or after the week."))
    if week_start + timedelta(days=6) < placement.start_date or week_start > placement.end_date:
        raise FollowupError("week", _l("This week is outside the placement."))
    existing = weekly_log_for(placement, week_start)
    if existing is not None and existing.id != entry_id:
        raise FollowupError(
            "week", _l("There is already a log for this week. Open it to change it.")
        )


def _check_written(sections: dict[str, str], submit: bool) -> None:
    """A weekly log, draft or not, answers at least one prompt."""
    if not any(sections.values()):
        if submit:
            raise FollowupError("did", _l("Write at least one answer before you submit the week."))
        raise FollowupError("did", _l("Write at least one answer to save the week."))


def create_entry(
    placement: Placement,
    author: User,
    kind: EntryKind,
    sections: dict[str, str],
    *,
    week: date | None = None,
    wellbeing: int | None = None,
    coach_only: bool = False,
    submit: bool = False,
    today: date | None = None,
) -> LogEntry:
    """Write an entry as `author`, in the part they play in the placement."""
    actor = policy.actor_in(author, placement)
    if actor is None or kind not in KINDS_BY_ACTOR[actor]:
        raise FollowupError("kind", _l("You cannot write this kind of entry here."))
    cleaned = clean_sections(kind, sections)
    entry = LogEntry(
        placement_id=placement.id,
        author_id=author.id,
        author_role=actor,
        kind=kind,
        sections=cleaned,
        coach_only=coach_only and kind == EntryKind.VISIT_NOTE,
    )
    if kind == EntryKind.WEEKLY_LOG:
        week_start = monday_of(week or today or date.today())
        _check_week(placement, week_start, today or date.today(), None)
        _check_written(cleaned, submit)
        entry.week_start = week_start
        entry.wellbeing = wellbeing
        entry.review_status = ReviewStatus.SUBMITTED if submit else ReviewStatus.DRAFT
    db.session.add(entry)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise FollowupError(
            "week", _l("There is already a log for this week. Open it to change it.")
        ) from error
    return entry


def update_entry(
    entry: LogEntry,
    editor: User,
    sections: dict[str, str],
    *,
    expected_version: int,
    week: date | None = None,
    wellbeing: int | None = None,
    coach_only: bool = False,
    submit: bool = False,
    today: date | None = None,
) -> bool:
    """Change an entry, keeping what it said before as a revision.

    Returns True when the change withdrew the mentor's approval of a weekly log.
    Raises `StaleEdit` when the entry changed since the editor opened it.
    """
    if entry.version != expected_version:
        raise StaleEdit
    cleaned = clean_sections(entry.kind, sections)
    weekly = entry.kind == EntryKind.WEEKLY_LOG
    week_start = monday_of(week or entry.week_start) if weekly else None
    if weekly:
        _check_week(entry.placement, week_start, today or date.today(), entry.id)
        _check_written(cleaned, submit)
    unchanged = cleaned == entry.sections and (
        (week_start, wellbeing) == (entry.week_start, entry.wellbeing)
        if weekly
        else coach_only == entry.coach_only or entry.kind != EntryKind.VISIT_NOTE
    )
    newly_submitted = submit and entry.review_status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED)
    if unchanged and not newly_submitted:
        return False
    withdrawn = entry.review_status == ReviewStatus.APPROVED
    db.session.add(
        EntryRevision(
            entry_id=entry.id,
            editor_id=editor.id,
            sections=dict(entry.sections),
            wellbeing=entry.wellbeing,
            review_status=entry.review_status,
        )
    )
    entry.sections = cleaned
    if weekly:
        entry.week_start = week_start
        entry.wellbeing = wellbeing
        entry.review_status = ReviewStatus.SUBMITTED if submit else ReviewStatus.DRAFT
        entry.reviewed_by_id = None
        entry.reviewed_at = None
    if entry.kind == EntryKind.VISIT_NOTE:
        entry.coach_only = coach_only
    _commit_versioned()
    return withdrawn


def submit_entry(entry: LogEntry, *, expected_version: int) -> None:
    """Hand a weekly log to the mentor for approval."""
    if entry.version != expected_version:
        raise StaleEdit
    if entry.review_status not in (ReviewStatus.DRAFT, ReviewStatus.RETURNED):
        raise FollowupError("review", _l("This week is already with your mentor."))
    _check_written(entry.sections, submit=True)
    entry.review_status = ReviewStatus.SUBMITTED
    _commit_versioned()


def review_entry(
    entry: LogEntry, mentor: User, *, approve: bool, comment: str, expected_version: int
) -> None:
    """The mentor approves a submitted week, or returns it with a comment."""
    if entry.version != expected_version:
        raise StaleEdit
    if entry.review_status != ReviewStatus.SUBMITTED:
        raise FollowupError("review", _l("This week is not waiting for approval."))
    comment = comment.strip()
    if not approve and not comment:
        raise FollowupError("comment", _l("Say what the student should change."))
    _review(entry, mentor, ReviewStatus.APPROVED if approve else ReviewStatus.RETURNED, comment)
    _commit_versioned()


def approve_all(placement: Placement, mentor: User) -> int:
    """Approve every submitted week of the placement; returns how many.

    Entries are changed one by one through the ORM so each version check runs (a bulk
    UPDATE would bypass it); a week the student changed meanwhile makes nothing change.
    """
    entries = db.session.scalars(
        select(LogEntry).where(
            LogEntry.placement_id == placement.id,
            LogEntry.review_status == ReviewStatus.SUBMITTED,
        )
    ).all()
    for entry in entries:
        _review(entry, mentor, ReviewStatus.APPROVED, "")
    _commit_versioned()
    return len(entries)


def _review(entry: LogEntry, mentor: User, status: ReviewStatus, comment: str) -> None:
    entry.review_status = status
    entry.review_comment = comment
    entry.reviewed_by_id = mentor.id
    entry.reviewed_at = utcnow()


def _commit_versioned() -> None:
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleEdit from error


def add_comment(entry: LogEntry, author: User, body: str) -> Comment:
    body = body.strip()
    if not body:
        raise FollowupError("body", _l("Please write something here."))
    comment = Comment(entry_id=entry.id, author_id=author.id, body=body)
    db.session.add(comment)
    db.session.commit()
    return comment
