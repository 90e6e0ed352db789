"""What a notification says, written when it is shown or e-mailed, in the language of
whoever reads it (the request's language on a page; `force_locale` around an e-mail).

A notification holds ids; the names it mentions (people, the week of an entry, a goal's
title) are loaded here for a whole list at once (at most four queries, whatever the
number of notifications). Each names what it is about: the week, the visit's day, the
goal. An e-mail carries no text anyone wrote, so there a goal is named without its title.
Dates are written as everywhere in the app: a week by its Monday ("5 October 2026"), a
day with its weekday ("Monday 5 October 2026"), in the app's named formats (`app.dates`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.routing import BuildError

from app.caseload.services import Reason, ReasonKind
from app.content.services import training_library
from app.dates import LONG_DATE, WEEKDAY_DATE, format_day
from app.extensions import db
from app.mailer import external_url
from app.models import (
    EntryKind,
    Goal,
    ItemKind,
    LogEntry,
    Notification,
    NotificationKind,
    Placement,
    User,
)


@dataclass
class Described:
    """A notification as its reader sees it: a title line and where it happened."""

    notification: Notification
    title: str
    context: str


@dataclass
class _Names:
    people: dict[int, str]
    students: dict[int, tuple[int, str]]  # placement id → (student id, student name)
    weeks: dict[int, date]  # entry id → the week of a weekly log
    goals: dict[int, str]  # goal id → its title (none in e-mails)


def _names(notifications: list[Notification], *, titles: bool = True) -> _Names:
    actor_ids = {n.payload.get("actor_id") for n in notifications} - {None}
    placement_ids = {n.placement_id for n in notifications} - {None}
    people = (
        dict(db.session.execute(select(User.id, User.name).where(User.id.in_(actor_ids))).all())
        if actor_ids
        else {}
    )
    students = (
        {
            placement_id: (student_id, name)
            for placement_id, student_id, name in db.session.execute(
                select(Placement.id, User.id, User.name)
                .join(User, User.id == Placement.student_id)
                .where(Placement.id.in_(placement_ids))
            )
        }
        if placement_ids
        else {}
    )
    entry_ids = {n.payload.get("entry_id") for n in notifications} - {None}
    weeks = (
        dict(
            db.session.execute(
                select(LogEntry.id, LogEntry.week_start).where(
                    LogEntry.id.in_(entry_ids), LogEntry.week_start.is_not(None)
                )
            ).all()
        )
        if entry_ids
        else {}
    )
    goal_ids = {n.payload.get("goal_id") for n in notifications} - {None}
    goals = (
        dict(db.session.execute(select(Goal.id, Goal.title).where(Goal.id.in_(goal_ids))).all())
        if goal_ids and titles
        else {}
    )
    return _Names(people, students, weeks, goals)


def _day(value: str | None) -> str:
    """A day with its weekday, in the reader's language."""
    return format_day(date.fromisoformat(value), WEEKDAY_DATE) if value else ""


