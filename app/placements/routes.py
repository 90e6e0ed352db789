"""Routes: the home page with the user's placements, and one placement's page with what
the school records on it (a guardian's approval of a minor's placement).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

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
from app.forms import CsrfForm, show_error
from app.mobility import services as mobility
from app.models import (
    ApprovalMethod,
    GuardianApproval,
    Lodging,
    LodgingKind,
    Placement,
    PlacementStatus,
)
from app.placements import bp, matching, mentor_todo, services
from app.placements.forms import (
    GuardianApprovalForm,
    HostWorkplaceForm,
    LodgingForm,
    MatchForm,
    RevokeApprovalForm,
)
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
        can_view_destination=policy.can_view_destination(user),
        attention=attention,
        company_signals=signals,
        privacy_notice=privacy.notice_for(user) if privacy.notice_pending(user) else None,
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
        sees_matching=policy.sees_matching(user, placement),
        can_recommend=policy.can_recommend_training(user, placement),
        stays_to_approve=mobility.stays_to_approve(user, placement),
        reads_stay=policy.reads_stay(user, placement),
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


# -- matching a participant abroad (the host partner) ------------------------------------


def _match_form(placement: Placement, **kwargs) -> MatchForm:
    form = MatchForm(**kwargs)
    form.workplace.choices = [
        SelectChoice(w.id, f"{w.name} ({w.city})" if w.city else w.name)
        for w in matching.host_workplaces(placement)
    ]
    form.mentor.choices = [
        SelectChoice(c.user.id, f"{c.user.name} ({c.organisation.name})")
        for c in matching.host_mentors(placement)
    ]
    form.monitor.choices = [
        SelectChoice(c.user.id, c.user.name) for c in matching.host_monitors(placement)
    ]
    return form


def show_matching_page(placement: Placement, status: int = 200, **forms):
    """The matching of a placement abroad; a form passed in was just sent and refused."""
    user = current_user._get_current_object()
    can_match = policy.can_match(user, placement)
    return render_template(
        "placements/match_placement.html",
        placement=placement,
        lodgings=matching.lodgings_of(placement),
        can_match=can_match,
        match_form=forms.get("match_form")
        or (
            _match_form(
                placement,
                formdata=None,
                data={
                    "workplace": placement.workplace_id,
                    "mentor": placement.mentor_id,
                    "monitor": placement.monitor_id,
                },
            )
            if can_match
            else None
        ),
        workplace_form=forms.get("workplace_form") or HostWorkplaceForm(formdata=None),
        lodging_form=forms.get("lodging_form") or LodgingForm(formdata=None),
        remove_form=CsrfForm(),
    ), status


def _matching_placement(placement_id: int, *, changing: bool) -> Placement:
    user = current_user._get_current_object()
    placement = policy.placement_or_404(placement_id, user, "matching")
    if changing and not policy.can_match(user, placement):
        abort(403)
    return placement


def _to_matching(placement: Placement):
    return redirect(url_for("placements.match_placement", placement_id=placement.id))


@bp.route("/placements/<int:placement_id>/matching", methods=["GET", "POST"])
@login_required
def match_placement(placement_id: int):
    """The host partner's choices for a participant: workplace, mentor, monitor, lodging."""
    placement = _matching_placement(placement_id, changing=request.method == "POST")
    if request.method == "GET":
        return show_matching_page(placement)
    form = _match_form(placement)
    if form.validate_on_submit():
        try:
            changed = matching.match(
                current_user._get_current_object(),
                placement,
                matching.Match(form.workplace.data, form.mentor.data, form.monitor.data),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The matching is saved.") if changed else _("Nothing changed."), "success")
            return _to_matching(placement)
    return show_matching_page(placement, 422, match_form=form)


@bp.route("/placements/<int:placement_id>/matching/workplaces", methods=["POST"])
@login_required
def create_host_workplace(placement_id: int):
    """A company new to the host partner, in its country."""
    placement = _matching_placement(placement_id, changing=True)
    form = HostWorkplaceForm()
    if form.validate_on_submit():
        try:
            workplace = matching.create_host_workplace(
                current_user._get_current_object(),
                placement,
                form.name.data,
                form.city.data or "",
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(
                _("%(name)s is added: choose it and its mentor above.", name=workplace.name),
                "success",
            )
            return _to_matching(placement)
    return show_matching_page(placement, 422, workplace_form=form)


@bp.route("/placements/<int:placement_id>/lodgings", methods=["POST"])
@login_required
def add_lodging(placement_id: int):
    placement = _matching_placement(placement_id, changing=True)
    form = LodgingForm()
    if form.validate_on_submit():
        try:
            matching.add_lodging(
                current_user._get_current_object(),
                placement,
                matching.LodgingData(
                    LodgingKind(form.kind.data),
                    form.address.data,
                    form.from_date.data,
                    form.until_date.data,
                ),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The lodging is added."), "success")
            return _to_matching(placement)
    return show_matching_page(placement, 422, lodging_form=form)


@bp.route("/placements/<int:placement_id>/lodgings/<int:lodging_id>/remove", methods=["POST"])
@login_required
def remove_lodging(placement_id: int, lodging_id: int):
    placement = _matching_placement(placement_id, changing=True)
    lodging = db.session.get(Lodging, lodging_id)
    if lodging is None or lodging.placement_id != placement.id:
        abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400)
    matching.remove_lodging(current_user._get_current_object(), placement, lodging)
    flash(_("The lodging is removed."), "success")
    return _to_matching(placement)


@bp.route("/destination")
@login_required
def show_destination():
    """A host partner's participants, of every sending school."""
    user = current_user._get_current_object()
    if not policy.can_view_destination(user):
        abort(403)
    pagination = matching.destination_page(
        user, page=page_argument(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template(
        "placements/show_destination.html",
        pagination=pagination,
        lodgings=matching.lodgings_by_placement(list(pagination.items)),
        candidacies=matching.candidacies_by_placement(user, list(pagination.items)),
        today=dates.today(),
    )
