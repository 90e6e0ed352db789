"""The mobility file of a placement abroad: what it holds, who delivers and checks each
item, and whether the placement may start.

An item is missing, delivered (a proof is in, the school has not checked it), approved or
not needed. Two items depend on facts, read whenever the file is: the training company's
approval is needed when the participant is a dual learner (a dual placement of theirs
overlaps the stay), a guardian's approval when they are under 18 on the first day of the
stay; that approval is the placement's `GuardianApproval` (given through the e-mailed
link or recorded by the school on paper), so the placement's page and this file never
disagree.

Other slices deliver their items through `mark_delivered` (the CV and expectations form
filled in, the learning agreement signed by all three) and `mark_missing` (a new version
of the agreement); until they do, an upload counts.

Services take plain arguments, check the domain rules, record the audit event, commit,
and then announce the item done (`signals.mobility_item_done`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from app import audit, guardianlinks, signals
from app.dates import LONG_DATE, format_day
from app.domain import DomainError
from app.extensions import db
from app.followup.evidence import attachment_filename, checked_file
from app.guardianlinks import DONE, LinkProblem
from app.mobility.tokens import APPROVAL
from app.models import (
    ApprovalMethod,
    GuardianApproval,
    Membership,
    Placement,
    PlacementKind,
    PlacementStatus,
    Role,
    User,
)
from app.models.columns import utcnow
from app.models.mobility import (
    DEFAULT_DAYS_BEFORE,
    OWNERS,
    GuardianAnswer,
    GuardianLink,
    ItemKind,
    ItemOwner,
    ItemStatus,
    MobilityItem,
)
from app.privacy import minors
from app.storage import file_storage, new_key

# How long a guardian's link works.
GUARDIAN_LINK_DAYS = APPROVAL.days
# The text a guardian approves through the link, as `GuardianApproval.text_version`.
GUARDIAN_TEXT_VERSION = "mobility-link-1"
# Placements whose file can still change: before and during the stay.
OPEN_STATUSES = (PlacementStatus.PREPARING, PlacementStatus.ACTIVE)
# Items that are given in the app, never as an upload: the guardian's approval has the
# link and the school's paper record on the placement's page.
NO_UPLOAD = (ItemKind.GUARDIAN_APPROVAL,)


def is_mobility(placement: Placement) -> bool:
    return placement.kind == PlacementKind.MOBILITY_ABROAD


# -- reading a file ---------------------------------------------------------------------


@dataclass
class FileItem:
    """One item as the file shows it: its status worked out from the facts."""

    kind: ItemKind
    status: ItemStatus
    deadline: date
    row: MobilityItem | None = None

    @property
    def owner(self) -> ItemOwner:
        return OWNERS[self.kind]

    @property
    def missing(self) -> bool:
        return self.status == ItemStatus.MISSING

    @property
    def declined(self) -> bool:
        return self.row is not None and self.row.declined and self.missing

    @property
    def has_file(self) -> bool:
        return self.row is not None and self.row.has_file

    def overdue(self, today: date) -> bool:
        return self.missing and today > self.deadline


@dataclass
class MobilityFile:
    placement: Placement
    items: list[FileItem]
    minor: bool
    dual_placements: list[Placement] = field(default_factory=list)
    guardian_approval: GuardianApproval | None = None
    guardian_link: GuardianLink | None = None  # the latest link sent

    @property
    def missing(self) -> list[FileItem]:
        return [item for item in self.items if item.missing]

    @property
    def complete(self) -> bool:
        return not self.missing

    def item(self, kind: ItemKind) -> FileItem:
        return next(item for item in self.items if item.kind == kind)

    @property
    def needs_company(self) -> bool:
        return bool(self.dual_placements)


def default_deadline(start_date: date, kind: ItemKind) -> date:
    return start_date - timedelta(days=DEFAULT_DAYS_BEFORE[kind])


@dataclass(frozen=True)
class Stay:
    """What a file's needs are worked out from: whose stay, from when to when."""

    placement_id: int | None  # None: a placement not saved yet
    student: User
    start_date: date
    end_date: date


def dual_overlapping(student_id: int, start: date, end: date):
    """SQL: the student's dual placements (in preparation or running) that overlap the
    days from `start` to `end`.
    """
    return and_(
        Placement.student_id == student_id,
        Placement.kind == PlacementKind.DUAL_LEARNING,
        Placement.status.in_(OPEN_STATUSES),
        Placement.start_date <= end,
        Placement.end_date >= start,
    )


