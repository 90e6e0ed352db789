"""Administration: organisations, people, invitations and placements.

Services take plain arguments, check the domain rules that forms cannot, raise
`DomainError` with the field it belongs to, and own the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, lazyload, load_only, selectinload

from app import audit, dates, policy
from app.auth.passwords import password_problem
from app.auth.services import find_user_by_email, send_invitation, send_membership_invitation
from app.content.schemas import Framework, Rubric
from app.domain import DomainError
from app.extensions import db
from app.mobility import services as mobility
from app.models import (
    DEFAULT_REMINDERS,
    DEFAULT_SECURITY,
    DEFAULT_THRESHOLDS,
    Membership,
    MembershipInvitation,
    Organisation,
    OrganisationKind,
    Partnership,
    Placement,
    PlacementKind,
    PlacementStatus,
    Role,
    SchoolSettings,
    User,
    normalise_email,
)
from app.models.columns import utcnow
from app.models.people import ROLES_BY_KIND
from app.placements.services import ensure_partnership
from app.privacy import minors
from app.spreadsheets import starts_like_formula
from app.validators import FORMULA_ADDRESS_MESSAGE

# -- organisations ----------------------------------------------------------------------


def create_organisation(
    actor: User,
    *,
    name: str,
    kind: OrganisationKind,
    city: str = "",
    country: str = "BE",
    partner_school: Organisation | None = None,
) -> Organisation:
    """Create an organisation; a workplace created for a school becomes its partner."""
    organisation = Organisation(
        name=name.strip(), kind=kind, city=city.strip(), country=country.upper()
    )
    db.session.add(organisation)
    db.session.flush()
    if partner_school is not None and organisation.is_workplace:
        db.session.add(Partnership(school_id=partner_school.id, workplace_id=organisation.id))
    audit.record(actor, "organisation_created", organisation)
    db.session.commit()
    return organisation


def update_organisation(
    actor: User, organisation: Organisation, *, name: str, city: str, country: str
) -> bool:
    """Save the organisation's name and place; returns whether anything changed."""
    organisation.name = name.strip()
    organisation.city = city.strip()
    organisation.country = country.upper()
    if not audit.has_changes(organisation):
        return False
    audit.record(actor, "organisation_updated", organisation)
    db.session.commit()
    return True


def dashboard_counts(actor: User) -> dict[str, int]:
    """How many organisations, people and placements the actor administers."""

    def count(query) -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery()))

    return {
        "organisations": count(policy.visible_organisations(actor)),
        "people": count(policy.visible_users(actor)),
        "placements": count(policy.visible_placements(actor)),
    }


def members_of(organisation: Organisation):
    """A select of the organisation's memberships with their people, by role and name."""
    return (
        select(Membership)
        .where(Membership.organisation_id == organisation.id)
        .join(User)
        .options(contains_eager(Membership.user))
        .order_by(Membership.role, User.name)
    )


def schools_for(actor: User) -> list[Organisation]:
    """The schools `actor` administers, by name (`policy.administered_schools`)."""
    return list(db.session.scalars(policy.administered_schools(actor).order_by(Organisation.name)))


def workplaces_for(actor: User) -> list[Organisation]:
    """The workplaces `actor` places students at, by name (`policy.administered_workplaces`)."""
    return list(
        db.session.scalars(policy.administered_workplaces(actor).order_by(Organisation.name))
    )


def school_settings(school: Organisation) -> SchoolSettings:
    """The school's thresholds and reminder settings: its own, or the defaults (not saved)."""
    return db.session.get(SchoolSettings, school.id) or SchoolSettings.defaults(school.id)


# What a school sets: the caseload's thresholds, its reminders, who uses a second factor.
SCHOOL_SETTINGS = (*DEFAULT_THRESHOLDS, *DEFAULT_REMINDERS, *DEFAULT_SECURITY)


def save_school_settings(
    actor: User, school: Organisation, values: dict[str, int | bool]
) -> SchoolSettings:
    """Set the school's settings (every name of `SCHOOL_SETTINGS`); the first save creates
    its row.
    """
    current = school_settings(school)
    if all(getattr(current, name) == values[name] for name in SCHOOL_SETTINGS):
        return current  # saved as shown: the defaults are not written down either
    settings = db.session.get(SchoolSettings, school.id)
    if settings is None:
        settings = SchoolSettings(school_id=school.id)
        db.session.add(settings)
    for name in SCHOOL_SETTINGS:
        setattr(settings, name, values[name])
    audit.record(
        actor, "school_settings_updated", school, **{name: values[name] for name in SCHOOL_SETTINGS}
    )
    db.session.commit()
    return settings


# -- people -----------------------------------------------------------------------------


