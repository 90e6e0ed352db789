"""E-mailing notifications, apart from deciding them: one pass at a given moment.

- People who chose no e-mail (or whose account is off) get nothing: their waiting rows
  become `skipped`, in one statement.
- People who want each notification get one e-mail per row. A row is claimed with
  `FOR UPDATE SKIP LOCKED` on PostgreSQL, sent, marked and committed on its own, so two
  dispatchers at once, a rerun or a crash after a commit never send it twice.
- People who want a daily summary get one e-mail per day, at the first pass after the
  digest hour, listing what arrived before that hour; its rows are marked together.
- A failed send leaves the row waiting with one more attempt and a later
  `next_attempt_at` (5 minutes, 30 minutes, 2 hours, 12 hours); after the last retry it
  is `failed`. It stays in the person's list in the app either way.

SQLite has no row locks; it has a single writer, and one dispatcher is all it runs.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select, update
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.i18n import DEFAULT_TIMEZONE
from app.mailer import external_url, mail_locale, send_mail
from app.mentorlinks.services import link_days, link_for
from app.mentorlinks.tokens import QuickAction, make_token
from app.models import EmailPreference, EmailStatus, Notification, User
from app.notifications.texts import describe, open_link

# How long a notification waits after its 1st, 2nd, 3rd and 4th failed attempt; the 5th
# failure is the last.
BACKOFF = (
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
ERROR_LENGTH = 200


@dataclass
class DeliveryReport:
    """What one pass did, for the command's output and for tests."""

    sent: int = 0  # notifications e-mailed one by one
    digests: int = 0  # daily summaries e-mailed
    in_digests: int = 0  # notifications those summaries listed
    skipped: int = 0  # not wanted by e-mail
    retrying: int = 0  # failed this time, tried again later
    failed: int = 0  # failed for the last time

    @property
    def emails(self) -> int:
        return self.sent + self.digests


def digest_moment(now: datetime, hour: int) -> datetime:
    """The latest moment at or before `now` when daily summaries go out (`hour` o'clock
    in the school's time zone), in UTC.
    """
    local = now.astimezone(ZoneInfo(DEFAULT_TIMEZONE))
    moment = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if moment > local:
        moment -= timedelta(days=1)
    return moment.astimezone(UTC)


def _waiting(now: datetime):
    return and_(
        Notification.email_status == EmailStatus.PENDING,
        Notification.next_attempt_at <= now,
    )


def _due_each(now: datetime):
    return and_(_waiting(now), User.notify_by_email == EmailPreference.EACH, User.active.is_(True))


def _due_daily(now: datetime, digest_at: datetime):
    return and_(
        _waiting(now),
        User.notify_by_email == EmailPreference.DAILY,
        User.active.is_(True),
        Notification.created_at < digest_at,
    )


def deliver(now: datetime, *, limit: int = 10_000) -> DeliveryReport:
    """E-mail what is due at `now` (at most `limit` e-mails); returns what was done."""
    report = DeliveryReport()
    report.skipped = _skip_unwanted(now)
    while report.sent + report.retrying + report.failed < limit:
        if not _deliver_next(now, report):
            break
    digest_at = digest_moment(now, current_app.config["DIGEST_HOUR"])
    after = 0
    while report.emails < limit:
        user_id = db.session.scalar(
            select(Notification.user_id)
            .join(User, User.id == Notification.user_id)
            .where(_due_daily(now, digest_at), Notification.user_id > after)
            .order_by(Notification.user_id)
            .limit(1)
        )
        if user_id is None:
            break
        _deliver_digest(user_id, now, digest_at, report)
        after = user_id
    return report


def _skip_unwanted(now: datetime) -> int:
    unwanted = select(User.id).where(
        (User.notify_by_email == EmailPreference.NONE) | User.active.is_(False)
    )
    result = db.session.execute(
        update(Notification)
        .where(_waiting(now), Notification.user_id.in_(unwanted))
        .values(email_status=EmailStatus.SKIPPED, next_attempt_at=None)
    )
    db.session.commit()
    return result.rowcount


def _deliver_next(now: datetime, report: DeliveryReport) -> bool:
    """Claim, send and mark the next notification due for one-by-one e-mail; False when
    none is left (or every one left is being sent by another dispatcher).
    """
    notification = db.session.scalar(
        select(Notification)
        .join(Notification.user)
        .options(contains_eager(Notification.user))
        .where(_due_each(now))
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=Notification)
    )
    if notification is None:
        db.session.rollback()
        return False
    user = notification.user
    try:
        with force_locale(mail_locale(user)):
            subject, body = _single_email(notification, user, now)
            send_mail(user.email, subject, body)
    except (smtplib.SMTPException, OSError) as error:
        _mark_failed([notification], now, error, report)
    else:
        _mark_sent([notification], now)
        report.sent += 1
    db.session.commit()
    return True


