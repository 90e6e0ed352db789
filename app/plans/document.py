"""The personal development plan as a PDF the student prints or adds to the school file:
the plan's status, each goal with why, success, target, linked competences with the
current levels, actions, evidence and reflection, then the agreements of visits.
"""

from __future__ import annotations

from datetime import date

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from app import policy
from app.competences.services import ACTORS
from app.dates import SHORT_DATE, format_day
from app.models import ActionState, Actor, GoalState, Placement, PlanStatus, User
from app.pdf import GREEN, MUTED, Document
from app.plans import services
from app.portfolio.services import slug


def plan_filename(placement: Placement, today: date) -> str:
    return f"plan-{slug(placement.student.name) or placement.id}-{today.isoformat()}.pdf"


def _day(day: date | None) -> str:
    return format_day(day, SHORT_DATE) if day else "–"


def _level(value: float | None) -> str:
    return "–" if value is None else format_decimal(value, format="#,##0.#")


def plan_pdf(placement: Placement, reader: User, today: date) -> bytes:
    """The plan as `reader` reads it (suggestions included, marked)."""
    plan = services.plan_of(placement)
    goals = services.goals_of(placement)
    agreements = services.agreements_of(placement)
    levels = services.goal_levels(placement, goals)
    progress = services.progress(goals, agreements, today)
    pdf = Document(
        _("Personal development plan of %(name)s", name=placement.student.name)
        + f" · {_day(today)}"
    )
    pdf.set_title(_("Personal development plan"))
    pdf.section_heading(
        _("Personal development plan"),
        " · ".join(
            part
            for part in (
                placement.student.name,
                placement.workplace.name,
                f"{_day(placement.start_date)} – {_day(placement.end_date)}",
            )
            if part
        ),
    )
    status = plan.status if plan else PlanStatus.DRAFT
    approved = (
        _(
            "Approved by %(name)s on %(date)s.",
            name=plan.approved_by.name,
            date=_day(plan.approved_at.date()),
        )
        if plan and plan.approved_by
        else _("Not approved by the coach yet.")
    )
    pdf.text_block(f"{_('Status')}: {status.label}. {approved}", colour=MUTED)
    pdf.text_block(
        " · ".join(
            (
                ngettext(
                    "%(num)d goal in progress",
                    "%(num)d goals in progress",
                    progress.goals_by_state.get("open", 0),
                ),
                ngettext(
                    "%(num)d reached", "%(num)d reached", progress.goals_by_state.get("reached", 0)
                ),
                ngettext(
                    "%(num)d action overdue", "%(num)d actions overdue", len(progress.overdue)
                ),
            )
        ),
        colour=MUTED,
    )
    if not goals:
        pdf.ln(4)
        pdf.text_block(_("The plan has no goals yet."))
    for goal in goals:
        pdf.subheading(f"{goal.title} · {goal.state.label}")
        facts = [
            (_("Why it matters"), goal.why),
            (_("How you will know you reached it"), goal.success),
            (_("Target date"), _day(goal.target_date) if goal.target_date else ""),
        ]
        for label, text in facts:
            if text:
                pdf.text_block(label, size=9, bold=True, colour=MUTED)
                pdf.text_block(text)
        for row in levels[goal.id]:
            pdf.text_block(
                f"{row.choice.title}: "
                + ", ".join(f"{actor.label} {_level(row.levels[actor])}" for actor in ACTORS),
                size=9,
                colour=GREEN,
            )
        for action in goal.actions:
            if action.state == ActionState.DECLINED:
                continue
            mark = "☑" if action.state == ActionState.DONE else "☐"
            suffix = f" ({_('suggested')})" if action.state == ActionState.SUGGESTED else ""
            if action.is_overdue(today) and goal.state == GoalState.OPEN:
                suffix += f" ({_('overdue')})"
            pdf.text_block(f"{mark} {action.title} · {_day(action.due_date)}{suffix}", indent=4)
        entries = [e.entry for e in goal.evidence if policy.can_read_entry(reader, e.entry)]
        if entries:
            pdf.text_block(_("Evidence"), size=9, bold=True, colour=MUTED)
            for entry in entries:
                pdf.text_block(services.entry_label(entry), indent=4)
        if goal.reflection:
            pdf.text_block(_("Reflection"), size=9, bold=True, colour=MUTED)
            pdf.text_block(goal.reflection)
        pdf.ln(2)
        pdf.rule()
    if agreements:
        pdf.subheading(_("Agreements from visits"))
        for action in agreements:
            mark = "☑" if action.state == ActionState.DONE else "☐"
            owner = action.owner.label if action.owner != Actor.STUDENT else _("Student")
            pdf.text_block(f"{mark} {action.title} · {owner} · {_day(action.due_date)}")
    return bytes(pdf.output())