def role_fits(role: Role, organisation: Organisation) -> bool:
    return role in ROLES_BY_KIND[organisation.kind]


def check_role(actor: User | None, role: Role, organisation: Organisation | None) -> None:
    """Whether `actor` may give someone `role` in `organisation` (`actor` None: the
    command line, the platform's operator); raises `DomainError` when not.
    """
    if role is Role.ADMIN:
        if actor is not None:
            raise DomainError("role", _l("Administrators are made on the command line."))
        return
    if organisation is None:
        raise DomainError(
            "organisation",
            _l("Name the organisation this %(role)s belongs to.", role=role.label.lower()),
        )
    if not role_fits(role, organisation):
        raise DomainError(
            "role",
            _l(
                "A %(role)s cannot belong to %(organisation)s.",
                role=role.label.lower(),
                organisation=organisation.name,
            ),
        )
    if actor is not None and role not in policy.grantable_roles(actor, organisation):
        raise DomainError(
            "role",
            _l(
                "Only an administrator can make someone %(role)s at %(organisation)s.",
                role=role.label.lower(),
                organisation=organisation.name,
            ),
        )


def _holds(user: User, role: Role, organisation: Organisation | None) -> bool:
    organisation_id = organisation.id if organisation is not None else None
    return any(m.role == role and m.organisation_id == organisation_id for m in user.memberships)


def add_member(
    actor: User | None, user: User, role: Role, organisation: Organisation | None
) -> User:
    """Give `user` (a new account or an existing one) the role, recorded in the audit
    trail; a role they hold already is refused. Not committed here.
    """
    if _holds(user, role, organisation):
        raise DomainError(
            "email",
            _l(
                "%(email)s is already %(role)s at %(organisation)s.",
                email=user.email,
                role=role.label.lower(),
                organisation=organisation.name if organisation is not None else "Leerspoor",
            ),
        )
    organisation_id = organisation.id if organisation is not None else None
    user.memberships.append(Membership(organisation_id=organisation_id, role=role))
    db.session.flush()
    audit.record(actor, "membership_added", user, role=role, organisation_id=organisation_id)
    return user


def checked_email(address: str) -> str:
    """The address as an account stores it, or `DomainError` when the forms would refuse
    it (for callers without a form: the command line).
    """
    address = address.strip()
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise DomainError(
            "email", _l("%(value)s is not a valid e-mail address.", value=address)
        ) from error
    if starts_like_formula(address):
        raise DomainError("email", FORMULA_ADDRESS_MESSAGE)
    return normalise_email(address)


def invite_user(
    actor: User, *, email: str, name: str, role: Role, organisation: Organisation
) -> None:
    """Give a person a role in an organisation and mail them; creates the account if new.

    Someone whose account belongs to another organisation (`policy.can_attach_directly`)
    is not given the role: they are mailed an invitation to accept or decline, and
    until then the actor learns nothing about them. Either way the actor is told the
    same, so that the form does not reveal which addresses have an account.
    """
    check_role(actor, role, organisation)
    user = find_user_by_email(email)
    if (
        user is not None
        and not _holds(user, role, organisation)  # else refused below: nothing is revealed
        and not policy.can_attach_directly(actor, user)
    ):
        _invite_to_join(actor, user, role, organisation)
        return
    if user is None:
        user = User(email=email, name=name.strip())
        db.session.add(user)
    add_member(actor, user, role, organisation)
    db.session.commit()  # the person is saved even if the e-mail cannot be sent
    send_invitation(user, actor, organisation.name)


def create_account(
    actor: User | None,
    *,
    email: str,
    name: str,
    role: Role,
    organisation: Organisation | None,
    password: str | None,
) -> User:
    """An account with a role and a password, for the command line (the first admin, a
    school's first coordinator): the invitation's checks and membership, with the
    password set here instead of a link mailed. An address that has an account already
    gets the role (`password` is then not used).
    """
    email = checked_email(email)
    check_role(actor, role, organisation)
    user = find_user_by_email(email)
    if user is None:
        problem = password_problem(password or "")
        if problem is not None:
            raise DomainError("password", problem)
        user = User(email=email, name=name.strip())
        user.set_password(password)
        db.session.add(user)
    add_member(actor, user, role, organisation)
    db.session.commit()
    return user


