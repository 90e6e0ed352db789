"""People and their roles: users and their memberships of organisations."""

from __future__ import annotations

import enum
import functools
import unicodedata
from datetime import date, datetime

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.columns import UTCDateTime, str_enum, utcnow
from app.models.organisations import Organisation, OrganisationKind


class Role(enum.StrEnum):
    STUDENT = "student"
    MENTOR = "mentor"
    COACH = "coach"
    COORDINATOR = "coordinator"
    COMPANY_COORDINATOR = "company_coordinator"
    ADMIN = "admin"
    # Erasmus+ mobility: the consortium's promoter, and at a host partner abroad the
    # coordinator who matches participants and the monitor who looks after them.
    PROMOTER = "promoter"
    HOST_COORDINATOR = "host_coordinator"
    MONITOR = "monitor"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.STUDENT: _l("Student"),
    Role.MENTOR: _l("Mentor"),
    Role.COACH: _l("Coach"),
    Role.COORDINATOR: _l("School coordinator"),
    Role.COMPANY_COORDINATOR: _l("Company coordinator"),
    Role.ADMIN: _l("Administrator"),
    Role.PROMOTER: _l("Promoter"),
    Role.HOST_COORDINATOR: _l("Host coordinator"),
    Role.MONITOR: _l("Host monitor"),
}


class EmailPreference(enum.StrEnum):
    """How a person wants their notifications by e-mail."""

    EACH = "each"
    DAILY = "daily"
    NONE = "none"

    @property
    def label(self):
        return EMAIL_PREFERENCE_LABELS[self]


EMAIL_PREFERENCE_LABELS = {
    EmailPreference.EACH: _l("Each notification"),
    EmailPreference.DAILY: _l("A daily summary"),
    EmailPreference.NONE: _l("None"),
}


SCHOOL_ROLES = (Role.STUDENT, Role.COACH, Role.COORDINATOR)
WORKPLACE_ROLES = (Role.MENTOR, Role.COMPANY_COORDINATOR)
HOST_PARTNER_ROLES = (Role.HOST_COORDINATOR, Role.MONITOR)
# The roles someone can hold in an organisation of each kind (a host partner abroad may
# also be the workplace, with its own mentors).
ROLES_BY_KIND = {
    OrganisationKind.SCHOOL: SCHOOL_ROLES,
    OrganisationKind.COMPANY: WORKPLACE_ROLES,
    OrganisationKind.HOST_ABROAD: WORKPLACE_ROLES + HOST_PARTNER_ROLES,
    OrganisationKind.PROMOTER: (Role.PROMOTER,),
}


def normalise_email(email: str) -> str:
    """E-mail addresses are unique regardless of case and surrounding blanks."""
    return email.strip().lower()


def normalise_password(password: str) -> str:
    """The form a password is hashed in: NFKC, so "é" typed as one character or as "e"
    and an accent (phones and laptops differ) is the same password.
    """
    return unicodedata.normalize("NFKC", password)


@functools.cache
def _werkzeug_hash_method() -> str:
    return generate_password_hash("-").split("$", 1)[0]


def current_hash_method() -> str:
    """The method new password hashes are made with, e.g. "scrypt:32768:8:1": werkzeug's
    default, unless the configuration names another (only the tests do, to run faster).
    """
    configured = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
    return configured or _werkzeug_hash_method()


def hash_password(password: str) -> str:
    """A hash of `password` as typed (callers normalise), made with today's method."""
    return generate_password_hash(password, method=current_hash_method())


class User(UserMixin, db.Model):
    """A person who logs in. Roles come from memberships, never from the user row."""

    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(8))
    # Bumped at logout and password change; sessions carrying an older value end.
    session_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notify_by_email: Mapped[EmailPreference] = mapped_column(
        str_enum(EmailPreference), default=EmailPreference.EACH, server_default="each"
    )
    # A student's, only to know whether they are under 18 (app/privacy/minors.py).
    birth_date: Mapped[date | None]
    # The version of the privacy notice the person last accepted, and when.
    privacy_notice_version: Mapped[str] = mapped_column(String(32), default="", server_default="")
    privacy_notice_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The second factor (TOTP): the shared secret is pending until a first code confirms
    # it; the last time step a code was accepted for makes each code work once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @validates("email")
    def _normalise_email(self, _key: str, email: str) -> str:
        return normalise_email(email)

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(normalise_password(password))

    def check_password(self, password: str) -> bool:
        """Whether `password` is this user's: in its normalised form, or as typed for a
        hash made before passwords were normalised.
        """
        if self.password_hash is None:
            return False
        normalised = normalise_password(password)
        if check_password_hash(self.password_hash, normalised):
            return True
        return normalised != password and check_password_hash(self.password_hash, password)

    def password_hash_outdated(self, password: str) -> bool:
        """Whether the hash of `password` (just checked) should be made again: with
        today's method and parameters, or from the normalised form.
        """
        if self.password_hash is None:
            return False
        if self.password_hash.split("$", 1)[0] != current_hash_method():
            return True
        normalised = normalise_password(password)
        return normalised != password and not check_password_hash(self.password_hash, normalised)

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def has_second_factor(self) -> bool:
        return self.totp_confirmed_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session and remember cookie, with the version."""
        return f"{self.id}:{self.session_version}"

    def organisation_ids(self, *roles: Role) -> set[int]:
        """Ids of the organisations where this user holds one of `roles`."""
        return {
            m.organisation_id
            for m in self.memberships
            if m.role in roles and m.organisation_id is not None
        }

    def has_role(self, *roles: Role) -> bool:
        return any(m.role in roles for m in self.memberships)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(db.Model):
    """A user holds a role in an organisation. Admins hold their role platform-wide."""

    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id", "role"),
        CheckConstraint(
            "(role = 'admin') = (organisation_id IS NULL)", name="admin_has_no_organisation"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")


class MembershipInvitation(db.Model):
    """A role offered to someone whose account belongs to another organisation: it
    becomes a membership only when they accept it, logged in as themselves (see
    `policy.can_attach_directly`). Answered invitations are deleted; the audit trail
    keeps who invited, accepted and declined.
    """

    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # As long as a link to set a password works (INVITATION_MAX_AGE_DAYS).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app when the phone is lost.

    Only its SHA-256 hash is kept: a code holds 80 random bits, so a slow password hash
    would add nothing but time.
    """

    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="recovery_codes")