def files_of(placements: Iterable[Placement]) -> dict[int, MobilityFile]:
    """The mobility files of those `placements` that go abroad (loaded with their
    student), in four queries however many there are.
    """
    mobilities = {p.id: p for p in placements if is_mobility(p)}
    stays = [Stay(p.id, p.student, p.start_date, p.end_date) for p in mobilities.values()]
    return {
        stay.placement_id: MobilityFile(mobilities[stay.placement_id], *facts)
        for stay, facts in _facts(stays).items()
    }


def file_of(placement: Placement) -> MobilityFile:
    return files_of([placement])[placement.id]


def _facts(stays: list[Stay]) -> dict[Stay, tuple]:
    """Per stay: its items, whether the participant is a minor, the dual placements it
    overlaps, the guardian's standing approval and the latest link sent to a guardian.
    """
    if not stays:
        return {}
    ids = [stay.placement_id for stay in stays if stay.placement_id is not None]
    rows: dict[tuple[int, ItemKind], MobilityItem] = {}
    approvals: dict[int, GuardianApproval] = {}
    links: dict[int, GuardianLink] = {}
    if ids:
        rows = {
            (row.placement_id, row.kind): row
            for row in db.session.scalars(
                select(MobilityItem).where(MobilityItem.placement_id.in_(ids))
            )
        }
        for approval in db.session.scalars(
            select(GuardianApproval)
            .where(GuardianApproval.placement_id.in_(ids), GuardianApproval.revoked_on.is_(None))
            .order_by(GuardianApproval.approved_on, GuardianApproval.id)
        ):
            approvals[approval.placement_id] = approval  # the latest stands
        for link in db.session.scalars(
            select(GuardianLink).where(GuardianLink.placement_id.in_(ids)).order_by(GuardianLink.id)
        ):
            links[link.placement_id] = link  # the latest
    overlapping = or_(
        *(dual_overlapping(stay.student.id, stay.start_date, stay.end_date) for stay in stays)
    )
    duals = list(db.session.scalars(select(Placement).where(overlapping).order_by(Placement.id)))
    facts = {}
    for stay in stays:
        own_duals = [
            dual
            for dual in duals
            if dual.student_id == stay.student.id
            and dual.start_date <= stay.end_date
            and dual.end_date >= stay.start_date
        ]
        minor = minors.is_minor(stay.student, stay.start_date)
        items = []
        for kind in ItemKind:
            row = rows.get((stay.placement_id, kind))
            deadline = (row.deadline if row else None) or default_deadline(stay.start_date, kind)
            status = row.status if row else ItemStatus.MISSING
            if kind == ItemKind.COMPANY_APPROVAL and not own_duals:
                status = ItemStatus.NOT_NEEDED
            elif kind == ItemKind.GUARDIAN_APPROVAL:
                if not minor:
                    status = ItemStatus.NOT_NEEDED
                elif stay.placement_id in approvals:
                    status = ItemStatus.APPROVED
                else:
                    status = ItemStatus.MISSING
            items.append(FileItem(kind, status, deadline, row))
        facts[stay] = (
            items,
            minor,
            own_duals,
            approvals.get(stay.placement_id),
            links.get(stay.placement_id),
        )
    return facts


def missing_message(missing: list[FileItem]):
    return _l(
        "A mobility abroad cannot become active while its mobility file misses: %(items)s. "
        "Save it as in preparation and complete the file first.",
        items=", ".join(str(item.kind.label).lower() for item in missing),
    )


def check_can_start(stay: Stay) -> None:
    """Refuse to make a mobility active while an item of its file is missing, naming
    them all. The file is read with the student and dates the form has (a new start
    may make the participant a minor); a placement not saved yet has an empty file.
    """
    ((items, *_rest),) = _facts([stay]).values()
    missing = [item for item in items if item.missing]
    if missing:
        raise DomainError("status", missing_message(missing))


# -- changing an item -------------------------------------------------------------------