def _invite_to_join(actor: User, user: User, role: Role, organisation: Organisation) -> None:
    """Offer `user` the role until the invitation expires; inviting again renews it."""
    invitation = db.session.scalar(
        select(MembershipInvitation).where(
            MembershipInvitation.user_id == user.id,
            MembershipInvitation.organisation_id == organisation.id,
            MembershipInvitation.role == role,
        )
    )
    if invitation is None:
        invitation = MembershipInvitation(
            user_id=user.id, organisation_id=organisation.id, role=role
        )
        db.session.add(invitation)
    now = utcnow()
    invitation.invited_by_id = actor.id
    invitation.created_at = now
    invitation.expires_at = now + timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"])
    db.session.flush()
    audit.record(actor, "membership_invited", user, role=role, organisation_id=organisation.id)
    db.session.commit()  # the invitation stands even if the e-mail cannot be sent
    send_membership_invitation(invitation)


def pending_invitations(actor: User) -> list[MembershipInvitation]:
    """The invitations into the actor's organisations that wait for an answer, newest
    first, with the address they went to (the person's account stays out of sight).
    """
    return list(
        db.session.scalars(
            policy.visible_membership_invitations(actor)
            .options(
                selectinload(MembershipInvitation.user).options(
                    load_only(User.email), lazyload(User.memberships)
                )
            )
            .order_by(MembershipInvitation.created_at.desc(), MembershipInvitation.id.desc())
        )
    )


def update_person(
    actor: User,
    person: User,
    *,
    name: str,
    email: str | None,
    active: bool,
    birth_date: date | None = None,
) -> bool:
    """Change a person's name, e-mail address (None: unchanged), whether they can log in
    and, for a student, the date of birth; returns whether anything changed.

    A new e-mail address ends the person's sessions and voids links sent to the old one.
    """
    email = person.email if email is None else normalise_email(email)
    if (
        name.strip() != person.name or birth_date != person.birth_date
    ) and not policy.can_edit_person_details(actor, person):
        raise DomainError(
            "name",
            _l(
                "Only the organisation that registered this person, the person themselves or "
                "an administrator can change their name and date of birth."
            ),
        )
    if email != person.email and not policy.can_change_email(actor, person):
        raise DomainError("email", _l("Only an administrator can change this address."))
    if person.id == actor.id and not active:
        raise DomainError("active", _l("You cannot switch off your own account."))
    if email != person.email and find_user_by_email(email) is not None:
        raise DomainError("email", _l("Another account already uses %(email)s.", email=email))
    changed = {
        "email": email != person.email,
        "active": active != person.active,
        "birth_date": birth_date != person.birth_date,
    }
    person.name = name.strip()
    if (person.active and not active) or changed["email"]:
        person.session_version += 1  # logged out at once
    person.email = email
    person.active = active
    person.birth_date = birth_date if person.has_role(Role.STUDENT) else None
    if not audit.has_changes(person):
        return False
    audit.record(actor, "person_updated", person, **changed)
    db.session.commit()
    return True


def remove_membership(actor: User, membership: Membership) -> None:
    """Take a role away, unless placements still rely on it."""
    column = {
        Role.STUDENT: Placement.student_id,
        Role.MENTOR: Placement.mentor_id,
        Role.COACH: Placement.coach_id,
    }.get(membership.role)
    if column is not None:
        organisation_column = (
            Placement.workplace_id if membership.role is Role.MENTOR else Placement.school_id
        )
        in_use = db.session.scalar(
            select(func.count(Placement.id)).where(
                column == membership.user_id,
                organisation_column == membership.organisation_id,
                Placement.status == PlacementStatus.ACTIVE,
            )
        )
        if in_use:
            raise DomainError(
                "membership",
                _ln(
                    "This role is still used by %(num)d active placement; change it first.",
                    "This role is still used by %(num)d active placements; change them first.",
                    in_use,
                ),
            )
    audit.record(
        actor,
        "membership_removed",
        membership.user,
        role=membership.role,
        organisation_id=membership.organisation_id,
    )
    db.session.delete(membership)
    db.session.commit()


def administered_organisation_ids(actor: User) -> set[int] | None:
    """Ids of the organisations in the actor's administration (None: all, for admins)."""
    if actor.is_admin:
        return None
    return set(
        db.session.scalars(policy.visible_organisations(actor).with_only_columns(Organisation.id))
    )


def memberships_shown_to(actor: User, memberships: list[Membership]) -> list[Membership]:
    """The roles of a person that lie inside the actor's administration."""
    visible = administered_organisation_ids(actor)
    return [m for m in memberships if visible is None or m.organisation_id in visible]


def resend_invitation(actor: User, user: User) -> None:
    """Mail the invitation link again, to someone who has not set a password yet."""
    if user.has_password or not user.active:
        raise DomainError("invitation", _l("This person has already accepted the invitation."))
    shown = memberships_shown_to(actor, user.memberships)
    organisation = next((m.organisation for m in shown if m.organisation), None)
    send_invitation(user, actor, organisation.name if organisation else "Leerspoor")


# -- placements -------------------------------------------------------------------------


