"""Recording audit events. The caller's service owns the commit."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import AuditEvent, User


def record(actor: User | None, action: str, obj: Any = None, **details: Any) -> AuditEvent:
    """Add an audit event for `actor` doing `action` to `obj` (not committed here)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "id", None),
        details={key: _plain(value) for key, value in details.items()},
    )
    db.session.add(event)
    return event


def _plain(value: Any) -> Any:
    """Keep audit details JSON-serialisable (dates and enums become strings)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)
