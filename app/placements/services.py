"""Reading placements for the people who may see them."""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.orm import aliased, joinedload

from app import policy
from app.extensions import db
from app.models import Organisation, Placement, PlacementStatus, User

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
