"""Privacy requests and how they are answered: the access export, erasure requests and
their approval, each audited, each with its due date (one month).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select

from app import audit, policy
from app.dates import local_day
from app.extensions import db
from app.models import (
    Organisation,
    PrivacyRequest,
    RequestKind,
    RequestStatus,
    Role,
    User,
    one_month_after,
)
from app.privacy.erasure import ErasureReport, erase_person
from app.privacy.export import export_archive
from app.privacy.registry import PRIVACY_NOTICE_VERSION

ANSWERED_SHOWN = 20  # answered requests listed under the open ones


def export_person(actor: User | None, person: User, now: datetime) -> bytes:
    """The ZIP of everything held about `person`, exported by `actor` (None: the command
    line), recorded in the audit trail with the number of rows and files it held; an
    open access request of the person is answered by it.
    """
    archive, collected = export_archive(person, now)
    audit.record(
        actor,
        "privacy_export",
        person,
        rows=collected.count,
        files=len(collected.files),
        by="self" if actor is not None and actor.id == person.id else "school",
    )
    if actor is not None and actor.id != person.id:
        for request in _open_requests(person, RequestKind.ACCESS):
            _answer(request, actor, RequestStatus.DONE, "", now)
    db.session.commit()
    return archive


def export_filename(person: User, now: datetime) -> str:
    return f"leerspoor-data-{person.id}-{now:%Y%m%d}.zip"


# -- the privacy notice -----------------------------------------------------------------


# The home page's short privacy notice, true for each role: whose data is kept here and
# why. A person with several roles reads the first of theirs in this order.
NOTICES = {
    Role.STUDENT: _l("Your school keeps your log, scores and plan here for its task."),
    Role.MENTOR: _l(
        "The school keeps the log of the learners you guide here, with your feedback and scores."
    ),
    Role.COACH: _l(
        "Your school keeps its learners' logs, scores and plans here, with what you write."
    ),
    Role.COORDINATOR: _l(
        "Your school keeps its learners' logs, scores and plans here, with what you write."
    ),
    Role.COMPANY_COORDINATOR: _l(
        "The schools keep your company's placements here, with your name and contact details."
    ),
    Role.MONITOR: _l(
        "The sending school keeps the log of the participants you look after here, with what "
        "you write."
    ),
    Role.HOST_COORDINATOR: _l(
        "The sending schools keep their participants' stays here, with the matching and "
        "lodging you enter."
    ),
    Role.PROMOTER: _l(
        "Your consortium keeps its calls, candidates and selection here, with your name on "
        "what you do."
    ),
    Role.ADMIN: _l(
        "You see what the schools keep here only for your task as administrator; what you do "
        "is recorded."
    ),
}


def notice_for(person: User):
    """The short privacy notice of the home page for `person`'s role."""
    for role, notice in NOTICES.items():
        if person.has_role(role):
            return notice
    return _l("The schools you work with keep your data here for their task.")


def notice_pending(person: User) -> bool:
    """Whether `person` has not yet accepted the current privacy notice."""
    return person.privacy_notice_version != PRIVACY_NOTICE_VERSION


def accept_notice(person: User, now: datetime) -> None:
    person.privacy_notice_version = PRIVACY_NOTICE_VERSION
    person.privacy_notice_accepted_at = now
    audit.record(person, "privacy_notice_accepted", person, version=PRIVACY_NOTICE_VERSION)
    db.session.commit()


# -- requests ---------------------------------------------------------------------------


def answering_school(person: User) -> Organisation | None:
    """The school that answers for `person`: where they study or coach (none: admins)."""
    for membership in person.memberships:
        if membership.role in (Role.STUDENT, Role.COACH) and membership.organisation:
            return membership.organisation
    return None


def _open_requests(person: User, kind: RequestKind) -> list[PrivacyRequest]:
    return list(
        db.session.scalars(
            select(PrivacyRequest).where(
                PrivacyRequest.subject_id == person.id,
                PrivacyRequest.kind == kind,
                PrivacyRequest.status == RequestStatus.OPEN,
            )
        )
    )


def open_erasure_request(person: User) -> PrivacyRequest | None:
    requests = _open_requests(person, RequestKind.ERASURE)
    return requests[0] if requests else None


def file_request(
    requested_by: User, person: User, kind: RequestKind, note: str, now: datetime
) -> PrivacyRequest:
    """Record that `person` asks for `kind` (by themselves, or through the school when
    `requested_by` is someone else); an open request of that kind is not doubled.
    """
    existing = _open_requests(person, kind)
    if existing:
        return existing[0]
    school = answering_school(person)
    request = PrivacyRequest(
        kind=kind,
        subject_id=person.id,
        school_id=school.id if school else None,
        requested_by_id=requested_by.id,
        requested_at=now,
        due_on=one_month_after(local_day(now)),
        note=note.strip(),
    )
    db.session.add(request)
    db.session.flush()
    audit.record(requested_by, "privacy_request", request, kind=kind, subject=person.id)
    db.session.commit()
    return request


def requests_for(actor: User) -> tuple[list[PrivacyRequest], list[PrivacyRequest]]:
    """The open requests `actor` answers, the soonest due first, and the latest answered."""
    visible = policy.visible_privacy_requests(actor)
    open_requests = db.session.scalars(
        visible.where(PrivacyRequest.status == RequestStatus.OPEN).order_by(
            PrivacyRequest.due_on, PrivacyRequest.id
        )
    ).all()
    answered = db.session.scalars(
        visible.where(PrivacyRequest.status != RequestStatus.OPEN)
        .order_by(PrivacyRequest.answered_at.desc(), PrivacyRequest.id.desc())
        .limit(ANSWERED_SHOWN)
    ).all()
    return list(open_requests), list(answered)


def count_open(actor: User, today) -> tuple[int, int]:
    """(open, overdue) requests `actor` answers, for the administration's home page."""
    open_requests = (
        policy.visible_privacy_requests(actor)
        .where(PrivacyRequest.status == RequestStatus.OPEN)
        .subquery()
    )
    total, overdue = db.session.execute(
        select(
            db.func.count(), db.func.sum(case((open_requests.c.due_on < today, 1), else_=0))
        ).select_from(open_requests)
    ).one()
    return total, overdue or 0


def _answer(
    request: PrivacyRequest, actor: User, status: RequestStatus, answer: str, now: datetime
) -> None:
    request.status = status
    request.answered_by_id = actor.id
    request.answered_at = now
    request.answer = answer


def describe_kept(report: ErasureReport) -> str:
    """What an erasure kept, in words, for the answer to the person."""
    if not report.kept:
        return _("Everything was erased.")
    parts = [
        _(
            "%(category)s: %(count)d kept (%(retention)s)",
            category=category.title,
            count=count,
            retention=category.retention.label,
        )
        for category, count in report.kept_by_category.items()
    ]
    return _("Kept as the school's record: %(kept)s", kept="; ".join(parts))


def carry_out_erasure(actor: User, request: PrivacyRequest, now: datetime) -> ErasureReport:
    """Erase the request's person and answer the request with what was kept."""
    report = erase_person(actor, request.subject, now)
    _answer(request, actor, RequestStatus.DONE, describe_kept(report), now)
    audit.record(actor, "privacy_request_answered", request, status=RequestStatus.DONE)
    db.session.commit()
    return report


def refuse_request(actor: User, request: PrivacyRequest, reason: str, now: datetime) -> None:
    _answer(request, actor, RequestStatus.REFUSED, reason.strip(), now)
    audit.record(actor, "privacy_request_answered", request, status=RequestStatus.REFUSED)
    db.session.commit()
