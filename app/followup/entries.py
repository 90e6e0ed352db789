"""Log entries: writing, editing with history, weekly-log approval and comments.

Services take plain arguments, raise `DomainError` with the field a message belongs
to, and own the commit. Edits are checked against the version the editor started
from; a stale edit raises `StaleEdit` and changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import audit, dates, policy, signals
from app.domain import DomainError, StaleEdit, commit_versioned
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


def has_concern(placement: Placement, reader: User) -> bool:
    """A concern in the log that `reader` can read."""
    return (
        db.session.scalar(
            select(LogEntry.id)
            .where(
                LogEntry.placement_id == placement.id,
                LogEntry.kind == EntryKind.CONCERN,
                LogEntry.resolved_at.is_(None),
                policy.entry_visibility(reader, placement),
            )
            .limit(1)
        )
        is not None
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


def handed_in_week(placement: Placement, week: date) -> LogEntry | None:
    """The student's weekly log that feedback on `week` is about: that week's log once
    handed in, else the latest one handed in before it (never a draft: only the student
    reads those).
    """
    return db.session.scalar(
        select(LogEntry)
        .where(
            LogEntry.placement_id == placement.id,
            LogEntry.kind == EntryKind.WEEKLY_LOG,
            LogEntry.review_status != ReviewStatus.DRAFT,
            LogEntry.week_start <= week,
        )
        .order_by(LogEntry.week_start.desc())
        .limit(1)
    )


def weekly_log_before(placement: Placement, week_start: date) -> LogEntry | None:
    """The latest weekly log of a week before `week_start`; else the latest of all (a
    student who writes a missed week may start from the week after it).
    """
    earlier = db.session.scalar(
        select(LogEntry)
        .where(
            LogEntry.placement_id == placement.id,
            LogEntry.kind == EntryKind.WEEKLY_LOG,
            LogEntry.week_start < week_start,
        )
        .order_by(LogEntry.week_start.desc())
        .limit(1)
    )
    return earlier or latest_weekly_log(placement)


def missing_weeks(placement: Placement, today: date) -> list[date]:
    """The Mondays of the weeks of the placement, before this one, without a weekly log
    (a draft counts as written), newest first. One query, whatever the length.
    """
    first = monday_of(placement.start_date)
    last = min(monday_of(today) - timedelta(weeks=1), monday_of(placement.end_date))
    if last < first:
        return []
    written = set(
        db.session.scalars(
            select(LogEntry.week_start).where(
                LogEntry.placement_id == placement.id,
                LogEntry.kind == EntryKind.WEEKLY_LOG,
                LogEntry.week_start >= first,
                LogEntry.week_start <= last,
            )
        )
    )
    weeks = (last - first).days // 7 + 1
    return [
        week for week in (last - timedelta(weeks=n) for n in range(weeks)) if week not in written
    ]


def returned_weeks(placement: Placement) -> list[LogEntry]:
    """The weeks the mentor sent back to the student, oldest week first."""
    return _weeks_in(placement, ReviewStatus.RETURNED)


def _weeks_in(placement: Placement, status: ReviewStatus) -> list[LogEntry]:
    return list(
        db.session.scalars(
            select(LogEntry)
            .where(LogEntry.placement_id == placement.id, LogEntry.review_status == status)
            .order_by(LogEntry.week_start)
        )
    )


def wellbeing_trend(placement: Placement) -> list[tuple[date, int | None]]:
    """The shared wellbeing check-ins of the last weeks, one slot per calendar week, oldest
    first, with None for a week without one (a gap is information too).
    """
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
    if not rows:
        return []
    levels = dict(rows)
    last = rows[0][0]
    first = max(rows[-1][0], last - timedelta(weeks=WELLBEING_WEEKS - 1))
    weeks = (last - first).days // 7 + 1
    return [
        (first + timedelta(weeks=n), levels.get(first + timedelta(weeks=n))) for n in range(weeks)
    ]


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
            raise DomainError(name, _l("Please write something here."))
        cleaned[name] = text
    return cleaned


def _check_week(placement: Placement, week_start: date, today: date, entry_id: int | None):
    if week_start > monday_of(today):
        raise DomainError("week", _l("A week log is written during or after the week."))
    if week_start + timedelta(days=6) < placement.start_date or week_start > placement.end_date:
        raise DomainError("week", _l("This week is outside the placement."))
    existing = weekly_log_for(placement, week_start)
    if existing is not None and existing.id != entry_id:
        raise DomainError("week", _l("There is already a log for this week. Open it to change it."))


def _check_written(sections: dict[str, str], submit: bool) -> None:
    """A weekly log, draft or not, answers at least one prompt."""
    if not any(sections.values()):
        if submit:
            raise DomainError("did", _l("Write at least one answer before you submit the week."))
        raise DomainError("did", _l("Write at least one answer to save the week."))


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
    """Write an entry as `author`, in the part they play in the placement.

    A student's concern is for the school: it may be about the workplace, so it is
    coach only from the start (the student who wrote it reads it, the mentor does not).
    """
    actor = policy.actor_in(author, placement)
    if actor is None or kind not in KINDS_BY_ACTOR[actor]:
        raise DomainError("kind", _l("You cannot write this kind of entry here."))
    cleaned = clean_sections(kind, sections)
    entry = LogEntry(
        placement_id=placement.id,
        author_id=author.id,
        author_role=actor,
        kind=kind,
        sections=cleaned,
        coach_only=(coach_only and kind == EntryKind.VISIT_NOTE)
        or (kind == EntryKind.CONCERN and actor == Actor.STUDENT),
    )
    if kind == EntryKind.WEEKLY_LOG:
        today = today or dates.today(placement.school)
        week_start = monday_of(week or today)
        _check_week(placement, week_start, today, None)
        _check_written(cleaned, submit)
        entry.week_start = week_start
        entry.wellbeing = wellbeing
        entry.review_status = ReviewStatus.SUBMITTED if submit else ReviewStatus.DRAFT
        if submit:
            entry.submitted_at = utcnow()
    db.session.add(entry)
    db.session.flush()  # its id, for the audit trail
    audit.record(author, "entry_created", entry, kind=kind)
    commit_versioned()
    signals.entry_shared.send(entry)
    _announce_written(entry)
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
    """Change an entry, keeping what others could already read as a revision.

    A week that left draft never goes back to it: changing a submitted or approved week
    hands it to the mentor again (an approval is withdrawn), a returned week stays
    returned until it is submitted. Returns True when an approval was withdrawn.
    Raises `StaleEdit` when the entry changed since the editor opened it, unless what
    was sent is what is saved now (a double tap): that changes and records nothing.
    """
    cleaned = clean_sections(entry.kind, sections)
    weekly = entry.kind == EntryKind.WEEKLY_LOG
    week_start = monday_of(week or entry.week_start) if weekly else None
    if weekly:
        today = today or dates.today(entry.placement.school)
        _check_week(entry.placement, week_start, today, entry.id)
        _check_written(cleaned, submit)
    if entry.kind != EntryKind.VISIT_NOTE:
        coach_only = entry.coach_only
    unchanged = cleaned == entry.sections and coach_only == entry.coach_only
    if weekly:
        unchanged = unchanged and (week_start, wellbeing) == (entry.week_start, entry.wellbeing)
    status = _status_after_edit(entry.review_status, submit) if weekly else None
    newly_submitted = submit and entry.review_status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED)
    if unchanged and not newly_submitted:
        return False
    if entry.version != expected_version:
        raise StaleEdit
    withdrawn = entry.review_status == ReviewStatus.APPROVED and not unchanged
    if entry.review_status != ReviewStatus.DRAFT:  # a draft was never read by anyone else
        db.session.add(
            EntryRevision(
                entry_id=entry.id,
                editor_id=editor.id,
                sections=dict(entry.sections),
                wellbeing=entry.wellbeing,
                review_status=entry.review_status,
                coach_only=entry.coach_only,
            )
        )
    entry.sections = cleaned
    if coach_only != entry.coach_only:  # who may read it changes: worth a trace
        audit.record(editor, "coach_only_changed", entry, coach_only=coach_only)
    entry.coach_only = coach_only
    if weekly:
        entry.week_start = week_start
        entry.wellbeing = wellbeing
        if status != entry.review_status:
            _set_review(entry, status)
        if status == ReviewStatus.SUBMITTED:  # the student hands the week in (again)
            entry.submitted_at = utcnow()
    audit.record(editor, "entry_updated", entry)
    commit_versioned()
    if newly_submitted:
        signals.entry_shared.send(entry)
    if newly_submitted or withdrawn:  # the week waits for the mentor (again)
        signals.week_submitted.send(entry)
    return withdrawn


def _announce_written(entry: LogEntry) -> None:
    """A week handed in, or the mentor's feedback, is work others were waiting for."""
    if entry.kind == EntryKind.WEEKLY_LOG and entry.review_status != ReviewStatus.DRAFT:
        signals.week_submitted.send(entry)
    elif entry.kind == EntryKind.FEEDBACK and entry.author_role == Actor.MENTOR:
        signals.feedback_given.send(entry)