def _week(value: date | str | None) -> str:
    """A week, by its Monday, in the reader's language."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_day(value, LONG_DATE) if value else ""


def _mobility_item(value: str | None) -> str:
    try:
        return str(ItemKind(value).label)
    except ValueError:
        return ""


def _entry_kind(value: str | None) -> str:
    try:
        return str(EntryKind(value).label)
    except ValueError:
        return ""


def _title(n: Notification, actor: str, names: _Names) -> str:
    facts = n.payload
    week = names.weeks.get(facts.get("entry_id"))
    goal = names.goals.get(facts.get("goal_id"))
    match n.kind:
        case NotificationKind.ENTRY_ADDED if week:
            return _(
                "%(actor)s handed in the weekly log of the week of %(week)s",
                actor=actor,
                week=_week(week),
            )
        case NotificationKind.COMMENT_ADDED if week:
            return _(
                "%(actor)s commented on the weekly log of the week of %(week)s",
                actor=actor,
                week=_week(week),
            )
        case NotificationKind.GOAL_SUGGESTED if goal:
            return _(
                "%(actor)s suggests a goal for your development plan: %(goal)s",
                actor=actor,
                goal=goal,
            )
        case NotificationKind.ACTION_SUGGESTED if goal:
            return _("%(actor)s suggests an action for your goal: %(goal)s", actor=actor, goal=goal)
        case NotificationKind.ENTRY_ADDED:
            return _(
                "%(actor)s wrote a new entry: %(kind)s",
                actor=actor,
                kind=_entry_kind(facts.get("entry_kind")),
            )
        case NotificationKind.COMMENT_ADDED:
            return _(
                "%(actor)s commented on an entry: %(kind)s",
                actor=actor,
                kind=_entry_kind(facts.get("entry_kind")),
            )
        case NotificationKind.GOAL_SUGGESTED:
            return _("%(actor)s suggests a goal for your development plan", actor=actor)
        case NotificationKind.ACTION_SUGGESTED:
            return _("%(actor)s suggests an action for your development plan", actor=actor)
        case NotificationKind.VISIT_PLANNED:
            return _(
                "%(actor)s planned a visit on %(day)s", actor=actor, day=_day(facts.get("day"))
            )
        case NotificationKind.VISIT_MOVED:
            return _(
                "%(actor)s moved the visit to %(day)s", actor=actor, day=_day(facts.get("day"))
            )
        case NotificationKind.VISIT_REPORT_TO_CONFIRM:
            return _(
                "The report of the visit of %(day)s is ready: please read and confirm it",
                day=_day(facts.get("day")),
            )
        case NotificationKind.PRACTICE_TO_REVIEW:
            return _("%(actor)s shared a tip that waits for your approval", actor=actor)
        case NotificationKind.STAGE_REPORT_SUBMITTED:
            return _("%(actor)s handed in the stage report: read it", actor=actor)
        case NotificationKind.STAGE_REPORT_RETURNED:
            return _("%(actor)s sent your stage report back with a note", actor=actor)
        case NotificationKind.MOBILITY_CLOSED:
            return _(
                "%(actor)s closed your stay abroad: your Europass record is ready", actor=actor
            )
        case NotificationKind.JOB_FAILED:
            return _(
                "The scheduled job %(job)s failed on %(day)s",
                job=facts.get("job", ""),
                day=_day(facts.get("day")),
            )
    return _reminder_title(n)


def _reminder_title(n: Notification) -> str:
    facts = n.payload
    match n.kind:
        case NotificationKind.LOG_DUE:
            return _(
                "Your weekly log for the week of %(day)s is due: write and hand it in",
                day=_week(facts.get("week")),
            )
        case NotificationKind.LOG_MISSING:
            return _(
                "Your weekly log for the week of %(day)s was not handed in",
                day=_week(facts.get("week")),
            )
        case NotificationKind.FEEDBACK_MISSING:
            return ngettext(
                "You have given no feedback for %(num)d day: a few lines help your student",
                "You have given no feedback for %(num)d days: a few lines help your student",
                facts.get("days", 0),
            )
        case NotificationKind.VISIT_TOMORROW:
            return _("Reminder: visit on %(day)s", day=_day(facts.get("day")))
        case NotificationKind.VISIT_OVERDUE:
            reason = Reason(
                ReasonKind.VISIT,
                facts.get("weeks", 0),
                no_visit_yet=facts.get("no_visit_yet", False),
            )
            return reason.text
        case NotificationKind.ACTION_DUE:
            if facts.get("agreement"):
                return _("An agreement from a visit is due on %(day)s", day=_day(facts.get("day")))
            return _(
                "An action in the development plan is due on %(day)s", day=_day(facts.get("day"))
            )
        case NotificationKind.ACTION_OVERDUE:
            if facts.get("agreement"):
                return _("An agreement from a visit was due on %(day)s", day=_day(facts.get("day")))
            return _(
                "An action in the development plan was due on %(day)s", day=_day(facts.get("day"))
            )
        case NotificationKind.MODULE_NOT_STARTED:
            module = training_library().module(facts.get("module_id", ""), str(get_locale()))
            return _(
                "A module recommended to you is waiting: %(module)s",
                module=module.title if module else facts.get("module_id", ""),
            )
        case NotificationKind.NEEDS_ATTENTION:
            try:
                kind = ReasonKind(facts.get("reason"))
            except ValueError:
                return _("A placement needs attention")
            reason = Reason(kind, facts.get("number", 0), levels=facts.get("levels", 0))
            return _("Needs attention: %(reason)s", reason=reason.text)
        case NotificationKind.MOBILITY_ITEM_DUE:
            return _(
                "Mobility file: %(item)s is due on %(day)s",
                item=_mobility_item(facts.get("item")),
                day=_day(facts.get("day")),
            )
        case NotificationKind.MOBILITY_ITEM_OVERDUE:
            return _(
                "Mobility file: %(item)s was due on %(day)s",
                item=_mobility_item(facts.get("item")),
                day=_day(facts.get("day")),
            )
    return _("Something new in Leerspoor")


def _context(n: Notification, reader: User, names: _Names) -> str:
    if n.kind == NotificationKind.PRACTICE_TO_REVIEW:
        module = training_library().module(n.payload.get("module_id", ""), str(get_locale()))
        return _("Mentor training: %(module)s", module=module.title) if module else ""
    if n.kind == NotificationKind.JOB_FAILED:
        return _("Scheduled jobs")
    if n.placement_id not in names.students:
        return ""
    student_id, student = names.students[n.placement_id]
    if student_id == reader.id:
        return _("Your placement")
    return _("Placement of %(student)s", student=student)


def describe(
    notifications: list[Notification], reader: User, *, email: bool = False
) -> list[Described]:
    """Title and context of each notification, in the current language (for an e-mail:
    without what anyone wrote).
    """
    names = _names(notifications, titles=not email)
    described = []
    for n in notifications:
        actor = names.people.get(n.payload.get("actor_id"), _("Someone"))
        described.append(Described(n, _title(n, actor, names), _context(n, reader, names)))
    return described


def target_url(notification: Notification) -> str | None:
    """The page a notification leads to, or None when it no longer exists as a route."""
    try:
        return url_for(notification.target_endpoint, **notification.target_values)
    except BuildError:
        return None


def open_link(notification: Notification) -> str:
    """The absolute link an e-mail gives: through the notification, which marks it read
    (after logging in, when needed) and goes on to its page.
    """
    return external_url("notifications.open_notification", notification_id=notification.id)
