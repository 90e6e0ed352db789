"""Routes of the personal development plan: each checks access through `policy`,
validates its form and calls a service. Plans live under their placement.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app import audit, dates, policy
from app.domain import DomainError, StaleEdit
from app.forms import CsrfForm, show_error
from app.models import Actor, Goal, GoalState, Placement, User
from app.plans import bp, document, services
from app.plans.forms import (
    ApplyTemplateForm,
    CloseGoalForm,
    EvidenceForm,
    GoalCommentForm,
    GoalForm,
    PlanActionForm,
    ReopenGoalForm,
    RespondForm,
    TemplateForm,
    TickForm,
)


def _user() -> User:
    return current_user._get_current_object()


def _readable_placement(placement_id: int) -> Placement:
    """The placement whose log the user reads; a reader from outside the trio is noted
    in the audit trail (recorded once the page is served).
    """
    user = _user()
    placement = policy.placement_or_404(placement_id, user, "view_log")
    audit.note_view(user, placement)
    return placement


def _goal_for(placement_id: int, goal_id: int, may) -> tuple[User, Placement, Goal]:
    """A goal of the placement (404 under any other) for a user the rule `may` allows
    (403 for others who read the plan).
    """
    user = _user()
    placement = _readable_placement(placement_id)
    goal = policy.goal_or_404(placement, goal_id)
    if request.method == "GET":
        # A form's address opened again (a reload, the back button): the goal's page.
        abort(_to_goal(goal))
    if not may(user, placement):
        abort(403)
    return user, placement, goal


def _to_goal(goal: Goal):
    return redirect(url_for(".show_goal", placement_id=goal.placement_id, goal_id=goal.id))


def _stale_goal(goal: Goal):
    flash(_("This goal changed while you were reading it. Look at it again."), "error")
    return _to_goal(goal)


# -- the plan ---------------------------------------------------------------------------


@bp.route("/placements/<int:placement_id>/development-plan")
@login_required
def show_plan(placement_id: int):
    user = _user()
    placement = _readable_placement(placement_id)
    today = dates.today(placement.school)
    goals = services.goals_of(placement)
    plan = services.plan_of(placement)
    agreements = services.agreements_of(placement)
    actor = policy.actor_in(user, placement)
    return render_template(
        "plans/show_plan.html",
        placement=placement,
        plan=plan,
        changed=services.changed_since_approval(plan, goals),
        goals=goals,
        agreements=agreements,
        progress=services.progress(goals, agreements, today),
        levels=services.goal_levels(placement, goals),
        today=today,
        actor=actor,
        can_edit=policy.can_edit_plan(user, placement),
        can_suggest=policy.can_suggest_to_plan(user, placement),
        can_approve=policy.can_approve_plan(user, placement),
        can_make_template=policy.can_approve_plan(user, placement) and placement.programme,
        action_form=CsrfForm(),
        respond_form=RespondForm(),
        tick_form=TickForm(),
        template_form=TemplateForm(),
    )


@bp.route("/placements/<int:placement_id>/development-plan/approve", methods=["POST"])
@login_required
def approve_plan(placement_id: int):
    user = _user()
    placement = _readable_placement(placement_id)
    if not policy.can_approve_plan(user, placement):
        abort(403)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        services.approve_plan(placement, user)
    except DomainError as error:
        show_error(None, error)
    else:
        flash(_("The plan is approved and active."), "success")
    return redirect(url_for(".show_plan", placement_id=placement.id))


@bp.route("/placements/<int:placement_id>/development-plan.pdf")
@login_required
def export_plan(placement_id: int):
    placement = _readable_placement(placement_id)
    today = dates.today(placement.school)
    return Response(
        document.plan_pdf(placement, _user(), today),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{document.plan_filename(placement, today)}"'
            ),
        },
    )


# -- goals ------------------------------------------------------------------------------


def _goal_text(form: GoalForm) -> services.GoalText:
    return services.GoalText(
        title=form.title.data or "",
        why=form.why.data or "",
        success=form.success.data or "",
        target_date=form.target_date.data,
        links=form.links.data or [],
    )


def _goal_form(placement: Placement, **kwargs) -> GoalForm:
    form = GoalForm(**kwargs)
    form.links.choices = [(choice.key, choice.title) for choice in services.link_choices(placement)]
    return form


@bp.route("/placements/<int:placement_id>/development-plan/goals/new", methods=["GET", "POST"])
@login_required
def create_goal(placement_id: int):
    user = _user()
    placement = _readable_placement(placement_id)
    if not policy.can_write_plan(user, placement):
        abort(403)
    form = _goal_form(placement)
    suggesting = not policy.can_edit_plan(user, placement)
    if suggesting:
        form.save.label.text = _("Suggest this goal to the student")
    if form.validate_on_submit():
        try:
            goal = services.create_goal(placement, user, _goal_text(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(
                _("Your suggestion is in the plan. The student accepts or declines it.")
                if suggesting
                else _("Goal added to your plan."),
                "success",
            )
            return _to_goal(goal)
    page = render_template(
        "plans/create_goal.html", placement=placement, form=form, suggesting=suggesting
    )
    return page, 422 if form.is_submitted() else 200


@bp.route("/placements/<int:placement_id>/development-plan/goals/<int:goal_id>")
@login_required
def show_goal(placement_id: int, goal_id: int):
    user = _user()
    placement = _readable_placement(placement_id)
    goal = services.goal_with_details(policy.goal_or_404(placement, goal_id))
    return _goal_page(placement, goal, user)


def _goal_page(placement: Placement, goal: Goal, user: User, **forms):
    """The goal with the forms `user` may use on it; a form passed in was just sent."""
    editable = policy.can_edit_plan(user, placement)
    suggesting = policy.can_suggest_to_plan(user, placement)
    open_goal = goal.state == GoalState.OPEN
    evidence_form = forms.get("evidence_form")
    if editable and open_goal and evidence_form is None:
        evidence_form = EvidenceForm()
    if evidence_form is not None:
        evidence_form.entry.choices = [
            SelectChoice(entry.id, services.entry_label(entry))
            for entry in services.evidence_choices(placement, goal)
        ]
    return render_template(
        "plans/show_goal.html",
        placement=placement,
        goal=goal,
        evidence=[e for e in goal.evidence if policy.can_read_entry(user, e.entry)],
        entry_label=services.entry_label,
        levels=services.goal_levels(placement, [goal])[goal.id],
        today=dates.today(placement.school),
        actor=policy.actor_in(user, placement),
        can_edit=editable,
        can_suggest=suggesting,
        action_form=forms.get("action_form")
        or (
            PlanActionForm()
            if (editable and open_goal)
            or (suggesting and goal.state in (GoalState.OPEN, GoalState.SUGGESTED))
            else None
        ),
        close_form=forms.get("close_form")
        or (CloseGoalForm(version=goal.version) if editable and open_goal else None),
        reopen_form=ReopenGoalForm(version=goal.version)
        if editable and goal.state in (GoalState.REACHED, GoalState.DROPPED)
        else None,
        comment_form=forms.get("comment_form")
        or (GoalCommentForm() if editable or suggesting else None),
        evidence_form=evidence_form if editable and open_goal else None,
        respond_form=RespondForm(),
        tick_form=TickForm(),
        unlink_form=CsrfForm(),
    )


@bp.route(
    "/placements/<int:placement_id>/development-plan/goals/<int:goal_id>/edit",
    methods=["GET", "POST"],
)
@login_required
def edit_goal(placement_id: int, goal_id: int):
    user = _user()
    placement = _readable_placement(placement_id)
    goal = policy.goal_or_404(placement, goal_id)
    if not policy.can_edit_plan(user, placement) or goal.state != GoalState.OPEN:
        abort(403)
    form = _goal_form(placement)
    if request.method == "GET":
        form = _goal_form(placement, obj=goal)
    if form.is_submitted() and form.version.data is None:
        abort(400)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_goal(
                goal, placement, _goal_text(form), expected_version=form.version.data
            )
        except DomainError as error:
            show_error(form, error)
        except StaleEdit:
            flash(
                _(
                    "Someone changed this goal after you opened it. Your text is below; "
                    "what is saved now is on the goal's page. Save again to replace it."
                ),
                "error",
            )
            goal = policy.goal_or_404(placement, goal_id)
            form.version.data = goal.version
            return render_template(
                "plans/edit_goal.html", placement=placement, goal=goal, form=form
            ), 409
        else:
            flash(_("Goal saved."), "success")
            return _to_goal(goal)
    if form.is_submitted():
        status = 422
    return render_template(
        "plans/edit_goal.html", placement=placement, goal=goal, form=form
    ), status


@bp.route(
    "/placements/<int:placement_id>/development-plan/goals/<int:goal_id>/close",
    methods=["GET", "POST"],
)
@login_required
def close_goal(placement_id: int, goal_id: int):
    user, placement, goal = _goal_for(placement_id, goal_id, policy.can_edit_plan)
    form = CloseGoalForm()
    if form.validate_on_submit():
        try:
            services.close_goal(
                goal,
                GoalState(form.state.data),
                form.reflection.data or "",
                expected_version=form.version.data,
            )
        except DomainError as error:
            show_error(form, error)
        except StaleEdit:
            # Keep the reflection in the form, pointed at the goal as it is now.
            goal = policy.goal_or_404(placement, goal_id)
            form.version.data = goal.version
            flash(
                _(
                    "This goal changed while you were writing. Your reflection is below; "
                    "look at the goal again, then close it."
                ),
                "error",
            )
            return _goal_page(placement, goal, user, close_form=form), 409
        else:
            flash(
                _("Well done: goal reached.")
                if goal.state == GoalState.REACHED
                else _("Goal closed."),
                "success",
            )
            return _to_goal(goal)
    return _goal_page(placement, goal, user, close_form=form), 422


@bp.route(
    "/placements/<int:placement_id>/development-plan/goals/<int:goal_id>/reopen",
    methods=["GET", "POST"],
)
@login_required
def reopen_goal(placement_id: int, goal_id: int):
    user, placement, goal = _goal_for(placement_id, goal_id, policy.can_edit_plan)
    form = ReopenGoalForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.reopen_goal(goal, expected_version=form.version.data)
    except DomainError as error:
        show_error(None, error)
    except StaleEdit:
        return _stale_goal(goal)
    return _to_goal(goal)


@bp.route(
    "/placements/<int:placement_id>/development-plan/goals/<int:goal_id>/respond",
    methods=["GET", "POST"],
)
@login_required
def respond_to_goal(placement_id: int, goal_id: int):
    user, placement, goal = _goal_for(placement_id, goal_id, policy.can_edit_plan)
    form = RespondForm()
    if not form.validate_on_submit() or form.answer() is None:
        abort(400)
    try:
        services.respond_to_goal(goal, accept=form.answer())
    except DomainError as error:
        show_error(None, error)
    except StaleEdit:
        return _stale_goal(goal)
    else:
        flash(
            _("The goal is now part of your plan.")
            if goal.state == GoalState.OPEN
            else _("Suggestion declined. It stays visible in the plan."),
            "success",
        )
    return redirect(url_for(".show_plan", placement_id=placement.id))


@bp.route(
    "/placements/<int:placement_id>/development-plan/goals/<int:goal_id>/comments",
    methods=["GET", "POST"],
)
@login_required
def create_goal_comment(placement_id: int, goal_id: int):
    user, placement, goal = _goal_for(placement_id, goal_id, policy.can_write_plan)
    form = GoalCommentForm()
    if form.validate_on_submit():
        try:
            services.comment_on_goal(goal, placement, user, form.body.data)
        except DomainError as error:
            show_error(form, error)
        else:
            return redirect(
                url_for(".show_goal", placement_id=placement.id, goal_id=goal.id) + "#comments"
            )
    return _goal_page(placement, goal, user, comment_form=form), 422


@bp.route(
    "/placements/<int:placement_id>/development-plan/goals/<int:goal_id>/evidence",
    methods=["GET", "POST"],
)
@login_required
def link_evidence(placement_id: int, goal_id: int):
    user, placement, goal = _goal_for(placement_id, goal_id, policy.can_edit_plan)
    form = EvidenceForm()
    if form.validate_on_submit():
        try:
            services.link_evidence(goal, placement, form.entry.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Evidence added to the goal."), "success")
            return _to_goal(goal)
    return _goal_page(placement, goal, user, evidence_form=form), 422


@bp.route(
    "/placements/<int:placement_id>/development-plan/goals/<int:goal_id>/evidence/<int:evidence_id>/remove",
    methods=["GET", "POST"],
)
@login_required
def unlink_evidence(placement_id: int, goal_id: int, evidence_id: int):
    user, placement, goal = _goal_for(placement_id, goal_id, policy.can_edit_plan)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        if not services.unlink_evidence(goal, evidence_id):
            abort(404)
    except DomainError as error:
        show_error(None, error)
    return _to_goal(goal)


# -- actions ----------------------------------------------------------------------------


@bp.route(
    "/placements/<int:placement_id>/development-plan/goals/<int:goal_id>/actions",
    methods=["GET", "POST"],
)
@login_required
def create_action(placement_id: int, goal_id: int):
    user, placement, goal = _goal_for(placement_id, goal_id, policy.can_write_plan)
    form = PlanActionForm()
    if form.validate_on_submit():
        try:
            action = services.add_action(placement, goal, user, form.title.data, form.due_date.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(
                _("Action added.")
                if action.author_role == Actor.STUDENT
                else _("Your suggestion is added. The student accepts or declines it."),
                "success",
            )
            return _to_goal(goal)
    return _goal_page(placement, goal, user, action_form=form), 422


@bp.route(
    "/placements/<int:placement_id>/development-plan/actions/<int:action_id>/respond",
    methods=["POST"],
)
@login_required
def respond_to_action(placement_id: int, action_id: int):
    user = _user()
    placement = _readable_placement(placement_id)
    action = policy.action_or_404(placement, action_id)
    if not policy.can_edit_plan(user, placement):
        abort(403)
    form = RespondForm()
    if not form.validate_on_submit() or form.answer() is None:
        abort(400)
    try:
        services.respond_to_action(action, accept=form.answer())
    except DomainError as error:
        show_error(None, error)
    return _back(placement, action)


@bp.route(
    "/placements/<int:placement_id>/development-plan/actions/<int:action_id>/tick", methods=["POST"]
)
@login_required
def tick_action(placement_id: int, action_id: int):
    user = _user()
    placement = _readable_placement(placement_id)
    action = policy.action_or_404(placement, action_id)
    if not policy.can_tick_action(user, action, placement):
        abort(403)
    form = TickForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_action_done(action, user, done=bool(form.done.data))
    except DomainError as error:
        show_error(None, error)
    return _back(placement, action)


def _back(placement: Placement, action):
    """Back to where the action was shown: its goal, or the page given in `next`."""
    if request.form.get("next") == "home":
        return redirect(url_for("placements.index"))
    if action.goal_id is not None:
        return redirect(
            url_for(".show_goal", placement_id=placement.id, goal_id=action.goal_id)
            + f"#action-{action.id}"
        )
    return redirect(url_for(".show_plan", placement_id=placement.id) + "#agreements")


# -- templates --------------------------------------------------------------------------


@bp.route("/placements/<int:placement_id>/development-plan/template", methods=["POST"])
@login_required
def create_template(placement_id: int):
    user = _user()
    placement = _readable_placement(placement_id)
    if not policy.can_approve_plan(user, placement) or not placement.programme:
        abort(403)
    form = TemplateForm()
    if form.validate_on_submit():
        try:
            template = services.create_template(placement, user, form.name.data)
        except DomainError as error:
            show_error(None, error)
        else:
            flash(_("Template saved. Apply it to a cohort below."), "success")
            return redirect(url_for(".apply_template", template_id=template.id))
    else:
        flash(_("Give the template a name."), "error")
    return redirect(url_for(".show_plan", placement_id=placement.id))


@bp.route("/plan-templates")
@login_required
def list_templates():
    user = _user()
    if not policy.can_use_plan_templates(user):
        abort(403)
    return render_template("plans/list_templates.html", templates=services.templates_for(user))


@bp.route("/plan-templates/<int:template_id>", methods=["GET", "POST"])
@login_required
def apply_template(template_id: int):
    """Choose a cohort, see which placements get the goals, then confirm."""
    user = _user()
    if not policy.can_use_plan_templates(user):
        abort(403)
    template = policy.plan_template_or_404(template_id, user)
    form = ApplyTemplateForm()
    form.cohort.choices = [
        SelectChoice(c, c or _("(no cohort)")) for c in services.cohorts_of(template)
    ]
    cohort = request.values.get("cohort")
    form.cohort.data = cohort
    placements = (
        services.cohort_placements(template, cohort, user)
        if cohort in {choice.value for choice in form.cohort.choices}
        else None
    )
    if request.method == "POST":
        if not form.validate_on_submit() or placements is None:
            return render_template(
                "plans/apply_template.html", template=template, form=form, placements=None
            ), 422
        if form.confirm.data and placements:
            try:
                result = services.apply_template(template, user, placements)
            except DomainError as error:
                show_error(None, error)
            else:
                flash(_applied_message(result), "success")
            return redirect(url_for(".apply_template", template_id=template.id))
    return render_template(
        "plans/apply_template.html", template=template, form=form, placements=placements
    )


def _applied_message(result: services.Applied) -> str:
    parts = [
        ngettext(
            "%(num)d goal added to the plans of the cohort.",
            "%(num)d goals added to the plans of the cohort.",
            result.goals_added,
        )
    ]
    if result.already_there:
        parts.append(
            ngettext(
                "%(num)d was in a plan already.",
                "%(num)d were in a plan already.",
                result.already_there,
            )
        )
    if result.without_links:
        parts.append(
            ngettext(
                "%(num)d was left out: none of its competences is in that placement's framework.",
                "%(num)d were left out: none of their competences is in that placement's "
                "framework.",
                result.without_links,
            )
        )
    return " ".join(parts)