def _deliver_digest(user_id: int, now: datetime, digest_at: datetime, report) -> None:
    """One summary of everything due for a daily reader.

    The reader's oldest due row serves as a lock on the whole summary: a second
    dispatcher that cannot take it leaves this reader alone, so a summary is never split
    over two e-mails.
    """
    oldest = db.session.scalar(
        select(Notification.id)
        .join(User, User.id == Notification.user_id)
        .where(_due_daily(now, digest_at), Notification.user_id == user_id)
        .order_by(Notification.id)
        .limit(1)
    )
    locked = (
        db.session.scalar(
            select(Notification.id)
            .where(Notification.id == oldest, Notification.email_status == EmailStatus.PENDING)
            .with_for_update(skip_locked=True)
        )
        if oldest is not None
        else None
    )
    if locked is None:
        db.session.rollback()
        return
    notifications = db.session.scalars(
        select(Notification)
        .join(Notification.user)
        .options(contains_eager(Notification.user))
        .where(_due_daily(now, digest_at), Notification.user_id == user_id)
        .order_by(Notification.created_at, Notification.id)
        .with_for_update(skip_locked=True, of=Notification)
    ).all()
    user = notifications[0].user
    try:
        with force_locale(mail_locale(user)):
            subject, body = _digest_email(notifications, user, now)
            send_mail(user.email, subject, body)
    except (smtplib.SMTPException, OSError) as error:
        _mark_failed(notifications, now, error, report)
    else:
        _mark_sent(notifications, now)
        report.digests += 1
        report.in_digests += len(notifications)
    db.session.commit()


def _mark_sent(notifications: list[Notification], now: datetime) -> None:
    for notification in notifications:
        notification.email_status = EmailStatus.SENT
        notification.sent_at = now
        notification.attempts += 1
        notification.next_attempt_at = None
        notification.last_error = ""


def _mark_failed(notifications, now: datetime, error: Exception, report) -> None:
    """One more attempt; wait longer each time, and give up after the last."""
    message = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    current_app.logger.warning(
        "E-mail of %d notification(s) failed: %s", len(notifications), message
    )
    for notification in notifications:
        notification.attempts += 1
        notification.last_error = message
        if notification.attempts > len(BACKOFF):
            notification.email_status = EmailStatus.FAILED
            notification.next_attempt_at = None
            report.failed += 1
        else:
            notification.next_attempt_at = now + BACKOFF[notification.attempts - 1]
            report.retrying += 1


# -- the e-mails ------------------------------------------------------------------------


def _footer() -> str:
    return _(
        "You get this e-mail because of your notification settings. Choose each "
        "notification, a daily summary or no e-mail under “My account” in Leerspoor."
    )


# What a mentor's quick link does, said above it.
QUICK_LINK_LINES = {
    QuickAction.APPROVE_WEEK: _l("Read this week and approve or return it, without logging in:"),
    QuickAction.GIVE_FEEDBACK: _l("Give this week's feedback, without logging in:"),
    QuickAction.CONFIRM_REPORT: _l("Read the report and confirm it, without logging in:"),
}


def _quick_link(notification: Notification, user: User, now: datetime) -> list[str]:
    """The lines of a mentor's quick link (what it does, the link, how long it works), or
    none when this notification carries no link for this reader.
    """
    link = link_for(notification, user, now)
    if link is None:
        return []
    days = link_days()
    return [
        str(QUICK_LINK_LINES[link.action]),
        external_url("mentorlinks.use_link", token=make_token(link)),
        ngettext(
            "This quick link works for %(num)d day and only for this.",
            "This quick link works for %(num)d days and only for this.",
            days,
        ),
    ]


def _single_email(notification: Notification, user: User, now: datetime) -> tuple[str, str]:
    """Subject and body of one notification: what happened and one link to it; a mentor's
    quick link first, when it carries one.
    """
    (shown,) = describe([notification], user, email=True)
    lines = [_("Hello %(name)s,", name=user.name), "", shown.title]
    if shown.context:
        lines.append(shown.context)
    lines.append("")
    if quick := _quick_link(notification, user, now):
        lines += [*quick, "", _("Or open Leerspoor:")]
    else:
        lines.append(_("Open it in Leerspoor:"))
    lines += [open_link(notification), "", "--", _footer()]
    return shown.title, "\n".join(lines) + "\n"


def _digest_email(notifications: list[Notification], user: User, now: datetime) -> tuple[str, str]:
    """Subject and body of a daily summary: a link to all notifications, then each one
    (with its quick link, when it carries one).
    """
    count = len(notifications)
    subject = ngettext(
        "Leerspoor: %(num)d new notification", "Leerspoor: %(num)d new notifications", count
    )
    lines = [
        _("Hello %(name)s,", name=user.name),
        "",
        ngettext(
            "%(num)d thing happened in Leerspoor since your last summary. See it in your "
            "notifications:",
            "%(num)d things happened in Leerspoor since your last summary. See them in your "
            "notifications:",
            count,
        ),
        external_url("notifications.list_notifications"),
        "",
    ]
    for shown in describe(notifications, user, email=True):
        lines.append(f"- {shown.title}")
        if shown.context:
            lines.append(f"  {shown.context}")
        if quick := _quick_link(shown.notification, user, now):
            lines += [f"  {line}" for line in quick]
            lines.append(f"  {_('Or open Leerspoor:')}")
        lines += [f"  {open_link(shown.notification)}", ""]
    lines += ["--", _footer()]
    return subject, "\n".join(lines) + "\n"
