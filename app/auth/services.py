"""Authentication: passwords, sessions, invitations and password resets."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app import audit
from app.auth.tokens import Purpose, make_token, user_for_token
from app.extensions import db
from app.mailer import external_url, send_mail
from app.models import EmailPreference, User, normalise_email
from app.models.columns import utcnow

# Checked when the e-mail is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("leerspoor-no-such-user")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (whatever was wrong)."""
    user = find_user_by_email(email)
    if user is None or not user.has_password:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    if user.password_hash_outdated(password):
        user.set_password(password)  # committed with the login
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    audit.record(user, "login", user)
    db.session.commit()


def end_sessions(user: User) -> None:
    """End every session of `user` server-side (logout, password change)."""
    user.session_version += 1
    db.session.commit()


def set_password(user: User, password: str, *, action: str) -> None:
    """Set a new password; other sessions and outstanding links stop working."""
    user.set_password(password)
    user.session_version += 1
    audit.record(user, action, user)
    db.session.commit()


def accept_invitation(token: str, password: str) -> User:
    user = user_for_token(token, Purpose.INVITATION)
    set_password(user, password, action="invitation_accepted")
    return user


def reset_password(token: str, password: str) -> User:
    user = user_for_token(token, Purpose.PASSWORD_RESET)
    set_password(user, password, action="password_reset")
    return user


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()


def update_account(
    user: User, *, name: str, locale: str, notify_by_email: EmailPreference | None = None
) -> None:
    user.name = name.strip()
    user.locale = locale
    if notify_by_email is not None:
        user.notify_by_email = notify_by_email
    db.session.commit()


def _mail_locale(user: User) -> str:
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def send_invitation(user: User, invited_by: User, organisation_name: str) -> None:
    """Mail `user` a link to set a password (or, with a password already, a notice)."""
    with force_locale(_mail_locale(user)):
        if user.has_password:
            subject = _(
                "You now have access to %(organisation)s in Leerspoor",
                organisation=organisation_name,
            )
            body = _(
                "Hello %(name)s,\n\n%(inviter)s gave you access to %(organisation)s in "
                "Leerspoor. Log in as usual:\n\n%(link)s\n",
                name=user.name,
                inviter=invited_by.name,
                organisation=organisation_name,
                link=external_url("auth.login"),
            )
        else:
            days = current_app.config["INVITATION_MAX_AGE_DAYS"]
            subject = _("Your invitation to Leerspoor")
            body = _(
                "Hello %(name)s,\n\n%(inviter)s invites you to Leerspoor for "
                "%(organisation)s. Leerspoor is where the student, the school coach and the "
                "workplace mentor keep one shared follow-up log.\n\n"
                "Choose your password with this link (valid for %(days)s days, once):\n\n"
                "%(link)s\n\nDid not expect this? Then you can ignore this e-mail.\n",
                name=user.name,
                inviter=invited_by.name,
                organisation=organisation_name,
                days=days,
                link=external_url(
                    "auth.accept_invitation", token=make_token(user, Purpose.INVITATION)
                ),
            )
        send_mail(user.email, subject, body)
    audit.record(invited_by, "invitation_sent", user)
    db.session.commit()


def request_password_reset(email: str) -> None:
    """Mail a reset link when the address belongs to an active user; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"]
    with force_locale(_mail_locale(user)):
        body = _(
            "Hello %(name)s,\n\nSomeone asked to reset your Leerspoor password. "
            "Choose a new password with this link (valid for %(minutes)s minutes, once):\n\n"
            "%(link)s\n\nDid you not ask for this? Then ignore this e-mail; "
            "your password stays as it is.\n",
            name=user.name,
            minutes=minutes,
            link=external_url(
                "auth.reset_password", token=make_token(user, Purpose.PASSWORD_RESET)
            ),
        )
        send_mail(user.email, _("Reset your Leerspoor password"), body)
    audit.record(None, "password_reset_requested", user)
    db.session.commit()
