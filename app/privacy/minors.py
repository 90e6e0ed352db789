"""Minors: a student's date of birth says only whether they are under 18; a school's rule
says which placements of a minor need a guardian's approval before they start (none,
those abroad, or all). This is a school rule, not GDPR consent: the lawful basis of the
data is the school's task.

A placement that needs an approval and has none that stands is flagged, and cannot be
made active (it stays "in preparation"); an approval revoked later flags it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit, policy
from app.domain import DomainError
from app.extensions import db
from app.models import (
    DEFAULT_GUARDIAN_APPROVAL,
    ApprovalMethod,
    GuardianApproval,
    Organisation,
    Placement,
    PlacementStatus,
    SchoolSettings,
    User,
)

ADULT_AGE = 18


def age_on(birth_date: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def is_minor(student: User, day: date) -> bool:
    """Under 18 on `day`; unknown (no date of birth) counts as not known to be a minor."""
    return student.birth_date is not None and age_on(student.birth_date, day) < ADULT_AGE


def guardian_rule(school: Organisation) -> str:
    settings = db.session.get(SchoolSettings, school.id)
    return settings.guardian_approval if settings else DEFAULT_GUARDIAN_APPROVAL


def save_guardian_rule(actor: User, school: Organisation, rule: str) -> None:
    """Set which placements of the school's minors need a guardian's approval."""
    settings = db.session.get(SchoolSettings, school.id)
    if (settings or SchoolSettings.defaults(school.id)).guardian_approval == rule:
        return  # saved as shown
    if settings is None:
        settings = SchoolSettings.defaults(school.id)
        db.session.add(settings)
    settings.guardian_approval = rule
    audit.record(actor, "guardian_rule_updated", school, rule=rule)
    db.session.commit()


def is_abroad(school: Organisation, workplace: Organisation) -> bool:
    return (workplace.country or "").upper() != (school.country or "").upper()


def needs_approval(
    student: User, school: Organisation, workplace: Organisation, start: date, today: date
) -> bool:
    """Whether the school's rule asks a guardian's approval for this placement: the
    student is a minor when it starts (or today, once it has started).
    """
    if not is_minor(student, max(start, today)):
        return False
    return _rule_applies(guardian_rule(school), school, workplace)


def _rule_applies(rule: str, school: Organisation, workplace: Organisation) -> bool:
    return rule == "all" or (rule == "abroad" and is_abroad(school, workplace))


def missing_approvals_seen_by(reader: User, placements: list[Placement], today: date) -> set[int]:
    """`missing_approvals` of those `placements` whose school side `reader` is on: a
    mentor or a student never learns from a list that a student is a minor.
    """
    seen = [p for p in placements if policy.sees_guardian_approval(reader, p)]
    return missing_approvals(seen, today)


def missing_approvals(placements: list[Placement], today: date) -> set[int]:
    """The ids of those `placements` (loaded with their student, school and workplace)
    that need a guardian's approval and have none that stands: two queries at most,
    however many placements. Placements that are over (completed, stopped or past their
    end) need nothing any more.
    """
    current = [
        p
        for p in placements
        if p.status in (PlacementStatus.ACTIVE, PlacementStatus.PREPARING) and p.end_date >= today
    ]
    minors = [p for p in current if is_minor(p.student, max(p.start_date, today))]
    if not minors:
        return set()
    rules = dict(
        db.session.execute(
            select(SchoolSettings.school_id, SchoolSettings.guardian_approval).where(
                SchoolSettings.school_id.in_({p.school_id for p in minors})
            )
        ).all()
    )
    needing = [
        p
        for p in minors
        if _rule_applies(rules.get(p.school_id, DEFAULT_GUARDIAN_APPROVAL), p.school, p.workplace)
    ]
    if not needing:
        return set()
    approved = set(
        db.session.scalars(
            select(GuardianApproval.placement_id).where(
                GuardianApproval.placement_id.in_([p.id for p in needing]),
                GuardianApproval.revoked_on.is_(None),
            )
        )
    )
    return {p.id for p in needing if p.id not in approved}


def standing_approval(placement: Placement) -> GuardianApproval | None:
    """The latest approval of the placement that was not revoked, or None."""
    return db.session.scalar(
        select(GuardianApproval)
        .where(GuardianApproval.placement_id == placement.id, GuardianApproval.revoked_on.is_(None))
        .order_by(GuardianApproval.approved_on.desc(), GuardianApproval.id.desc())
    )


def approvals_of(placement: Placement) -> list[GuardianApproval]:
    return list(
        db.session.scalars(
            select(GuardianApproval)
            .where(GuardianApproval.placement_id == placement.id)
            .order_by(GuardianApproval.approved_on.desc(), GuardianApproval.id.desc())
        )
    )


@dataclass(frozen=True)
class ApprovalState:
    """What the placement's page says about a guardian's approval."""

    needed: bool
    standing: GuardianApproval | None
    approvals: list[GuardianApproval]

    @property
    def missing(self) -> bool:
        return self.needed and self.standing is None


def approval_state(placement: Placement, today: date) -> ApprovalState:
    needed = needs_approval(
        placement.student, placement.school, placement.workplace, placement.start_date, today
    )
    approvals = approvals_of(placement)
    standing = next((approval for approval in approvals if not approval.is_revoked), None)
    return ApprovalState(needed, standing, approvals)


def missing_approval_message(student: User) -> str:
    return _l(
        "%(name)s is under 18 and the school's rules ask a guardian's approval for this "
        "placement. Save it as in preparation, record the approval on the placement's "
        "page, then make it active.",
        name=student.name,
    )


@dataclass(frozen=True)
class ApprovalRecord:
    guardian_name: str
    text_version: str
    method: ApprovalMethod
    approved_on: date


def record_approval(
    actor: User, placement: Placement, record: ApprovalRecord, today: date
) -> GuardianApproval:
    if record.approved_on > today:
        raise DomainError("approved_on", _l("An approval is recorded once it is given."))
    approval = GuardianApproval(
        placement_id=placement.id,
        guardian_name=record.guardian_name.strip(),
        text_version=record.text_version.strip(),
        method=record.method,
        approved_on=record.approved_on,
        recorded_by_id=actor.id,
    )
    db.session.add(approval)
    db.session.flush()
    audit.record(actor, "guardian_approval_recorded", placement, approval=approval.id)
    db.session.commit()
    return approval


def revoke_approval(actor: User, approval: GuardianApproval, note: str, today: date) -> None:
    """Record that the guardian withdrew the approval (`today`); once only."""
    if approval.is_revoked:
        return
    approval.revoked_on = today
    approval.revoked_by_id = actor.id
    approval.revocation_note = note.strip()
    audit.record(actor, "guardian_approval_revoked", approval, placement=approval.placement_id)
    db.session.commit()