@dataclass
class PlacementData:
    student: User
    school: Organisation
    workplace: Organisation
    mentor: User
    coach: User
    kind: PlacementKind
    start_date: date
    end_date: date
    status: PlacementStatus = PlacementStatus.ACTIVE
    notes: str = ""
    programme: str = ""
    cohort: str = ""
    framework: Framework | None = None
    rubric: Rubric | None = None


def check_placement(actor: User, data: PlacementData) -> None:
    """The domain rules of a placement, each reported at its field."""
    if not policy.administers_school(actor, data.school.id):
        raise DomainError("school", _l("You do not manage placements of this school."))
    if not policy.can_pair(actor, data.school, data.workplace):
        raise DomainError("workplace", _l("This is not a workplace of the school."))
    if data.end_date < data.start_date:
        raise DomainError("end_date", _l("The end date is before the start date."))
    if data.school.id not in data.student.organisation_ids(Role.STUDENT):
        raise DomainError(
            "student",
            _l(
                "%(name)s is not a student of %(school)s.",
                name=data.student.name,
                school=data.school.name,
            ),
        )
    if data.workplace.id not in data.mentor.organisation_ids(Role.MENTOR):
        raise DomainError(
            "mentor",
            _l(
                "%(name)s is not a mentor at %(workplace)s. Choose a mentor of this workplace, "
                "or invite them as its mentor first.",
                name=data.mentor.name,
                workplace=data.workplace.name,
            ),
        )
    if data.school.id not in data.coach.organisation_ids(Role.COACH):
        raise DomainError(
            "coach",
            _l(
                "%(name)s is not a coach of %(school)s.",
                name=data.coach.name,
                school=data.school.name,
            ),
        )


def _check_guardian_approval(data: PlacementData, placement: Placement | None) -> None:
    """A minor's placement that needs a guardian's approval becomes active only with one."""
    if data.status is not PlacementStatus.ACTIVE:
        return
    needed = minors.needs_approval(
        data.student, data.school, data.workplace, data.start_date, dates.today(data.school)
    )
    if needed and (placement is None or minors.standing_approval(placement) is None):
        raise DomainError("status", minors.missing_approval_message(data.student))


def _check_mobility_file(data: PlacementData, placement: Placement | None) -> None:
    """A mobility abroad becomes active only with its mobility file complete (which holds
    the guardian's approval of a minor): checked when it is made active, so an active
    stay stays editable.
    """
    if data.status is not PlacementStatus.ACTIVE or data.kind is not PlacementKind.MOBILITY_ABROAD:
        return
    if placement is not None and placement.status is PlacementStatus.ACTIVE:
        return
    mobility.check_can_start(
        mobility.Stay(
            placement.id if placement else None, data.student, data.start_date, data.end_date
        )
    )


def create_placement(actor: User, data: PlacementData) -> Placement:
    check_placement(actor, data)
    _check_mobility_file(data, None)
    _check_guardian_approval(data, None)
    placement = Placement()
    _apply(placement, data)
    db.session.add(placement)
    ensure_partnership(data.school, data.workplace)
    db.session.flush()
    audit.record(actor, "placement_created", placement)
    db.session.commit()
    return placement


def update_placement(actor: User, placement: Placement, data: PlacementData) -> bool:
    """Save the placement as the form has it; returns whether anything changed."""
    check_placement(actor, data)
    _check_mobility_file(data, placement)
    _check_guardian_approval(data, placement)
    _apply(placement, data)
    if not audit.has_changes(placement):
        return False
    ensure_partnership(data.school, data.workplace)
    audit.record(actor, "placement_updated", placement)
    db.session.commit()
    return True


def _apply(placement: Placement, data: PlacementData) -> None:
    placement.student_id = data.student.id
    placement.school_id = data.school.id
    placement.workplace_id = data.workplace.id
    placement.mentor_id = data.mentor.id
    placement.coach_id = data.coach.id
    placement.kind = data.kind
    placement.start_date = data.start_date
    placement.end_date = data.end_date
    placement.status = data.status
    placement.notes = data.notes.strip()
    placement.programme = data.programme.strip()
    placement.cohort = data.cohort.strip()
    placement.framework_id = data.framework.id if data.framework else None
    placement.framework_version = data.framework.version if data.framework else None
    placement.rubric_id = data.rubric.id if data.rubric else None
    placement.rubric_version = data.rubric.version if data.rubric else None


def members(organisation_ids: set[int], role: Role) -> list[User]:
    """Users holding `role` in any of the organisations, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership)
            .where(Membership.role == role, Membership.organisation_id.in_(organisation_ids))
            .distinct()
            .order_by(User.name)
        )
    )
