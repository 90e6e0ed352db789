"""The forms saved while the person types, and who may keep a draft of each: the same
rules, through `app.policy`, as the form's own route. A learning agreement or any other
long text form joins by adding its endpoint here and `data-autosave` to its `<form>`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from werkzeug.exceptions import HTTPException

from app import policy
from app.followup.entries import KINDS_BY_ACTOR
from app.models import GoalState, User, VisitStatus


def _create_entry(user: User, placement_id: int, kind: str) -> bool:
    placement = policy.placement_or_404(placement_id, user, "view_log")
    actor = policy.actor_in(user, placement)
    return (
        policy.can_write_log(user, placement)
        and actor is not None
        and kind in {k.value for k in KINDS_BY_ACTOR[actor]}
    )


def _edit_entry(user: User, placement_id: int, entry_id: int) -> bool:
    placement = policy.placement_or_404(placement_id, user, "view_log")
    return policy.can_edit_entry(user, policy.entry_or_404(placement, entry_id, user))


def _write_report(user: User, placement_id: int, visit_id: int) -> bool:
    placement = policy.placement_or_404(placement_id, user, "view_log")
    visit = policy.visit_or_404(placement, visit_id)
    return (
        policy.can_coach_visits(user, placement)
        and visit.status != VisitStatus.CANCELLED
        and not visit.is_final
    )


def _create_goal(user: User, placement_id: int) -> bool:
    return policy.can_write_plan(user, policy.placement_or_404(placement_id, user, "view_log"))


def _edit_goal(user: User, placement_id: int, goal_id: int) -> bool:
    placement = policy.placement_or_404(placement_id, user, "view_log")
    goal = policy.goal_or_404(placement, goal_id)
    return policy.can_edit_plan(user, placement) and goal.state == GoalState.OPEN


def _edit_agreement(user: User, placement_id: int) -> bool:
    placement = policy.agreement_placement_or_404(placement_id, user)
    return policy.can_draft_agreement(user, placement)


# The weekly log and every other entry of the log (feedback, visit notes…), the visit
# report, the goals of the development plan and a mobility's learning agreement.
AUTOSAVED: dict[str, Callable[..., bool]] = {
    "followup.create_entry": _create_entry,
    "followup.edit_entry": _edit_entry,
    "visits.write_report": _write_report,
    "plans.create_goal": _create_goal,
    "plans.edit_goal": _edit_goal,
    "agreements.edit_agreement": _edit_agreement,
}


def may_autosave(user: User, path: str) -> bool:
    """Whether `path` is the page of a form saved while typing that `user` may write."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, arguments = adapter.match(path, method="GET")
        check = AUTOSAVED.get(endpoint)
        return check is not None and check(user, **arguments)
    except HTTPException:  # no such page, or one this person may not see
        return False