def evidence_changed(entry: LogEntry) -> bool:
    """Evidence was added to or removed from `entry` (the caller commits).

    That changes the entry as much as its text: its version moves on (a mentor's open
    review of it becomes stale) and an approved week goes back to the mentor. Returns
    True when an approval was withdrawn.
    """
    entry.updated_at = utcnow()  # an UPDATE of the row, so its version moves on
    if entry.review_status in (ReviewStatus.SUBMITTED, ReviewStatus.APPROVED):  # handed in again
        entry.submitted_at = entry.updated_at
    if entry.review_status != ReviewStatus.APPROVED:
        return False
    _set_review(entry, ReviewStatus.SUBMITTED)
    return True


def _status_after_edit(current: ReviewStatus, submit: bool) -> ReviewStatus:
    if current == ReviewStatus.DRAFT:
        return ReviewStatus.SUBMITTED if submit else ReviewStatus.DRAFT
    if current == ReviewStatus.RETURNED and not submit:
        return ReviewStatus.RETURNED
    return ReviewStatus.SUBMITTED


def submit_entry(entry: LogEntry, *, expected_version: int) -> None:
    """Hand a weekly log to the mentor for approval."""
    if entry.version != expected_version:
        raise StaleEdit
    if entry.review_status not in (ReviewStatus.DRAFT, ReviewStatus.RETURNED):
        raise DomainError("review", _l("This week is already with your mentor."))
    _check_written(entry.sections, submit=True)
    _set_review(entry, ReviewStatus.SUBMITTED)
    entry.submitted_at = utcnow()
    commit_versioned()
    signals.entry_shared.send(entry)
    signals.week_submitted.send(entry)


