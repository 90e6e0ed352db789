"""Recording audit events: who (in which role) did what to which object, when, from
which request; ids and numbers only, never what someone wrote. Events are only ever
added (on PostgreSQL the table refuses anything else). The caller's service owns the
commit, except for views, which are recorded on their own.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context

from app.extensions import db
from app.models import AuditEvent, Placement, Role, User

# The role recorded for someone acting outside a placement's trio: their highest.
ROLE_ORDER = (
    Role.ADMIN,
    Role.COORDINATOR,
    Role.COMPANY_COORDINATOR,
    Role.COACH,
    Role.MENTOR,
    Role.STUDENT,
)


def role_of(actor: User | None, placement: Placement | None = None) -> str:
    """`actor`'s part in `placement` when they have one, else their highest role."""
    if actor is None:
        return "system"
    if placement is not None:
        for role, person_id in (
            ("student", placement.student_id),
            ("mentor", placement.mentor_id),
            ("coach", placement.coach_id),
        ):
            if person_id == actor.id:
                return role
    roles = {membership.role for membership in actor.memberships}
    return next((role.value for role in ROLE_ORDER if role in roles), "")


def request_id() -> str:
    return g.get("request_id", "") if has_request_context() else ""


def record(actor: User | None, action: str, obj: Any = None, **details: Any) -> AuditEvent:
    """Add an audit event for `actor` doing `action` to `obj` (not committed here)."""
    placement = obj if isinstance(obj, Placement) else getattr(obj, "placement", None)
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_role=role_of(actor, placement if isinstance(placement, Placement) else None),
        request_id=request_id(),
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "id", None),
        details={key: _plain(value) for key, value in details.items()},
    )
    db.session.add(event)
    return event


def record_view(reader: User, placement: Placement) -> None:
    """Record that someone outside the trio opened the placement's record (committed:
    reading pages commit nothing else).
    """
    record(reader, "record_viewed", placement)
    db.session.commit()


def _plain(value: Any) -> Any:
    """Keep audit details JSON-serialisable (dates and enums become strings)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)
