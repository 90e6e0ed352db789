"""Recording audit events: who (in which role) did what to which object, when, from
which request; ids and numbers only, never what someone wrote. Events are only ever
added (on PostgreSQL the table refuses anything else). The caller's service owns the
commit, except for views: a route notes them, and they are recorded on their own once
the answer is known, never for a refused request.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    AuditEvent,
    DevelopmentPlan,
    Goal,
    LogEntry,
    Placement,
    Role,
    User,
    Visit,
)

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
            ("monitor", placement.monitor_id),
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


def has_changes(*objects: Any) -> bool:
    """Whether any of `objects` is new or holds a value that differs from what is stored.

    A form saved exactly as it was shown holds none: its service then writes and records
    nothing, so an audit trail lists what people changed, not what they looked at.
    """
    return any(obj in db.session.new or db.session.is_modified(obj) for obj in objects)


def init_app(app: Flask) -> None:
    app.after_request(record_noted_views)


def note_view(reader: User, placement: Placement) -> None:
    """Note that `reader` opened the placement's record in this request, to be recorded
    once its answer is known (`record_noted_views`). The trio's own reading of their log
    is their daily work, not recorded.
    """
    if reader.id in (placement.student_id, placement.mentor_id, placement.coach_id):
        return
    g.setdefault("viewed_records", set()).add((reader.id, placement.id))


def record_noted_views(response: Response) -> Response:
    """Record the views noted in this request, once each, unless it was refused or failed
    (an answer of 400 or more). Committed on their own: the session is rolled back first,
    as reading a page commits nothing else.
    """
    views = g.pop("viewed_records", None)
    if not views or response.status_code >= 400:
        return response
    db.session.rollback()
    for reader_id, placement_id in sorted(views):
        reader = db.session.get(User, reader_id)
        record(reader, "record_viewed", db.session.get(Placement, placement_id))
    db.session.commit()
    return response


def _plain(value: Any) -> Any:
    """Keep audit details JSON-serialisable (dates and enums become strings)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)


# -- reading the trail ------------------------------------------------------------------

ACTION_LABELS = {
    "record_viewed": _l("Opened the record"),
    "entry_created": _l("Wrote an entry"),
    "entry_updated": _l("Changed an entry"),
    "comment_added": _l("Commented on an entry"),
    "coach_only_changed": _l("Changed who may read an entry"),
    "attachment_removed": _l("Removed evidence"),
    "week_approved": _l("Approved a week"),
    "week_returned": _l("Returned a week"),
    "weeks_approved": _l("Approved several weeks"),
    "concern.resolve": _l("Resolved a concern"),
    "registered": _l("Registered competence levels"),
    "rubric_scored": _l("Scored the rubric"),
    "training_plan_saved": _l("Changed the training plan"),
    "goal_created": _l("Added a goal"),
    "goal_commented": _l("Commented on a goal"),
    "plan.approve": _l("Approved the development plan"),
    "visit.cancel": _l("Cancelled a visit"),
    "visit.finalise": _l("Finalised a visit report"),
    "visit.amend": _l("Amended a visit report"),
    "visit.confirm": _l("Confirmed a visit report"),
    "placement_created": _l("Created the placement"),
    "placement_updated": _l("Changed the placement"),
    "mentor_link_opened": _l("Opened a quick link"),
    "mentor_link_used": _l("Used a quick link"),
    "mentor_link_refused": _l("Was refused a quick link"),
    "guardian_approval_recorded": _l("Recorded a guardian's approval"),
    "guardian_approval_revoked": _l("Recorded that a guardian revoked an approval"),
    "placement_matched": _l("Matched the host workplace, mentor and monitor"),
    "host_workplace_created": _l("Added a host workplace abroad"),
    "lodging_added": _l("Added a lodging"),
    "lodging_removed": _l("Removed a lodging"),
    "agreement_started": _l("Started the learning agreement"),
    "agreement_updated": _l("Changed the learning agreement"),
    "agreement_version_created": _l("Made a new version of the learning agreement"),
    "agreement_signed": _l("Signed the learning agreement"),
    "agreement_link_sent": _l("Sent the host a link to sign the learning agreement"),
    "agreement_link_refused": _l("A link to sign the learning agreement was refused"),
    "stage_report_saved": _l("Saved the stage report"),
    "stage_report_submitted": _l("Submitted the stage report"),
    "stage_report_returned": _l("Sent the stage report back"),
    "eu_survey_confirmed": _l("Confirmed the EU participant survey"),
    "final_scores_confirmed": _l("Confirmed the final scores"),
    "mobility_closed": _l("Closed the mobility and signed off its Europass record"),
}

# What an event's object is, in words.
OBJECT_LABELS = {
    "placement": _l("the placement"),
    "logentry": _l("entry %(id)s"),
    "goal": _l("goal %(id)s"),
    "visit": _l("visit %(id)s"),
    "developmentplan": _l("the development plan"),
}


def role_label(role: str) -> str:
    """The recorded role in words: a role, or the part in the placement."""
    if role in {member.value for member in Role}:
        return str(Role(role).label)
    return str(PART_LABELS.get(role, role))


PART_LABELS = {"system": _l("Leerspoor")}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def object_label(event: AuditEvent) -> str:
    label = OBJECT_LABELS.get(event.object_type)
    return str(label) % {"id": event.object_id} if label else event.object_type


def placement_trail(placement: Placement, *, page: int, per_page: int):
    """One page of the events about a placement and what belongs to it, newest first."""
    owned = {
        "placement": select(Placement.id).where(Placement.id == placement.id),
        "logentry": select(LogEntry.id).where(LogEntry.placement_id == placement.id),
        "goal": select(Goal.id).where(Goal.placement_id == placement.id),
        "visit": select(Visit.id).where(Visit.placement_id == placement.id),
        "developmentplan": select(DevelopmentPlan.id).where(
            DevelopmentPlan.placement_id == placement.id
        ),
    }
    query = (
        select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .where(
            or_(
                *(
                    (AuditEvent.object_type == kind) & AuditEvent.object_id.in_(ids)
                    for kind, ids in owned.items()
                )
            )
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
