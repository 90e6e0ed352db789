"""Quick links for mentors: which e-mail carries one, whether a link may still be used,
and its one action, done with the same services as the logged-in pages.

A link works while all of this holds, checked at every use (and before an e-mail offers
one):
- quick links are on: on the platform (`MENTOR_LINK_DAYS` above 0) and at the school;
- nobody else is logged in in the browser (the mentor themselves may be);
- it is at most `MENTOR_LINK_DAYS` days old;
- its mentor's account is active and still the placement's mentor, and the placement
  runs (its log is open);
- its thing is not done: the week still waits for approval (and no quick link was used
  on it: a week returned and submitted again is not reopened to the old link), no
  mentor feedback came since the week began, the mentor has not confirmed the report.

Every opening, use and refusal is an audit event, with ids only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from app import audit, policy
from app.domain import DomainError, StaleEdit
from app.extensions import db
from app.followup import entries
from app.i18n import DEFAULT_TIMEZONE
from app.mentorlinks.tokens import Link, QuickAction
from app.models import (
    Actor,
    AuditEvent,
    EntryKind,
    LogEntry,
    Notification,
    NotificationKind,
    Placement,
    ReviewStatus,
    SchoolSettings,
    User,
    Visit,
)
from app.visits import services as visits

LOCAL = ZoneInfo(DEFAULT_TIMEZONE)
USED = "mentor_link_used"


class Refusal(enum.StrEnum):
    """Why a link does not do its action (recorded as the reason of a refusal)."""

    SWITCHED_OFF = "switched_off"  # off on the platform or at the school
    WRONG_USER = "wrong_user"  # someone else is logged in in this browser
    EXPIRED = "expired"
    NO_LONGER_MENTOR = "no_longer_mentor"  # another mentor now, or the account is off
    CLOSED = "closed"  # the placement no longer runs: its log is closed
    DONE = "done"  # approved, returned, given, confirmed, or the link was used


class Refused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass
class Opened:
    """A link with what it is about, loaded: its mentor, placement and object."""

    link: Link
    mentor: User
    placement: Placement
    entry: LogEntry | None = None
    visit: Visit | None = None

    @property
    def subject(self) -> Any:
        """What the action is done to, as the audit log names it."""
        return self.entry or self.visit or self.placement


def link_days() -> int:
    """How many days a link works; 0 (or less) means quick links are off."""
    return current_app.config["MENTOR_LINK_DAYS"]


def week_of(moment: datetime) -> date:
    """The Monday of the week `moment` falls in, in the school's time zone."""
    return entries.monday_of(moment.astimezone(LOCAL).date())


# -- which e-mail carries a link --------------------------------------------------------


def link_for(notification: Notification, user: User, now: datetime) -> Link | None:
    """The quick link an e-mail of `notification` to `user` carries at `now`, or None.

    Only a mentor's week to approve, feedback reminder and report to confirm carry one,
    and only when the link would work at once: the same checks as its use.
    """
    if link_days() <= 0 or notification.placement_id is None:
        return None
    facts = notification.payload
    match notification.kind:
        case NotificationKind.ENTRY_ADDED if facts.get("entry_kind") == EntryKind.WEEKLY_LOG:
            link = Link(QuickAction.APPROVE_WEEK, user.id, facts.get("entry_id", 0), now)
        case NotificationKind.FEEDBACK_MISSING:
            link = Link(
                QuickAction.GIVE_FEEDBACK,
                user.id,
                notification.placement_id,
                now,
                week_of(notification.created_at),
            )
        case NotificationKind.VISIT_REPORT_TO_CONFIRM:
            link = Link(QuickAction.CONFIRM_REPORT, user.id, facts.get("visit_id", 0), now)
        case _:
            return None
    opened = load(link)
    if opened is None:
        return None
    try:
        check(opened, None, now)
    except Refused:
        return None
    return link


# -- opening a link ---------------------------------------------------------------------


def load(link: Link) -> Opened | None:
    """The mentor, placement and object a link names, or None when one does not exist."""
    mentor = db.session.get(User, link.mentor_id)
    if mentor is None:
        return None
    match link.action:
        case QuickAction.APPROVE_WEEK:
            entry = db.session.get(LogEntry, link.object_id)
            if entry is None or entry.kind != EntryKind.WEEKLY_LOG:
                return None
            return Opened(link, mentor, entry.placement, entry=entry)
        case QuickAction.GIVE_FEEDBACK:
            placement = db.session.get(Placement, link.object_id)
            return Opened(link, mentor, placement) if placement is not None else None
        case QuickAction.CONFIRM_REPORT:
            visit = db.session.get(Visit, link.object_id)
            return Opened(link, mentor, visit.placement, visit=visit) if visit else None
    return None


