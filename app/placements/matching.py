"""Matching a participant abroad: the host partner's choices for a placement assigned to
it (the host workplace, the mentor there, the monitor, the lodging) and its destination
view of the participants it hosts.

The host partner decides: its coordinators change the matching; the sending school's
coordinators and the coach read it. Every change is checked here before anything is
written, recorded in the audit trail and committed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from app import audit, policy
from app.domain import DomainError
from app.extensions import db
from app.models import (
    Candidate,
    Decision,
    Lodging,
    LodgingKind,
    Membership,
    Organisation,
    OrganisationKind,
    Placement,
    Role,
    User,
)


@dataclass
class Choice:
    """One person the host may choose, with where they work."""

    user: User
    organisation: Organisation


def host_workplaces(placement: Placement) -> list[Organisation]:
    """Where the host partner of `placement` places participants (`partner_workplaces`)."""
    return partner_workplaces(placement.host_partner)


def partner_workplaces(partner: Organisation | None) -> list[Organisation]:
    """Where a host partner places participants: the companies in its country, and
    itself (a host partner may be the workplace, with its own mentors).
    """
    if partner is None:
        return []
    return list(
        db.session.scalars(
            select(Organisation)
            .where(
                or_(
                    Organisation.id == partner.id,
                    and_(
                        Organisation.kind == OrganisationKind.COMPANY,
                        Organisation.country == partner.country,
                    ),
                )
            )
            .order_by(Organisation.name, Organisation.id)
        )
    )


def _members(organisation_ids, role: Role) -> list[Choice]:
    rows = db.session.execute(
        select(User, Organisation)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Membership.organisation_id == Organisation.id)
        .where(
            Membership.role == role,
            Membership.organisation_id.in_(organisation_ids),
            User.active.is_(True),
        )
        .order_by(User.name, User.id)
    )
    return [Choice(user, organisation) for user, organisation in rows]


def host_mentors(placement: Placement) -> list[Choice]:
    """The mentors of the host workplaces, each with their company."""
    return partner_mentors(placement.host_partner)


def partner_mentors(partner: Organisation | None) -> list[Choice]:
    """The mentors of a host partner's workplaces, each with their company."""
    return _members([w.id for w in partner_workplaces(partner)], Role.MENTOR)


def host_monitors(placement: Placement) -> list[Choice]:
    """The host partner's own monitors."""
    return partner_monitors(placement.host_partner_id)


def partner_monitors(partner_id: int | None) -> list[Choice]:
    """A host partner's own monitors."""
    if partner_id is None:
        return []
    return _members([partner_id], Role.MONITOR)


def _check_matchable(placement: Placement) -> None:
    if placement.host_partner_id is None:
        raise DomainError("workplace", _l("This placement has no host partner abroad."))


def create_host_workplace(actor: User, placement: Placement, name: str, city: str) -> Organisation:
    """A company new to the host partner, in its country, to place participants at."""
    _check_matchable(placement)
    name, city = name.strip(), city.strip()
    if not name:
        raise DomainError("name", _l("Give the company's name."))
    known = {w.name.casefold() for w in host_workplaces(placement)}
    if name.casefold() in known:
        raise DomainError("name", _l("A company of this name is on the list already."))
    workplace = Organisation(
        name=name,
        kind=OrganisationKind.COMPANY,
        city=city,
        country=placement.host_partner.country,
    )
    db.session.add(workplace)
    db.session.flush()
    audit.record(actor, "host_workplace_created", placement, workplace=workplace.id)
    db.session.commit()
    return workplace


@dataclass
class Match:
    workplace_id: int
    mentor_id: int
    monitor_id: int | None


def check_choice(partner: Organisation, choice: Match) -> None:
    """Refuse a workplace outside the host partner's choices, a mentor who does not work
    at the chosen workplace and a monitor who is not the host partner's.
    """
    if choice.workplace_id not in {w.id for w in partner_workplaces(partner)}:
        raise DomainError("workplace", _l("Choose a company in the host partner's country."))
    mentors = {(c.user.id, c.organisation.id) for c in partner_mentors(partner)}
    if (choice.mentor_id, choice.workplace_id) not in mentors:
        raise DomainError("mentor", _l("Choose a mentor who works at the chosen company."))
    if choice.monitor_id is not None and choice.monitor_id not in {
        c.user.id for c in partner_monitors(partner.id)
    }:
        raise DomainError("monitor", _l("Choose one of the host partner's monitors."))


