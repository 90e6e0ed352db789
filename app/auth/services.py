"""Authentication: passwords, sessions, invitations and password resets."""

from __future__ import annotations

import functools
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import lazyload, selectinload
from werkzeug.security import generate_password_hash

from app import audit
from app.auth import mail_queue
from app.auth.tokens import (
    Purpose,
    TokenError,
    TokenProblem,
    make_token,
    token_data,
    user_for_token,
)
from app.domain import DomainError
from app.extensions import db
from app.mailer import external_url, mail_locale, send_mail
from app.models import (
    EmailPreference,
    Membership,
    MembershipInvitation,
    User,
    normalise_email,
)
from app.models.columns import utcnow
from app.models.people import current_hash_method


def _nobody() -> User:
    """A stand-in account, never stored, whose password is checked when the e-mail is
    unknown: a wrong address then costs exactly what a wrong password costs (the same
    method, so also its second check of a password that NFKC changes).
    """
    return User(password_hash=_nobody_hash(current_hash_method()))


@functools.cache
def _nobody_hash(method: str) -> str:
    return generate_password_hash("leerspoor-no-such-user", method=method)


def find_user_by_email(email: str) -> User | None:
    """The account with this address, or None. Its memberships are loaded only when used,
    so that a known address runs the same statements as an unknown one.
    """
    return db.session.scalar(
        select(User).where(User.email == normalise_email(email)).options(lazyload(User.memberships))
    )


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (whatever was wrong).

    A failure is an audit event: against the account when the address is one, with
    the reason; with no object when it is not (what was typed is never kept).
    """
    user = find_user_by_email(email)
    if user is None or not user.has_password:
        _nobody().check_password(password)
        _record_failed_login(user, "unknown_address" if user is None else "no_password")
        return None
    if not user.check_password(password):
        _record_failed_login(user, "wrong_password")
        return None
    if not user.active:
        _record_failed_login(user, "inactive")
        return None
    if user.password_hash_outdated(password):
        user.set_password(password)  # committed with the login
    return user


def _record_failed_login(user: User | None, reason: str) -> None:
    audit.record(None, "login_failed", user, reason=reason)
    db.session.commit()


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    audit.record(user, "login", user)
    db.session.commit()


def end_sessions(user: User) -> None:
    """End every session of `user` server-side (logout, password change)."""
    user.session_version += 1
    db.session.commit()


def set_password(user: User, password: str, *, action: str) -> None:
    """Set a new password; other sessions and outstanding links stop working, and reset
    e-mails still waiting are not sent.
    """
    user.set_password(password)
    user.session_version += 1
    mail_queue.forget_waiting(user)
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


def request_email_change(user: User, new_email: str) -> None:
    """Mail `new_email`, and tell the old address. A free address gets a link: the address
    changes only when it is opened there. An address another account uses gets an e-mail
    that says so and changes nothing. The old address is told the same either way (it is
    the asker's own mailbox), so asking tells nobody which addresses have an account.
    """
    new_email = normalise_email(new_email)
    owner = find_user_by_email(new_email)
    if owner is None:
        _mail_email_change_link(user, new_email)
    else:
        _mail_address_in_use(owner)
    with force_locale(mail_locale(user)):
        send_mail(
            user.email,
            _("Your Leerspoor e-mail address is about to change"),
            _(
                "Hello %(name)s,\n\nSomeone logged in to your Leerspoor account asked to use "
                "%(address)s instead of this address. It changes only when the link sent "
                "there is opened.\n\nWas this not you? Then change your password at once "
                "and tell your school.\n",
                name=user.name,
                address=new_email,
            ),
        )
    audit.record(user, "email_change_requested", user)
    db.session.commit()


def _mail_email_change_link(user: User, new_email: str) -> None:
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"]
    with force_locale(mail_locale(user)):
        link = external_url(
            "auth.confirm_email", token=make_token(user, Purpose.EMAIL_CHANGE, e=new_email)
        )
        send_mail(
            new_email,
            _("Confirm your new e-mail address for Leerspoor"),
            _(
                "Hello %(name)s,\n\nYou asked to log in to Leerspoor with this address from "
                "now on. Confirm it with this link (valid for %(minutes)s minutes, once):\n\n"
                "%(link)s\n\nDid you not ask for this? Then ignore this e-mail; nothing "
                "changes.\n",
                name=user.name,
                minutes=minutes,
                link=link,
            ),
        )


def _mail_address_in_use(owner: User) -> None:
    """Tell the account that has the address that someone asked for it; nothing changes."""
    with force_locale(mail_locale(owner)):
        send_mail(
            owner.email,
            _("This e-mail address already has a Leerspoor account"),
            _(
                "Hello %(name)s,\n\nSomeone logged in to Leerspoor asked to use this address "
                "for their account. This address already belongs to a Leerspoor account, so "
                "it cannot be used for another one, and nothing changes.\n\n"
                "Was it you, with a second account? Then log in with this address as usual "
                "(forgot its password? ask for a new one there):\n\n%(link)s\n\n"
                "Was it not you? Then you can ignore this e-mail.\n",
                name=owner.name,
                link=external_url("auth.login"),
            ),
        )


def change_email(token: str) -> User:
    """Give the user the address the link was sent to. Their sessions end, and the links
    sent before (to either address) stop working: the address is part of their fingerprint.
    """
    user, data = token_data(token, Purpose.EMAIL_CHANGE)
    new_email = normalise_email(str(data.get("e", "")))
    if not new_email:
        raise TokenError(TokenProblem.INVALID)
    if find_user_by_email(new_email) is not None:
        raise DomainError("email", _l("Another account uses this address by now. Ask your school."))
    user.email = new_email
    user.session_version += 1
    audit.record(user, "email_changed", user)
    db.session.commit()
    return user


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()


def update_account(
    user: User, *, name: str, locale: str | None, notify_by_email: EmailPreference | None = None
) -> None:
    """Save one's name, language (None: as it was) and e-mail choice; nothing is written
    when nothing changed.
    """
    user.name = name.strip()
    if locale is not None:
        user.locale = locale
    if notify_by_email is not None:
        user.notify_by_email = notify_by_email
    if db.session.is_modified(user):
        db.session.commit()


def send_invitation(user: User, invited_by: User, organisation_name: str) -> None:
    """Mail `user` a link to set a password (or, with a password already, a notice)."""
    with force_locale(mail_locale(user)):
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


def send_membership_invitation(invitation: MembershipInvitation) -> None:
    """Mail someone with an account an organisation's invitation to take on a role: they
    accept or decline it logged in as themselves, under My account.
    """
    user = invitation.user
    organisation = invitation.organisation
    with force_locale(mail_locale(user)):
        role = str(invitation.role.label).lower()
        body = _(
            "Hello %(name)s,\n\n%(inviter)s invites you to join %(organisation)s in "
            "Leerspoor as %(role)s. Nothing changes until you accept: %(organisation)s "
            "does not see your account before then.\n\n"
            "Log in and accept or decline the invitation (it is valid for %(days)s days):"
            "\n\n%(link)s\n\n",
            name=user.name,
            inviter=invitation.invited_by.name if invitation.invited_by else "Leerspoor",
            organisation=organisation.name,
            role=role,
            days=current_app.config["INVITATION_MAX_AGE_DAYS"],
            link=external_url("auth.list_membership_invitations"),
        )
        if not user.has_password:
            body += _(
                "You have not chosen a password yet: choose one with "
                "\u201cForgot your password?\u201d on the login page.\n\n"
            )
        body += _("Did not expect this? Then decline it, or ignore this e-mail.\n")
        send_mail(
            user.email,
            _("%(organisation)s invites you in Leerspoor", organisation=organisation.name),
            body,
        )


def membership_invitations(user: User) -> list[MembershipInvitation]:
    """The invitations `user` has not answered yet (expired ones too), oldest first."""
    return list(
        db.session.scalars(
            select(MembershipInvitation)
            .where(MembershipInvitation.user_id == user.id)
            .options(selectinload(MembershipInvitation.invited_by))
            .order_by(MembershipInvitation.created_at, MembershipInvitation.id)
        )
    )


def answer_membership_invitation(
    user: User, invitation: MembershipInvitation, *, accept: bool
) -> None:
    """Accept the role offered (it becomes a membership) or decline it; either way the
    invitation is answered and gone. An expired one is refused: nothing changes.
    """
    if invitation.expires_at <= utcnow():
        raise DomainError(
            "answer",
            _l(
                "This invitation has expired. Ask %(organisation)s to invite you again.",
                organisation=invitation.organisation.name,
            ),
        )
    details = {"role": invitation.role, "organisation_id": invitation.organisation_id}
    # Claimed by deleting it first: of two answers at once (a double tap, two tabs) the
    # second finds nothing to delete and changes nothing.
    claimed = db.session.execute(
        delete(MembershipInvitation).where(MembershipInvitation.id == invitation.id)
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise DomainError("answer", _l("This invitation has been answered already."))
    db.session.expunge(invitation)
    if accept and not any(
        m.role == invitation.role and m.organisation_id == invitation.organisation_id
        for m in user.memberships
    ):
        user.memberships.append(
            Membership(organisation_id=invitation.organisation_id, role=invitation.role)
        )
    action = "membership_invitation_accepted" if accept else "membership_invitation_declined"
    audit.record(user, action, user, **details)
    db.session.commit()


def request_password_reset(email: str, now: datetime | None = None) -> None:
    """Queue a reset link for the active account with this address; say nothing either way.

    A known address and an unknown one run the same statements: the address is looked
    up, the request is an audit event (against the account when it is an active one), and
    the database queues the e-mail or nothing. The `account_mail` job sends it.
    """
    account = find_user_by_email(email)
    if account is not None and not account.active:
        account = None
    audit.record(None, "password_reset_requested", account)
    mail_queue.queue_password_reset(email, now or utcnow())
    db.session.commit()