def _row(placement: Placement, kind: ItemKind) -> MobilityItem:
    """The item's row, added when nothing happened to it yet (not committed)."""
    row = db.session.scalar(
        select(MobilityItem).where(
            MobilityItem.placement_id == placement.id, MobilityItem.kind == kind
        )
    )
    if row is None:
        row = MobilityItem(placement_id=placement.id, kind=kind, status=ItemStatus.MISSING)
        db.session.add(row)
    return row


def _check_open(placement: Placement) -> None:
    if placement.status not in OPEN_STATUSES:
        raise DomainError("file", _l("This placement is over: its mobility file is closed."))


def _commit(placement: Placement, kind: ItemKind, by: User | None, *, done: bool = True) -> None:
    """Commit (a second first change of the same item at the same moment loses), then
    announce the item done when it is delivered or approved.
    """
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise DomainError(
            "file", _l("Someone changed this item at the same moment. Try again.")
        ) from error
    if done:
        signals.mobility_item_done.send(placement, kind=kind, by=by)


def _decide(row: MobilityItem, status: ItemStatus, by: User | None, note: str = "") -> None:
    row.status = status
    row.decided_by_id = by.id if by is not None else None
    row.decided_at = utcnow()
    row.note = note.strip()
    row.declined = False


def deliver_file(
    placement: Placement, kind: ItemKind, by: User, filename: str, stream: BinaryIO
) -> MobilityItem:
    """Keep a proof (a photo or a PDF, checked like the log's evidence) for an item: it
    is delivered, and waits for the school to check it. A new file replaces the one
    before. The caller has checked that `by` may deliver this item.
    """
    _check_open(placement)
    if kind in NO_UPLOAD:
        raise DomainError("file", _l("This approval is not given as a file."))
    data, content_type = checked_file(stream)
    storage = file_storage()
    key = new_key()
    size = storage.save(key, io.BytesIO(data))
    row = _row(placement, kind)
    replaced = row.storage_key
    row.filename = attachment_filename(filename, content_type)
    row.content_type = content_type
    row.size = size
    row.storage_key = key
    row.uploaded_by_id = by.id
    row.uploaded_at = utcnow()
    _decide(row, ItemStatus.DELIVERED, by)
    db.session.flush()
    audit.record(by, "mobility_item_delivered", placement, item=kind, file=True)
    try:
        _commit(placement, kind, by)
    except BaseException:
        storage.delete(key)  # no row names it
        raise
    if replaced:
        storage.delete(replaced)
    return row


def open_file(row: MobilityItem) -> BinaryIO:
    """The stored proof; FileNotFoundError when it has gone missing."""
    return file_storage().open(row.storage_key)


def mark_delivered(placement: Placement, kind: ItemKind, by: User | None) -> None:
    """Another part of Leerspoor delivered an item (the CV and expectations form filled
    in, the learning agreement signed by all three): it waits for the school's check,
    unless the school approved it already.
    """
    row = _row(placement, kind)
    if row.status in (ItemStatus.DELIVERED, ItemStatus.APPROVED):
        return
    _decide(row, ItemStatus.DELIVERED, by)
    db.session.flush()
    audit.record(by, "mobility_item_delivered", placement, item=kind)
    _commit(placement, kind, by)


def mark_missing(placement: Placement, kind: ItemKind, by: User | None, note: str = "") -> None:
    """An item delivered elsewhere no longer holds (a new version of the learning
    agreement waits for its signatures): it is missing again.
    """
    row = _row(placement, kind)
    if row.status == ItemStatus.MISSING:
        return
    _decide(row, ItemStatus.MISSING, by, note)
    db.session.flush()
    audit.record(by, "mobility_item_reopened", placement, item=kind)
    _commit(placement, kind, by, done=False)


def review_item(placement: Placement, kind: ItemKind, by: User, *, accept: bool, note: str) -> None:
    """The school checks a delivered item: accepted, it is approved; sent back (with the
    reason), it is missing again and its owner delivers anew.
    """
    _check_open(placement)
    row = _row(placement, kind)
    if accept:
        if row.status != ItemStatus.DELIVERED:
            raise DomainError("note", _l("Only a delivered item can be accepted."))
        _decide(row, ItemStatus.APPROVED, by, note)
    else:
        if row.status not in (ItemStatus.DELIVERED, ItemStatus.APPROVED):
            raise DomainError("note", _l("Only a delivered or approved item can be sent back."))
        if not note.strip():
            raise DomainError("note", _l("Say why it is sent back, so it can be put right."))
        _decide(row, ItemStatus.MISSING, by, note)
    db.session.flush()
    audit.record(by, "mobility_item_reviewed", placement, item=kind, accepted=accept)
    _commit(placement, kind, by, done=accept)