def match(actor: User, placement: Placement, choice: Match) -> bool:
    """Assign the host workplace, its mentor and the monitor; False when nothing changed.

    The mentor works at the chosen workplace and the monitor for the host partner.
    """
    _check_matchable(placement)
    check_choice(placement.host_partner, choice)
    before = (placement.workplace_id, placement.mentor_id, placement.monitor_id)
    after = (choice.workplace_id, choice.mentor_id, choice.monitor_id)
    if before == after:
        return False
    placement.workplace_id, placement.mentor_id, placement.monitor_id = after
    audit.record(
        actor,
        "placement_matched",
        placement,
        workplace=choice.workplace_id,
        mentor=choice.mentor_id,
        monitor=choice.monitor_id,
    )
    db.session.commit()
    return True


@dataclass
class LodgingData:
    kind: LodgingKind
    address: str
    from_date: date
    until_date: date


def lodgings_of(placement: Placement) -> list[Lodging]:
    return list(
        db.session.scalars(
            select(Lodging)
            .where(Lodging.placement_id == placement.id)
            .order_by(Lodging.from_date, Lodging.id)
        )
    )


def add_lodging(actor: User, placement: Placement, data: LodgingData) -> Lodging:
    """Where the participant stays from one day until another, within the stay."""
    _check_matchable(placement)
    address = data.address.strip()
    if not address:
        raise DomainError("address", _l("Give the address."))
    if data.from_date < placement.start_date:
        raise DomainError("from_date", _l("The lodging starts before the stay."))
    if data.until_date > placement.end_date:
        raise DomainError("until_date", _l("The lodging ends after the stay."))
    if data.until_date < data.from_date:
        raise DomainError("until_date", _l("The last night comes after the first."))
    lodging = Lodging(
        placement_id=placement.id,
        kind=data.kind,
        address=address,
        from_date=data.from_date,
        until_date=data.until_date,
        arranged_by_id=actor.id,
    )
    db.session.add(lodging)
    db.session.flush()
    audit.record(actor, "lodging_added", placement, lodging=lodging.id)
    db.session.commit()
    return lodging


def remove_lodging(actor: User, placement: Placement, lodging: Lodging) -> None:
    db.session.delete(lodging)
    audit.record(actor, "lodging_removed", placement, lodging=lodging.id)
    db.session.commit()


def destination_page(user: User, *, page: int, per_page: int):
    """One page of the participants assigned to the host partners `user` coordinates,
    across schools, soonest first, with who and where they are (two queries and the
    count); `lodgings_by_placement` adds their lodging in one more.
    """
    query = (
        policy.hosted_placements(user)
        .options(
            joinedload(Placement.student),
            joinedload(Placement.school),
            joinedload(Placement.workplace),
            joinedload(Placement.mentor),
            joinedload(Placement.monitor),
        )
        .order_by(Placement.start_date, Placement.id)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def candidacies_by_placement(user: User, placements: list[Placement]) -> dict[int, int]:
    """The candidacy each placement was made from, by placement, where `user` reads its
    CV and expectations form (`policy.to_match_visibility`: the host partner of the
    selected candidate's destination): one query.
    """
    if not placements:
        return {}
    rows = db.session.execute(
        select(Candidate.placement_id, Candidate.id).where(
            Candidate.placement_id.in_([placement.id for placement in placements]),
            Candidate.decision == Decision.SELECTED,
            policy.to_match_visibility(user),
        )
    )
    return {row.placement_id: row.id for row in rows}


def lodgings_by_placement(placements: list[Placement]) -> dict[int, list[Lodging]]:
    found: dict[int, list[Lodging]] = {placement.id: [] for placement in placements}
    if found:
        for lodging in db.session.scalars(
            select(Lodging)
            .where(Lodging.placement_id.in_(list(found)))
            .order_by(Lodging.from_date, Lodging.id)
        ):
            found[lodging.placement_id].append(lodging)
    return found
