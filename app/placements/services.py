"""Reading placements for the people who may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, joinedload

from app import policy
from app.extensions import db
from app.followup.entries import monday_of
from app.models import LogEntry, Organisation, Placement, PlacementStatus, ReviewStatus, User

PLACEMENT_CARD_LOADING = (
    joinedload(Placement.student),
    joinedload(Placement.mentor),
    joinedload(Placement.coach),
    joinedload(Placement.school),
    joinedload(Placement.workplace),
)


def placements_page(
    user: User,
    *,
    page: int,
    per_page: int,
    search: str = "",
    status: PlacementStatus | None = None,
):
    """One page of the placements `user` may see, newest start first, with their people."""
    query = policy.visible_placements(user).options(*PLACEMENT_CARD_LOADING)
    if status is not None:
        query = query.where(Placement.status == status)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        student = aliased(User)
        workplace = aliased(Organisation)
        query = (
            query.join(student, Placement.student_id == student.id)
            .join(workplace, Placement.workplace_id == workplace.id)
            .where(
                or_(
                    db.func.lower(student.name).like(pattern),
                    db.func.lower(workplace.name).like(pattern),
                )
            )
        )
    query = query.order_by(Placement.start_date.desc(), Placement.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


@dataclass
class Waiting:
    """What waits for the reader in one placement's log."""

    to_approve: int = 0  # weeks the mentor has to approve
    returned: int = 0  # weeks returned to the student
    week_to_write: date | None = None  # the student's log of this week is not there yet


def what_waits(user: User, placements: list[Placement], today: date) -> dict[int, Waiting]:
    """What waits for `user` in each placement's log, in at most two queries."""
    mentoring = {p.id for p in placements if p.mentor_id == user.id}
    learning = {p.id for p in placements if p.student_id == user.id}
    found = {placement_id: Waiting() for placement_id in mentoring | learning}
    if not found:
        return {}
    rows = db.session.execute(
        select(LogEntry.placement_id, LogEntry.review_status, func.count(LogEntry.id))
        .where(
            LogEntry.placement_id.in_(found),
            LogEntry.review_status.in_((ReviewStatus.SUBMITTED, ReviewStatus.RETURNED)),
        )
        .group_by(LogEntry.placement_id, LogEntry.review_status)
    )
    for placement_id, status, count in rows:
        if status == ReviewStatus.SUBMITTED and placement_id in mentoring:
            found[placement_id].to_approve = count
        elif status == ReviewStatus.RETURNED and placement_id in learning:
            found[placement_id].returned = count
    this_week = monday_of(today)
    running = {p.id for p in placements if p.id in learning and p.phase_on(today) == "running"}
    if running:
        written = set(
            db.session.scalars(
                select(LogEntry.placement_id).where(
                    LogEntry.placement_id.in_(running), LogEntry.week_start == this_week
                )
            )
        )
        for placement_id in running - written:
            found[placement_id].week_to_write = this_week
    return found