def check(opened: Opened, visitor: User | None, now: datetime) -> None:
    """Raise `Refused` when the link may not do its action now for this `visitor` (the
    person logged in in the browser, or None).
    """
    link, mentor, placement = opened.link, opened.mentor, opened.placement
    if not links_on(placement):
        raise Refused(Refusal.SWITCHED_OFF)
    if visitor is not None and visitor.id != mentor.id:
        raise Refused(Refusal.WRONG_USER)
    if now > link.issued_at + timedelta(days=link_days()):
        raise Refused(Refusal.EXPIRED)
    if not mentor.active or policy.actor_in(mentor, placement) != Actor.MENTOR:
        raise Refused(Refusal.NO_LONGER_MENTOR)
    if link.action == QuickAction.APPROVE_WEEK and mentor.id != placement.mentor_id:
        # A host monitor writes on the mentor's side but approves no weeks.
        raise Refused(Refusal.NO_LONGER_MENTOR)
    if not policy.can_write_log(mentor, placement):
        raise Refused(Refusal.CLOSED)
    if _done(opened):
        raise Refused(Refusal.DONE)


def links_on(placement: Placement) -> bool:
    """Quick links are on for the platform and for the placement's school."""
    if link_days() <= 0:
        return False
    settings = db.session.get(SchoolSettings, placement.school_id)
    return settings is None or settings.mentor_links


def expires_at(link: Link) -> datetime:
    return link.issued_at + timedelta(days=link_days())


def _done(opened: Opened) -> bool:
    match opened.link.action:
        case QuickAction.APPROVE_WEEK:
            return opened.entry.review_status != ReviewStatus.SUBMITTED or _used(opened)
        case QuickAction.GIVE_FEEDBACK:
            return feedback_since(opened.placement, opened.link.week)
        case QuickAction.CONFIRM_REPORT:
            return opened.visit.confirmed_by(Actor.MENTOR) is not None
    return True


def feedback_since(placement: Placement, week: date) -> bool:
    """The mentor gave feedback in the log since the start of `week`."""
    start = datetime.combine(week, time(), LOCAL).astimezone(UTC)
    return (
        db.session.scalar(
            select(LogEntry.id)
            .where(
                LogEntry.placement_id == placement.id,
                LogEntry.kind == EntryKind.FEEDBACK,
                LogEntry.author_role == Actor.MENTOR,
                LogEntry.created_at >= start,
            )
            .limit(1)
        )
        is not None
    )


def _used(opened: Opened) -> bool:
    """A quick link to this week was used: a week returned by quick link and submitted
    again waits for its mentor in Leerspoor, not behind the old link.
    """
    return (
        db.session.scalar(
            select(AuditEvent.id)
            .where(
                AuditEvent.actor_id == opened.mentor.id,
                AuditEvent.action == USED,
                AuditEvent.object_type == "logentry",
                AuditEvent.object_id == opened.entry.id,
            )
            .limit(1)
        )
        is not None
    )


# -- the audit trail --------------------------------------------------------------------


def _record(opened: Opened, action: str, now: datetime, **details: Any) -> None:
    """Add an audit event in the mentor's name, at `now` (not committed here)."""
    event = audit.record(
        opened.mentor,
        action,
        opened.subject,
        link=opened.link.action,
        placement=opened.placement.id,
        **details,
    )
    event.at = now


def record_opened(opened: Opened, now: datetime) -> None:
    _record(opened, "mentor_link_opened", now)
    db.session.commit()


def record_refusal(opened: Opened, reason: Refusal, visitor: User | None, now: datetime) -> None:
    """A refused use, with its reason (and who else was logged in, by id)."""
    details = {"reason": reason}
    if visitor is not None and visitor.id != opened.mentor.id:
        details["visitor"] = visitor.id
    _record(opened, "mentor_link_refused", now, **details)
    db.session.commit()


# -- the actions ------------------------------------------------------------------------
# Each calls the service the logged-in page calls, and the use is recorded in that
# service's commit: an action the service refuses (a domain error, a stale version)
# leaves no use behind, and its error reaches the caller as it reaches the logged-in page.


def review_week(
    opened: Opened, *, approve: bool, comment: str, expected_version: int, now: datetime
) -> None:
    """Approve the week, or return it with a comment."""
    _record(opened, USED, now)
    try:
        entries.review_entry(
            opened.entry,
            opened.mentor,
            approve=approve,
            comment=comment,
            expected_version=expected_version,
        )
    except (DomainError, StaleEdit):
        db.session.rollback()
        raise


def give_feedback(opened: Opened, sections: dict[str, str], now: datetime) -> LogEntry:
    """Write the mentor's feedback in the log."""
    _record(opened, USED, now)
    try:
        return entries.create_entry(opened.placement, opened.mentor, EntryKind.FEEDBACK, sections)
    except (DomainError, StaleEdit):
        db.session.rollback()
        raise


def confirm_report(opened: Opened, comment: str, now: datetime) -> None:
    """Confirm having read the visit report (a comment is optional)."""
    _record(opened, USED, now)
    try:
        visits.confirm(opened.visit, opened.mentor, comment)
    except (DomainError, StaleEdit):
        db.session.rollback()
        raise
