"""The agenda of a visit, drawn from the facts of the placement: every reason the
caseload gives for attention (the caseload's own rules, not a copy of them), where
student, mentor and coach differ by two levels or more, what was planned at the
workplace but never came up there, how the student's wellbeing goes, open concerns,
overdue actions, a development plan that is empty or not approved, and who has not
scored any indicator yet.

The agenda is kept as plain facts (ids and numbers, no text in any language) so a final
report keeps the agenda it was discussed with, and each reader sees it in their own
language and only what they may see (the mentor never sees wellbeing or a concern meant
for the school).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import policy
from app.caseload.services import Reason, assess
from app.competences.services import build_matrix, framework_of
from app.content.services import localised
from app.dates import SHORT_DATE, SHORT_DAY_MONTH, format_day
from app.extensions import db
from app.followup.entries import wellbeing_trend
from app.models import (
    Action,
    ActionState,
    Actor,
    EntryKind,
    LogEntry,
    Placement,
    Registration,
    User,
    live_actions,
)
from app.plans.services import plan_state

ATTENTION = "attention"
PLAN = "plan"
REGISTRATIONS = "registrations"
DIVERGENCE = "divergence"
NOT_AT_WORKPLACE = "not_at_workplace"
WELLBEING = "wellbeing"
CONCERN = "concern"
OVERDUE = "overdue"

SECTIONS = (
    (ATTENTION, _l("Needs attention")),
    (PLAN, _l("Development plan")),
    (REGISTRATIONS, _l("Competence scores")),
    (DIVERGENCE, _l("Where you see it differently")),
    (NOT_AT_WORKPLACE, _l("Planned at the workplace, not come up there yet")),
    (WELLBEING, _l("Wellbeing")),
    (CONCERN, _l("Open concerns")),
    (OVERDUE, _l("Overdue actions and agreements")),
)
# Weeks compared to tell whether wellbeing goes up or down.
TREND_WEEKS = 3


def gather(placement: Placement, today: date) -> list[dict]:
    """The agenda's facts as they are today, in the order of `SECTIONS`."""
    this = select(Placement).where(Placement.id == placement.id)
    # Every reason, wellbeing too: `render` shows each reader only what they may see.
    row = assess(this, today, wellbeing=select(Placement.id).where(Placement.id == placement.id))
    items: list[dict] = [{"kind": ATTENTION, **reason.facts()} for reason in row[0].reasons]
    if (state := plan_state(placement)) is not None:
        items.append({"kind": PLAN, "state": state})
    framework = framework_of(placement)
    if framework is not None:
        scored = set(
            db.session.scalars(
                select(Registration.actor)
                .where(
                    Registration.placement_id == placement.id,
                    Registration.framework_id == placement.framework_id,
                )
                .distinct()
            )
        )
        items += [
            {"kind": REGISTRATIONS, "actor": actor.value}
            for actor in (Actor.STUDENT, Actor.MENTOR, Actor.COACH)
            if actor not in scored
        ]
    if framework is not None:
        matrix = build_matrix(placement, framework)
        for row in matrix.rows:
            for indicator in row.indicators:
                if indicator.divergent:
                    items.append(
                        {
                            "kind": DIVERGENCE,
                            "competence": row.competence.id,
                            "indicator": indicator.indicator.id,
                            "levels": {
                                actor.value: cell.level
                                for actor, cell in indicator.cells.items()
                                if cell is not None and cell.level is not None
                            },
                        }
                    )
        for row in matrix.rows:
            if row.missing_at_workplace:
                items.append(
                    {
                        "kind": NOT_AT_WORKPLACE,
                        "competence": row.competence.id,
                        "period": row.plan.period,
                    }
                )
    weeks = [(week.isoformat(), level) for week, level in wellbeing_trend(placement)]
    if any(level is not None for _week, level in weeks):
        items.append({"kind": WELLBEING, "weeks": weeks})
    concerns = db.session.scalars(
        select(LogEntry.id)
        .where(
            LogEntry.placement_id == placement.id,
            LogEntry.kind == EntryKind.CONCERN,
            LogEntry.resolved_at.is_(None),
        )
        .order_by(LogEntry.created_at)
    )
    items += [{"kind": CONCERN, "entry": entry_id} for entry_id in concerns]
    overdue = db.session.scalars(
        select(Action.id)
        .where(
            Action.placement_id == placement.id,
            Action.state == ActionState.OPEN,
            Action.due_date < today,
            live_actions(),
        )
        .order_by(Action.due_date, Action.id)
    )
    items += [{"kind": OVERDUE, "action": action_id} for action_id in overdue]
    return items


@dataclass
class AgendaItem:
    title: str
    detail: str = ""
    url: str = ""
    levels: dict[str, int] | None = None


@dataclass
class AgendaSection:
    kind: str
    title: str
    items: list[AgendaItem]


def trend(levels: list[int]) -> str:
    """ "down", "up" or "steady": the mean of the last weeks against the weeks before."""
    if len(levels) < 2 * TREND_WEEKS:
        recent, before = levels[-1:], levels[:-1]
    else:
        recent, before = levels[-TREND_WEEKS:], levels[-2 * TREND_WEEKS : -TREND_WEEKS]
    if not before:
        return "steady"
    change = sum(recent) / len(recent) - sum(before) / len(before)
    if change <= -0.5:
        return "down"
    if change >= 0.5:
        return "up"
    return "steady"