def set_deadline(placement: Placement, kind: ItemKind, by: User, deadline: date) -> bool:
    """Move an item's deadline; it falls on or before the first day of the stay.
    Returns whether anything changed.
    """
    _check_open(placement)
    if deadline > placement.start_date:
        raise DomainError(
            "deadline", _l("A deadline falls on or before the first day of the stay.")
        )
    row = _row(placement, kind)
    if deadline == (row.deadline or default_deadline(placement.start_date, kind)):
        if row.id is None:
            db.session.expunge(row)
        return False  # saved as shown: nothing to write
    row.deadline = deadline
    db.session.flush()
    audit.record(by, "mobility_deadline_moved", placement, item=kind, deadline=deadline)
    db.session.commit()
    return True


def approve_participation(placement: Placement, student: User, signed_name: str) -> None:
    """The participant approves taking part, with their name typed."""
    _check_open(placement)
    row = _row(placement, ItemKind.PARTICIPANT_APPROVAL)
    if row.status == ItemStatus.APPROVED:
        raise DomainError("signed_name", _l("You approved this already."))
    _decide(row, ItemStatus.APPROVED, student)
    row.signed_name = signed_name.strip()
    db.session.flush()
    audit.record(student, "mobility_participation_approved", placement)
    _commit(placement, ItemKind.PARTICIPANT_APPROVAL, student)


def answer_for_company(
    placement: Placement, by: User, *, approve: bool, signed_name: str, note: str
) -> None:
    """The training company of a dual learner approves the stay abroad (its dual
    agreement keeps running) or declines it, with the reason. The caller has checked
    that `by` speaks for that company (`policy.can_give_company_approval`).
    """
    _check_open(placement)
    if not file_of(placement).needs_company:
        raise DomainError("signed_name", _l("No training company needs to approve this stay."))
    row = _row(placement, ItemKind.COMPANY_APPROVAL)
    if approve:
        _decide(row, ItemStatus.APPROVED, by, note)
    else:
        if not note.strip():
            raise DomainError("note", _l("Say why the company does not approve."))
        _decide(row, ItemStatus.MISSING, by, note)
        row.declined = True
    row.signed_name = signed_name.strip()
    db.session.flush()
    audit.record(by, "mobility_company_answered", placement, approved=approve)
    _commit(placement, ItemKind.COMPANY_APPROVAL, by, done=approve)


def company_recipients(files: Iterable[MobilityFile]) -> dict[int, set[int]]:
    """Per placement, who speaks for its participant's training companies: the mentors
    of the dual placements it overlaps and the coordinators of those companies (one
    query).
    """
    files = list(files)
    workplaces = {dual.workplace_id for f in files for dual in f.dual_placements}
    coordinators: dict[int, set[int]] = {}
    if workplaces:
        for user_id, organisation_id in db.session.execute(
            select(Membership.user_id, Membership.organisation_id).where(
                Membership.role == Role.COMPANY_COORDINATOR,
                Membership.organisation_id.in_(workplaces),
            )
        ):
            coordinators.setdefault(organisation_id, set()).add(user_id)
    return {
        f.placement.id: {dual.mentor_id for dual in f.dual_placements}
        | {uid for dual in f.dual_placements for uid in coordinators.get(dual.workplace_id, ())}
        for f in files
    }


# -- a guardian's approval through a link ----------------------------------------------


def send_guardian_link(
    placement: Placement, by: User, *, guardian_name: str, email: str, language: str
) -> GuardianLink:
    """E-mail a parent or guardian a link to approve the minor's stay abroad, once. A
    link sent before stops working: only the latest counts.
    """
    _check_open(placement)
    found = file_of(placement)
    if not found.minor:
        raise DomainError(
            "email", _l("The participant is of age when the stay starts: no guardian approves.")
        )
    if found.guardian_approval is not None:
        raise DomainError("email", _l("A guardian's approval is recorded already."))
    return guardianlinks.send_link(
        APPROVAL,
        placement,
        by,
        guardian_name=guardian_name,
        email=email,
        language=language,
        mail=_mail_guardian,
    )


