"""Doing the work a notification asks for resolves it.

The features announce work done (`app.signals`); this module listens (`subscribe`, when
the app is created) and marks the
notifications that asked for it resolved: no longer new, out of the bell's count, and
their e-mail not sent if it still waited (a daily summary leaves them out). Whoever did
the work (the reader, or anyone else who may) resolves it for everyone it asked.
Notifications that only inform are not touched here: they stay until read.

Each rule is one UPDATE of the notifications of one placement, kind and subject, the
columns of `ix_notification_subject` (a module's reminders, the person's own in whichever
placement, are found through the index on the person's rows): resolving never looks
beyond the thing done.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import EllipsisType

from blinker import NamedSignal
from sqlalchemy import case, func, update

from app import policy, signals
from app.extensions import db
from app.models import Actor, EmailStatus, Notification, NotificationKind
from app.models.columns import utcnow

K = NotificationKind


def resolve(
    kinds: tuple[NotificationKind, ...],
    subject: str,
    *,
    placement_id: int | None | EllipsisType,
    user_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Resolve the open notifications of `kinds` about `subject` in the placement (only
    `user_id`'s when given; `placement_id=...` for a person's own in any placement);
    returns how many. The rule that calls it commits (`_rule`).
    """
    now = now or utcnow()
    where = [
        Notification.kind.in_(kinds),
        Notification.subject == subject,
        Notification.resolved_at.is_(None),
    ]
    if placement_id is None:
        where.append(Notification.placement_id.is_(None))
    elif placement_id is not Ellipsis:
        where.append(Notification.placement_id == placement_id)
    if user_id is not None:
        where.append(Notification.user_id == user_id)
    waiting = Notification.email_status == EmailStatus.PENDING
    result = db.session.execute(
        update(Notification)
        .where(*where)
        .values(
            resolved_at=now,
            read_at=func.coalesce(Notification.read_at, now),
            email_status=case(
                (waiting, EmailStatus.RESOLVED.value), else_=Notification.email_status
            ),
            next_attempt_at=case((waiting, None), else_=Notification.next_attempt_at),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def reopen(kind: NotificationKind, subject: str, *, placement_id: int) -> int:
    """Work that was done waits again (a returned week handed in anew): its resolved
    notifications are new again in the app (their e-mail is not sent a second time).
    """
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.placement_id == placement_id,
            Notification.kind == kind,
            Notification.subject == subject,
            Notification.resolved_at.is_not(None),
        )
        .values(resolved_at=None, read_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


# (signal, receiver) of every rule, connected by `subscribe`.
_RULES: list[tuple[NamedSignal, Callable[..., None]]] = []


def subscribe() -> None:
    """Listen to the features' domain events with the rules below. Signals are the
    process's: subscribing again (another app in the same process) changes nothing.
    """
    for signal, receiver in _RULES:
        signal.connect(receiver, weak=False)


def _rule(signal: NamedSignal):
    """A rule for `signal`; the rule's updates are committed together, once."""

    def register(rule):
        def receiver(sender, **kwargs) -> None:
            rule(sender, **kwargs)
            db.session.commit()

        receiver.__doc__ = rule.__doc__
        _RULES.append((signal, receiver))
        return rule

    return register


# -- the rules --------------------------------------------------------------------------


@_rule(signals.week_submitted)
def _week_submitted(entry, **_) -> None:
    """The student's log of that week is in: its reminders are done, and so is the
    coach's "no reflection"; a returned week handed in again waits for the mentor anew.
    """
    week = f"week:{entry.week_start.isoformat()}"
    resolve((K.LOG_DUE, K.LOG_MISSING), week, placement_id=entry.placement_id)
    resolve((K.NEEDS_ATTENTION,), "attention:reflection", placement_id=entry.placement_id)
    reopen(K.ENTRY_ADDED, f"entry:{entry.id}", placement_id=entry.placement_id)


@_rule(signals.week_reviewed)
def _week_reviewed(entry, *, by, **_) -> None:
    """The mentor approved or returned the week: their "new weekly log" is done (the
    coach's copy only informs). A review is feedback too, as the reminder counts it.
    """
    resolve((K.ENTRY_ADDED,), f"entry:{entry.id}", placement_id=entry.placement_id, user_id=by.id)
    _feedback(entry.placement_id)


@_rule(signals.feedback_given)
def _feedback_given(entry, **_) -> None:
    _feedback(entry.placement_id)


def _feedback(placement_id: int) -> None:
    resolve((K.FEEDBACK_MISSING,), "feedback", placement_id=placement_id)
    resolve((K.NEEDS_ATTENTION,), "attention:feedback", placement_id=placement_id)


@_rule(signals.report_confirmed)
def _report_confirmed(visit, *, by, **_) -> None:
    """Each reader confirms for themselves: the mentor's confirmation leaves the
    student's request open. The host's side confirms once: the mentor's confirmation
    or the monitor's answers the request of both.
    """
    placement = visit.placement
    host_side = policy.confirming_actor(by, placement) == Actor.MENTOR
    for user_id in {by.id, placement.mentor_id, placement.monitor_id} if host_side else {by.id}:
        if user_id is not None:
            resolve(
                (K.VISIT_REPORT_TO_CONFIRM,),
                f"visit:{visit.id}",
                placement_id=visit.placement_id,
                user_id=user_id,
            )


@_rule(signals.visit_planned)
def _visit_planned(visit, **_) -> None:
    resolve((K.VISIT_OVERDUE,), "visits", placement_id=visit.placement_id)


@_rule(signals.goal_answered)
def _goal_answered(goal, **_) -> None:
    resolve((K.GOAL_SUGGESTED,), f"goal:{goal.id}", placement_id=goal.placement_id)


@_rule(signals.action_answered)
def _action_answered(action, **_) -> None:
    resolve((K.ACTION_SUGGESTED,), f"action:{action.id}", placement_id=action.placement_id)


@_rule(signals.action_done)
def _action_done(action, **_) -> None:
    resolve(
        (K.ACTION_DUE, K.ACTION_OVERDUE), f"action:{action.id}", placement_id=action.placement_id
    )


@_rule(signals.module_started)
def _module_started(module_id, *, by, **_) -> None:
    """A recommended module opened: its reminders are done, in whichever placement
    (the person's own rows: the bell's index finds them).
    """
    resolve((K.MODULE_NOT_STARTED,), f"module:{module_id}", placement_id=..., user_id=by.id)


@_rule(signals.practice_reviewed)
def _practice_reviewed(post, **_) -> None:
    resolve((K.PRACTICE_TO_REVIEW,), f"practice:{post.id}", placement_id=None)


@_rule(signals.mobility_item_done)
def _mobility_item_done(placement, *, kind, **_) -> None:
    """An item of a mobility file delivered or approved: its reminders are done."""
    resolve(
        (K.MOBILITY_ITEM_DUE, K.MOBILITY_ITEM_OVERDUE),
        f"mobility:{kind}",
        placement_id=placement.id,
    )