TREND_LABELS = {
    "down": _l("going down"),
    "up": _l("going up"),
    "steady": _l("steady"),
}


PLAN_STATES = {
    "empty": _l("The development plan has no goal the student works on yet"),
    "draft": _l("The development plan is not approved yet"),
    "changed": _l("Goals changed since the development plan was approved"),
}
NOT_SCORED = {
    "student": _l("The student has not scored any indicator yet"),
    "mentor": _l("The mentor has not scored any indicator yet"),
    "coach": _l("The coach has not scored any indicator yet"),
}


def render(placement: Placement, items: list[dict], reader: User) -> list[AgendaSection]:
    """The agenda in the reader's language, with only what the reader may see (two
    queries at most: the concerns and the actions it names).
    """
    framework = framework_of(placement)
    competences = {c.id: c for c in framework.competences} if framework else {}
    indicators = {i.id: i for c in competences.values() for i in c.indicators}
    entry_ids = [item["entry"] for item in items if item["kind"] == CONCERN]
    action_ids = [item["action"] for item in items if item["kind"] == OVERDUE]
    entries = (
        {
            e.id: e
            for e in db.session.scalars(
                select(LogEntry).where(
                    LogEntry.id.in_(entry_ids), policy.entry_visibility(reader, placement)
                )
            )
        }
        if entry_ids
        else {}
    )
    actions = (
        {a.id: a for a in db.session.scalars(select(Action).where(Action.id.in_(action_ids)))}
        if action_ids
        else {}
    )
    sections = {kind: AgendaSection(kind, str(title), []) for kind, title in SECTIONS}
    for item in items:
        kind = item["kind"]
        if kind == ATTENTION:
            if policy.sees_reason(reader, placement, item["reason"]):
                reason = Reason.from_facts(item)
                sections[kind].items.append(
                    AgendaItem(title=reason.text, url=reason.url(placement.id))
                )
        elif kind == PLAN:
            sections[kind].items.append(
                AgendaItem(
                    title=str(PLAN_STATES[item["state"]]),
                    url=url_for("plans.show_plan", placement_id=placement.id),
                )
            )
        elif kind == REGISTRATIONS:
            sections[kind].items.append(
                AgendaItem(
                    title=str(NOT_SCORED[item["actor"]]),
                    url=url_for("competences.show_matrix", placement_id=placement.id),
                )
            )
        elif kind == DIVERGENCE:
            indicator = indicators.get(item["indicator"])
            competence = competences.get(item["competence"])
            sections[kind].items.append(
                AgendaItem(
                    title=localised(indicator.text) if indicator else item["indicator"],
                    detail=localised(competence.title) if competence else "",
                    url=url_for(
                        "competences.show_evolution",
                        placement_id=placement.id,
                        competence_id=item["competence"],
                    ),
                    levels=item["levels"],
                )
            )
        elif kind == NOT_AT_WORKPLACE:
            competence = competences.get(item["competence"])
            sections[kind].items.append(
                AgendaItem(
                    title=localised(competence.title) if competence else item["competence"],
                    detail=str(_l("Planned: %(period)s", period=item["period"]))
                    if item["period"]
                    else "",
                )
            )
        elif kind == WELLBEING and policy.sees_wellbeing(reader, placement):
            levels = [level for _week, level in item["weeks"] if level is not None]
            weeks = [
                f"{format_day(date.fromisoformat(week), SHORT_DAY_MONTH)}: {level or '–'}"
                for week, level in item["weeks"]
            ]
            sections[kind].items.append(
                AgendaItem(
                    title=str(
                        _l(
                            "Wellbeing %(trend)s; lowest recent week %(lowest)d of 5",
                            trend=TREND_LABELS[trend(levels)],
                            lowest=min(levels[-TREND_WEEKS:]),
                        )
                    ),
                    detail=" · ".join(weeks),
                    url=url_for(
                        "followup.show_timeline", placement_id=placement.id, kind="weekly_log"
                    ),
                )
            )
        elif kind == CONCERN and (entry := entries.get(item["entry"])) is not None:
            text = entry.sections.get("body", "")
            sections[kind].items.append(
                AgendaItem(
                    title=text if len(text) <= 140 else text[:139] + "…",
                    detail=f"{entry.author_role.label} · "
                    f"{format_day(entry.created_at, SHORT_DATE)}",
                    url=url_for(
                        "followup.show_entry", placement_id=placement.id, entry_id=entry.id
                    ),
                )
            )
        elif kind == OVERDUE and (action := actions.get(item["action"])) is not None:
            owner = action.owner.label if action.owner != Actor.STUDENT else _l("Student")
            sections[kind].items.append(
                AgendaItem(
                    title=action.title,
                    detail=str(
                        _l(
                            "%(owner)s · was due %(date)s",
                            owner=owner,
                            date=format_day(action.due_date, SHORT_DAY_MONTH),
                        )
                    ),
                    url=url_for(
                        "plans.show_goal", placement_id=placement.id, goal_id=action.goal_id
                    )
                    if action.goal_id
                    else url_for("plans.show_plan", placement_id=placement.id) + "#agreements",
                )
            )
    return [section for section in sections.values() if section.items]