def _mail_guardian(link: GuardianLink, address: str) -> tuple[str, str]:
    placement = link.placement
    subject = _(
        "Your approval for %(student)s's work placement abroad", student=placement.student.name
    )
    body = _(
        "Hello %(guardian)s,\n\n%(school)s asks your approval for %(student)s to take "
        "part in a work placement abroad at %(place)s, from %(start)s to %(end)s, as "
        "part of Erasmus+.\n\nRead what it involves and approve or decline with this "
        "link. It works once, until %(until)s:\n\n%(link)s\n\nQuestions? Contact "
        "%(coach)s at the school.\n",
        guardian=link.guardian_name,
        school=placement.school.name,
        student=placement.student.name,
        place=destination(placement),
        start=format_day(placement.start_date, LONG_DATE),
        end=format_day(placement.end_date, LONG_DATE),
        until=format_day(link.expires_at, LONG_DATE),
        link=address,
        coach=placement.coach.name,
    )
    return subject, body


def destination(placement: Placement) -> str:
    """Where the stay is: the workplace's city and country."""
    workplace = placement.workplace
    return ", ".join(part for part in (workplace.name, workplace.city, workplace.country) if part)


def check_guardian_link(link: GuardianLink, now: datetime) -> None:
    """Raise `LinkProblem` when the link may not be answered now: as any guardian's link
    (`guardianlinks.check_link`), or because no answer is needed any more (`DONE`).
    """
    guardianlinks.check_link(link, now)
    placement = link.placement
    found = file_of(placement)
    if (
        placement.status not in OPEN_STATUSES
        or not found.minor
        or found.guardian_approval is not None
    ):
        raise LinkProblem(DONE)


def answer_guardian_link(
    link: GuardianLink, *, approve: bool, signed_name: str, note: str, now: datetime
) -> None:
    """The guardian's answer, once: an approval becomes the placement's guardian's
    approval (method: online), as a paper one recorded by the school would.
    """
    check_guardian_link(link, now)
    guardianlinks.claim_link(
        link,
        now,
        signed_name=signed_name,
        decision=GuardianAnswer.APPROVED if approve else GuardianAnswer.DECLINED,
        note=note.strip(),
    )
    if approve:
        approval = GuardianApproval(
            placement_id=link.placement_id,
            guardian_name=link.answered_name,
            text_version=GUARDIAN_TEXT_VERSION,
            method=ApprovalMethod.ONLINE,
            approved_on=now.date(),
            recorded_by_id=link.sent_by_id,
        )
        db.session.add(approval)
        db.session.flush()
        link.approval_id = approval.id
    audit.record(None, "guardian_link_answered", link.placement, link=link.id, approved=approve)
    _commit(link.placement, ItemKind.GUARDIAN_APPROVAL, None, done=approve)


def owners_of(found: MobilityFile, item: FileItem, companies: dict[int, set[int]]) -> set[int]:
    """Who is reminded of a missing item: the participant of theirs, the coach of the
    school's and of a guardian's (the guardian has no account: the school follows it
    up), the training company's people of its approval (`company_recipients`).
    """
    placement = found.placement
    match item.owner:
        case ItemOwner.PARTICIPANT:
            return {placement.student_id}
        case ItemOwner.COMPANY:
            return companies.get(placement.id, set())
    return {placement.coach_id}


def stays_to_approve(user: User, dual: Placement) -> list[Placement]:
    """The stays abroad of `dual`'s student that overlap it and still wait for the
    approval `user` gives for its company (as its mentor or company coordinator).
    """
    speaks_for_company = user.id == dual.mentor_id or dual.workplace_id in user.organisation_ids(
        Role.COMPANY_COORDINATOR
    )
    if dual.kind != PlacementKind.DUAL_LEARNING or not speaks_for_company:
        return []
    stays = db.session.scalars(
        select(Placement)
        .where(
            Placement.student_id == dual.student_id,
            Placement.kind == PlacementKind.MOBILITY_ABROAD,
            Placement.status.in_(OPEN_STATUSES),
            Placement.start_date <= dual.end_date,
            Placement.end_date >= dual.start_date,
        )
        .order_by(Placement.start_date)
    ).all()
    return [
        found.placement
        for found in files_of(stays).values()
        if found.item(ItemKind.COMPANY_APPROVAL).missing
    ]
