"""Reading placements for the people who may see them."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, joinedload

from app import policy
from app.extensions import db
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


def waiting_weeks(user: User, placements: list[Placement]) -> dict[int, dict[ReviewStatus, int]]:
    """What waits for `user` in each placement's log, in one query: the weeks a mentor
    has to approve, the weeks returned to a student.
    """
    waits_for = {}
    for placement in placements:
        if placement.mentor_id == user.id:
            waits_for[placement.id] = ReviewStatus.SUBMITTED
        elif placement.student_id == user.id:
            waits_for[placement.id] = ReviewStatus.RETURNED
    if not waits_for:
        return {}
    rows = db.session.execute(
        select(LogEntry.placement_id, LogEntry.review_status, func.count(LogEntry.id))
        .where(
            LogEntry.placement_id.in_(waits_for),
            LogEntry.review_status.in_((ReviewStatus.SUBMITTED, ReviewStatus.RETURNED)),
        )
        .group_by(LogEntry.placement_id, LogEntry.review_status)
    )
    found: dict[int, dict[ReviewStatus, int]] = {}
    for placement_id, status, count in rows:
        if waits_for[placement_id] == status:
            found.setdefault(placement_id, {})[status] = count
    return found
