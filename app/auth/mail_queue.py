"""E-mail about one's account that the scheduler sends, not the request that asks for it.

Asking for a password reset must answer alike whether or not the address has an account,
in time as in what it says. Sent during the request, the e-mail made a known address
answer a third of a second later (the conversation with the mail server) and answer 500
when the mail server was down. So the request only queues a row, with the same
statements for every address (the database inserts one row or none), and the
`account_mail` job writes and sends the e-mail at its next run (every minute).

- The link is signed when the e-mail is written, dated from the moment it was asked for,
  so it expires as it would have; an e-mail whose link would no longer work is not sent.
- A new password drops the reset e-mails still waiting (`forget_waiting`): a link must
  not arrive after the password it would reset has changed.
- A failed send waits (1, 2, 5, 10, then 20 minutes) and is tried again, for as long as
  the link would work; after the last retry it is given up.
- Each row is claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL, sent, deleted and
  committed on its own, so two schedulers at once never send it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, insert, literal, select

from app.auth.tokens import Purpose, make_token
from app.extensions import db
from app.mailer import external_url, mail_locale, send_mail
from app.models import QueuedMail, QueuedMailKind, User, normalise_email
from app.models.columns import UTCDateTime

# How long a queued e-mail waits after its 1st, 2nd… failed attempt; the 6th failure is
# the last (a reset link works an hour by default).
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=20),
)
ERROR_LENGTH = 200


@dataclass
class MailReport:
    """What one run did, for the job's record and for tests."""

    sent: int = 0
    retrying: int = 0  # failed this time, tried again later
    failed: int = 0  # failed for the last time
    expired: int = 0  # not sent: its link would no longer work, or the account is off

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.expired


def queue_password_reset(email: str, now: datetime) -> None:
    """Queue a reset e-mail for the active account with `email`, if there is one (not
    committed). One INSERT … SELECT whatever the address: the database finds the account
    or not, and the request does the same work either way.
    """
    account = select(
        User.id,
        literal(QueuedMailKind.PASSWORD_RESET, QueuedMail.__table__.c.kind.type),
        literal(now, UTCDateTime()),
        literal(now, UTCDateTime()),
    ).where(User.email == normalise_email(email), User.active.is_(True))
    db.session.execute(
        insert(QueuedMail).from_select(
            ["user_id", "kind", "requested_at", "next_attempt_at"], account
        )
    )


def forget_waiting(user: User) -> None:
    """Drop the e-mails still waiting for `user` (not committed)."""
    db.session.execute(delete(QueuedMail).where(QueuedMail.user_id == user.id))


def link_lifetime() -> timedelta:
    return timedelta(minutes=current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"])


def deliver(now: datetime, *, limit: int = 1000) -> MailReport:
    """Send the queued e-mails due at `now` (at most `limit`); returns what was done."""
    report = MailReport()
    while report.handled < limit and _deliver_next(now, report):
        pass
    return report


def _deliver_next(now: datetime, report: MailReport) -> bool:
    """Claim, send and delete the next e-mail due; False when none is left (or every one
    left is being sent by another scheduler).
    """
    mail = db.session.scalar(
        select(QueuedMail)
        .where(QueuedMail.next_attempt_at <= now)
        .order_by(QueuedMail.next_attempt_at, QueuedMail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if mail is None:
        db.session.rollback()
        return False
    user = db.session.get(User, mail.user_id)
    left = mail.requested_at + link_lifetime() - now
    if not user.active or left < timedelta(minutes=1):
        db.session.delete(mail)
        report.expired += 1
    else:
        try:
            _send_password_reset(user, mail.requested_at, left)
        except Exception as error:  # noqa: BLE001  one bad e-mail must not hold up the queue
            _retry_later(mail, now, error, report)
        else:
            db.session.delete(mail)
            report.sent += 1
    db.session.commit()
    return True


def _retry_later(mail: QueuedMail, now: datetime, error: Exception, report: MailReport) -> None:
    """One more attempt, later each time; after the last, or once the link would have
    expired by then, the e-mail is given up.
    """
    message = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    current_app.logger.warning("Account e-mail %s failed: %s", mail.id, message)
    mail.attempts += 1
    mail.last_error = message
    if mail.attempts > len(BACKOFF):
        db.session.delete(mail)
        report.failed += 1
        return
    mail.next_attempt_at = now + BACKOFF[mail.attempts - 1]
    report.retrying += 1


def _send_password_reset(user: User, requested_at: datetime, left: timedelta) -> None:
    with force_locale(mail_locale(user)):
        body = _(
            "Hello %(name)s,\n\nSomeone asked to reset your Leerspoor password. "
            "Choose a new password with this link (valid for %(minutes)s minutes, once):\n\n"
            "%(link)s\n\nDid you not ask for this? Then ignore this e-mail; "
            "your password stays as it is.\n",
            name=user.name,
            minutes=int(left.total_seconds() // 60),
            link=external_url(
                "auth.reset_password",
                token=make_token(user, Purpose.PASSWORD_RESET, issued_at=requested_at),
            ),
        )
        send_mail(user.email, _("Reset your Leerspoor password"), body)
