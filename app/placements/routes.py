"""Routes: the home page with the user's placements, and one placement's page with what
the school records on it (a guardian's approval of a minor's placement).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import audit, dates, policy
from app.caseload.services import (
    attention_count,
    coach_caseload,
    company_signals,
    flag_missing_approvals,
)
from app.content.services import content_title, training_library
from app.domain import DomainError
from app.extensions import db
from app.forms import show_error
from app.mobility import services as mobility
from app.models import ApprovalMethod, GuardianApproval, Placement, PlacementStatus
from app.placements import bp, mentor_todo, services
from app.placements.forms import GuardianApprovalForm, RevokeApprovalForm
from app.privacy import minors
from app.privacy import services as privacy
from app.training.services import open_recommendations
from app.web import page_argument

# The home page lists a coach's current placements up to this many; the overview has all.
CASELOAD_ON_HOME = 100


@bp.route("/")
@login_required
def index():
    user = current_user._get_current_object()
    today = dates.today()
    status = request.args.get("status", "")
    pagination = services.placements_page(
        user,
        page=page_argument(),
        per_page=current_app.config["PER_PAGE"],
        search=request.args.get("q", "")[:100],
        status=PlacementStatus(status) if status in {s.value for s in PlacementStatus} else None,
    )
    caseload = coach_caseload(
        policy.coached_placements(user),
        today,
        limit=CASELOAD_ON_HOME,
        wellbeing=policy.wellbeing_placements(user),
    )
    shown = {p.id: p for p in pagination.items}
    if caseload:
        shown.update({row.placement.id: row.placement for row in caseload.items})
    # Placements waiting for a guardian's approval, of the caseload and of the cards: one
    # check for both (two queries at most).
    approvals_missing = minors.missing_approvals_seen_by(user, list(shown.values()), today)
    if caseload:
        flag_missing_approvals(caseload.items, approvals_missing)
    can_administer = policy.is_administrator(user)
    # Coordinators see on their home page how many of their schools' placements need
    # attention, linked to the overview. Not a platform admin: that would assess every
    # placement of every school on each visit of the home page.
    attention = (
        attention_count(
            policy.caseload_placements(user),
            today,
            wellbeing=policy.wellbeing_placements(user),
        )
        if can_administer and not user.is_admin and policy.can_view_caseload(user)
        else None
    )
    # A company coordinator's cards carry what the company can act on (counts only), for
    # the cards on this page.
    signals = (
        company_signals(policy.company_placements(user).where(Placement.id.in_(list(shown))), today)
        if policy.follows_company_placements(user) and shown
        else {}
    )
    # The stays abroad on the cards whose mobility file the reader follows, and how much
    # of it is missing (four queries, none without such a card).
    mobility_missing = {
        placement_id: len(found.missing)
        for placement_id, found in mobility.files_of(
            [p for p in pagination.items if policy.can_view_mobility_file(user, p)]
        ).items()
        if found.missing
    }
    return render_template(
        "placements/index.html",
        mobility_missing=mobility_missing,
        caseload=caseload,
        pagination=pagination,
        waiting=services.what_waits(user, list(shown.values()), today),
        approvals_missing=approvals_missing,
        recommended=open_recommendations(user, training_library(), str(get_locale())),
        mentor_tasks=mentor_todo.mentor_tasks(user, today),
        today=today,
        statuses=list(PlacementStatus),
        status=status,
        q=request.args.get("q", ""),
        can_administer=can_administer,
        attention=attention,
        company_signals=signals,
        privacy_notice_pending=privacy.notice_pending(user),
    )


@bp.route("/placements/<int:placement_id>")
@login_required
def show_placement(placement_id: int):
    user = current_user._get_current_object()
    return show_placement_page(policy.placement_or_404(placement_id, user))


def show_placement_page(placement, *, approval_form=None, status: int = 200):
    """The placement's page; `approval_form` shows a guardian's approval that was refused."""
    user = current_user._get_current_object()
    can_manage = policy.can_manage_placement(user, placement)
    school_staff = policy.sees_guardian_approval(user, placement)
    today = dates.today(placement.school)
    return render_template(
        "placements/show_placement.html",
        placement=placement,
        today=today,
        approval=minors.approval_state(placement, today) if school_staff else None,
        approval_form=approval_form or GuardianApprovalForm(formdata=None),
        revoke_form=RevokeApprovalForm(formdata=None),
        can_manage=can_manage,
        can_view_log=policy.can_view_placement_log(user, placement),
        can_recommend=policy.can_recommend_training(user, placement),
        stays_to_approve=mobility.stays_to_approve(user, placement),
        mobility_file=mobility.file_of(placement)
        if policy.can_view_mobility_file(user, placement)
        else None,
        framework=content_title(placement.framework_id, placement.framework_version),
        rubric=content_title(placement.rubric_id, placement.rubric_version),
    ), status


@bp.route("/placements/<int:placement_id>/audit")
@login_required
def show_audit_trail(placement_id: int):
    """Who opened or changed this placement's record, and when: for the school."""
    user = current_user._get_current_object()
    placement = policy.placement_or_404(placement_id, user, "manage")
    pagination = audit.placement_trail(
        placement, page=page_argument(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template(
        "placements/show_audit_trail.html",
        placement=placement,
        pagination=pagination,
        audit_action=audit.action_label,
        audit_object=audit.object_label,
        audit_role=audit.role_label,
    )


# -- a guardian's approval of a minor's placement ----------------------------------------


@bp.route("/placements/<int:placement_id>/guardian-approvals", methods=["POST"])
@login_required
def record_guardian_approval(placement_id: int):
    actor = current_user._get_current_object()
    placement = policy.placement_or_404(placement_id, actor, "manage")
    form = GuardianApprovalForm()
    if form.validate_on_submit():
        try:
            minors.record_approval(
                actor,
                placement,
                minors.ApprovalRecord(
                    form.guardian_name.data,
                    form.text_version.data,
                    ApprovalMethod(form.method.data),
                    form.approved_on.data,
                ),
                dates.today(placement.school),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The guardian's approval is recorded."), "success")
            return redirect(url_for("placements.show_placement", placement_id=placement.id))
    flash(_("The approval is not recorded: correct the fields marked below."), "error")
    return show_placement_page(placement, approval_form=form, status=422)


@bp.route(
    "/placements/<int:placement_id>/guardian-approvals/<int:approval_id>/revoke",
    methods=["POST"],
)
@login_required
def revoke_guardian_approval(placement_id: int, approval_id: int):
    actor = current_user._get_current_object()
    placement = policy.placement_or_404(placement_id, actor, "manage")
    approval = db.session.get(GuardianApproval, approval_id)
    if approval is None or approval.placement_id != placement.id:
        abort(404)
    form = RevokeApprovalForm()
    if not form.validate_on_submit():
        abort(400)
    minors.revoke_approval(actor, approval, form.note.data or "", dates.today(placement.school))
    flash(_("The approval is marked as revoked."), "success")
    return redirect(url_for("placements.show_placement", placement_id=placement.id))