def review_entry(
    entry: LogEntry, mentor: User, *, approve: bool, comment: str, expected_version: int
) -> None:
    """The mentor approves a submitted week (a comment is optional) or returns it with one."""
    if entry.version != expected_version:
        raise StaleEdit
    if entry.review_status != ReviewStatus.SUBMITTED:
        raise DomainError("review", _l("This week is not waiting for approval."))
    comment = comment.strip()
    if not approve and not comment:
        raise DomainError("comment", _l("Say what the student should change."))
    status = ReviewStatus.APPROVED if approve else ReviewStatus.RETURNED
    _set_review(entry, status, mentor, comment)
    audit.record(mentor, f"week_{status.value}", entry, placement=entry.placement_id)
    commit_versioned()
    signals.week_reviewed.send(entry, by=mentor)


def weeks_to_approve(placement: Placement) -> list[LogEntry]:
    """The submitted weeks of a placement, oldest week first."""
    return _weeks_in(placement, ReviewStatus.SUBMITTED)


def approve_weeks(placement: Placement, mentor: User, shown: dict[int, int]) -> int:
    """Approve the submitted weeks the mentor was shown (id → version); returns how many.

    If a week was submitted or changed after the page was shown, nothing is approved:
    a mentor approves what they saw, never what arrived since. Entries change one by one
    through the ORM, so each version check runs (a bulk UPDATE would bypass it).
    """
    waiting = weeks_to_approve(placement)
    if {entry.id: entry.version for entry in waiting} != shown:
        raise StaleEdit
    for entry in waiting:
        _set_review(entry, ReviewStatus.APPROVED, mentor)
    audit.record(mentor, "weeks_approved", placement, weeks=sorted(shown))
    commit_versioned()
    for entry in waiting:
        signals.week_reviewed.send(entry, by=mentor)
    return len(waiting)


def _set_review(
    entry: LogEntry, status: ReviewStatus, mentor: User | None = None, comment: str = ""
) -> None:
    """Move a week to `status`; a review's comment belongs to the status it set.

    Who reviewed the week last, and when, stays when the student hands it in again: the
    mentor's feedback happened, and the caseload counts the mentor's silence from it.
    """
    entry.review_status = status
    entry.review_comment = comment
    if mentor is not None:
        entry.reviewed_by_id = mentor.id
        entry.reviewed_at = utcnow()


def add_comment(entry: LogEntry, author: User, body: str) -> Comment:
    body = body.strip()
    if not body:
        raise DomainError("body", _l("Please write something here."))
    comment = Comment(entry_id=entry.id, author_id=author.id, body=body)
    db.session.add(comment)
    audit.record(author, "comment_added", entry)
    db.session.commit()
    signals.comment_added.send(comment)
    return comment


def resolve_concern(entry: LogEntry, coach: User) -> None:
    """The coach marks a concern as dealt with; it leaves the open concerns of the caseload
    and the visit agenda. Marking it twice keeps the first date.
    """
    if entry.kind != EntryKind.CONCERN:
        raise DomainError("entry", _l("Only a concern is marked as dealt with."))
    if entry.resolved_at is not None:
        return
    entry.resolved_at = utcnow()
    entry.resolved_by_id = coach.id
    audit.record(coach, "concern.resolve", entry, placement_id=entry.placement_id)
    commit_versioned()
