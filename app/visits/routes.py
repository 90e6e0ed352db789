"""Routes of visits: each checks access through `policy`, validates its form and calls a
service. Visits live under their placement.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import audit, dates, policy
from app.domain import DomainError, StaleEdit
from app.forms import CsrfForm, show_error
from app.models import Actor, AdditionKind, Placement, User, Visit, VisitStatus
from app.visits import bp, services
from app.visits.forms import AdditionForm, ConfirmForm, ReportForm, VisitPlanForm


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


def _coached_placement(placement_id: int) -> Placement:
    placement = _readable_placement(placement_id)
    if not policy.can_coach_visits(_user(), placement):
        abort(403)
    return placement


def _readable_visit(placement_id: int, visit_id: int) -> tuple[Placement, Visit]:
    """A visit of the placement (404 under any other) for a reader of its page: whoever
    reads the log, and the trip teacher the visit of their trip (noted as a view).
    """
    user = _user()
    placement, visit = policy.visit_page_or_404(placement_id, visit_id, user)
    audit.note_view(user, placement)
    return placement, visit


def _coached_visit(placement_id: int, visit_id: int) -> tuple[Placement, Visit]:
    """A visit of the placement (404 under any other), for its coach (403 for others)."""
    placement, visit = _readable_visit(placement_id, visit_id)
    if not policy.can_coach_visits(_user(), placement):
        abort(403)
    return placement, visit


def _reported_visit(placement_id: int, visit_id: int) -> tuple[Placement, Visit]:
    """A visit whose report the user writes: the placement's coach, or the trip teacher
    for the visit of their trip (403 for other readers).
    """
    placement, visit = _readable_visit(placement_id, visit_id)
    if not policy.reports_visit(_user(), placement, visit):
        abort(403)
    return placement, visit


def _to_visit(visit: Visit, anchor: str = ""):
    return redirect(
        url_for(".show_visit", placement_id=visit.placement_id, visit_id=visit.id) + anchor
    )


def _plan(form: VisitPlanForm) -> services.VisitPlan:
    return services.VisitPlan(
        planned_on=form.planned_on.data,
        planned_time=form.planned_time.data,
        place=form.place.data or "",
        attendees=form.attendees.data or [],
        other_attendees=form.other_attendees.data or "",
    )


# -- the visits of a placement ----------------------------------------------------------


@bp.route("/placements/<int:placement_id>/visits")
@login_required
def list_visits(placement_id: int):
    user = _user()
    placement = _readable_placement(placement_id)
    return render_template(
        "visits/list_visits.html",
        placement=placement,
        visits=services.visits_of(placement),
        can_plan=policy.can_coach_visits(user, placement),
        today=dates.today(placement.school),
    )


@bp.route("/placements/<int:placement_id>/visits/new", methods=["GET", "POST"])
@login_required
def plan_visit(placement_id: int):
    user = _user()
    placement = _coached_placement(placement_id)
    form = VisitPlanForm()
    if request.method == "GET":
        form.place.data = services.last_place(placement)
    if form.validate_on_submit():
        try:
            visit = services.plan_visit(placement, user, _plan(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(
                _("The visit is planned. Student and mentor see it on their home page."), "success"
            )
            return _to_visit(visit)
    page = render_template("visits/plan_visit.html", placement=placement, form=form, visit=None)
    return page, 422 if form.is_submitted() else 200


@bp.route("/placements/<int:placement_id>/visits/<int:visit_id>/edit", methods=["GET", "POST"])
@login_required
def edit_visit(placement_id: int, visit_id: int):
    placement, visit = _coached_visit(placement_id, visit_id)
    if visit.status != VisitStatus.PLANNED:
        abort(403)
    form = VisitPlanForm(obj=visit) if request.method == "GET" else VisitPlanForm()
    form.save.label.text = _("Save")
    if form.is_submitted() and form.version.data is None:
        abort(400)
    if form.validate_on_submit():
        try:
            services.change_plan(
                visit, _plan(form), expected_version=form.version.data, coach_id=_user().id
            )
        except DomainError as error:
            show_error(form, error)
        except StaleEdit:
            # Keep what the coach typed; point the form at what is saved now, so saving
            # it again knowingly replaces that.
            flash(
                _(
                    "This visit was changed after you opened it. Your changes are below; "
                    "what is saved now is on the visit's page. Save again to replace it."
                ),
                "error",
            )
            visit = policy.visit_or_404(placement, visit.id)
            form.version.data = visit.version
            page = render_template(
                "visits/plan_visit.html", placement=placement, form=form, visit=visit
            )
            return page, 409
        else:
            flash(_("The visit is changed."), "success")
            return _to_visit(visit)
    page = render_template("visits/plan_visit.html", placement=placement, form=form, visit=visit)
    return page, 422 if form.is_submitted() else 200


@bp.route("/placements/<int:placement_id>/visits/<int:visit_id>/cancel", methods=["POST"])
@login_required
def cancel_visit(placement_id: int, visit_id: int):
    user = _user()
    placement, visit = _coached_visit(placement_id, visit_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        services.cancel_visit(visit, user)
    except (DomainError, StaleEdit) as error:
        flash(str(getattr(error, "message", error)) or _("Nothing changed."), "error")
    else:
        flash(_("The visit is cancelled."), "success")
    return _to_visit(visit)


# -- one visit --------------------------------------------------------------------------


@bp.route("/placements/<int:placement_id>/visits/<int:visit_id>")
@login_required
def show_visit(placement_id: int, visit_id: int):
    user = _user()
    placement, visit = _readable_visit(placement_id, visit_id)
    return _visit_page(placement, visit, user)


def _visit_page(placement: Placement, visit: Visit, user: User, status: int = 200, **forms):
    coach = policy.can_coach_visits(user, placement)
    reporter = policy.reports_visit(user, placement, visit)
    in_trio = policy.can_write_log(user, placement)
    today = dates.today(placement.school)
    return (
        render_template(
            "visits/show_visit.html",
            placement=placement,
            visit=visit,
            today=today,
            agenda=services.agenda_for(visit, user, today)
            if visit.status != VisitStatus.CANCELLED
            else [],
            sections=services.visible_sections(visit, user),
            additions=services.visible_additions(visit, user),
            agreements=services.agreements_of(visit, user),
            is_coach=coach,
            is_reporter=reporter,
            # The trip teacher reads this visit, not the placement's list of visits.
            trip_teacher=not policy.can_view_placement_log(user, placement),
            confirm_form=forms.get("confirm_form")
            or (ConfirmForm() if services.can_confirm(visit, user) else None),
            comment_form=forms.get("comment_form")
            or (AdditionForm(prefix="comment") if in_trio and visit.is_final else None),
            amend_form=forms.get("amend_form")
            or (AdditionForm(prefix="amend") if reporter and visit.is_final else None),
            action_form=CsrfForm(),
            actor=policy.actor_in(user, placement),
            report_sections=services.REPORT_SECTIONS,
        ),
        status,
    )


@bp.route("/placements/<int:placement_id>/visits/<int:visit_id>/report", methods=["GET", "POST"])
@login_required
def write_report(placement_id: int, visit_id: int):
    """The coach (or the trip teacher, for the visit of their trip) writes the report on
    a phone during the visit and completes it later.
    """
    user = _user()
    placement, visit = _reported_visit(placement_id, visit_id)
    if visit.status == VisitStatus.CANCELLED:
        abort(403)
    form = ReportForm()
    if request.method == "GET":
        if visit.is_final:
            return _to_visit(visit)
        _fill_report(form, visit)
    elif not form.validate_on_submit():
        return _report_page(placement, visit, form, 422)
    else:
        return _save_report(placement, visit, form, user)
    return _report_page(placement, visit, form)


def _fill_report(form: ReportForm, visit: Visit) -> None:
    form.version.data = visit.version
    form.held_on.data = visit.held_on or (
        visit.planned_on if visit.planned_on <= dates.today(visit.placement.school) else None
    )
    for key, _label, _hint in services.REPORT_SECTIONS:
        form[key].data = visit.report.get(key, "")
        form[f"{key}_coach_only"].data = key in visit.coach_only


def _save_report(placement: Placement, visit: Visit, form: ReportForm, user: User):
    """Save the draft first, then do what the pressed button asks: add or remove an
    agreement, or make the report final.
    """
    if visit.is_final:
        typed_over, coach_only = services.amendment_from(visit, form.sections())
        if not typed_over:  # what is final was sent again (a second tap on "make final")
            return _to_visit(visit)
        # Never over a final report: show the typed text as an amendment to add.
        amend_form = AdditionForm(prefix="amend", formdata=None)
        amend_form.body.data, amend_form.coach_only.data = typed_over, coach_only
        flash(str(services.FINAL_REFUSAL), "error")
        return _visit_page(placement, visit, user, 409, amend_form=amend_form)
    try:
        services.save_report(
            visit,
            held_on=form.held_on.data,
            sections=form.sections(),
            coach_only=form.coach_only(),
            expected_version=form.version.data,
        )
    except DomainError as error:
        show_error(form, error)
        flash(_("Nothing was saved: %(reason)s", reason=error.message), "error")
        return _report_page(placement, visit, form, 422)
    except StaleEdit:
        flash(
            _(
                "The report was saved from another device after you opened it. Your text "
                "is still below; save again to replace it."
            ),
            "error",
        )
        visit = policy.visit_or_404(placement, visit.id)
        form.version.data = visit.version
        return _report_page(placement, visit, form, 409)
    form.version.data = visit.version
    try:
        message = _act_on_report(placement, visit, form, user)
    except DomainError as error:
        show_error(form, error)
        flash(_("Your draft is saved, but not this: %(reason)s", reason=error.message), "error")
        # Not a refusal (409, 422): the draft was saved, and a refusal changes nothing.
        return _report_page(placement, visit, form)
    flash(message, "success")
    if visit.is_final:
        return _to_visit(visit)
    if form.add_agreement.data or form.remove_agreement.data:
        return redirect(
            url_for(".write_report", placement_id=placement.id, visit_id=visit.id) + "#agreements"
        )
    return _to_visit(visit)


def _act_on_report(placement: Placement, visit: Visit, form: ReportForm, user: User) -> str:
    """The button's action on a saved draft; returns what to tell the coach."""
    if form.add_agreement.data:
        services.add_agreement(
            visit, user, form.agreement.data or "", Actor(form.owner.data), form.due_date.data
        )
        return _("Agreement added and draft saved.")
    if form.remove_agreement.data:
        if not services.remove_agreement(visit, form.remove_agreement.data):
            abort(404)
        return _("Agreement removed and draft saved.")
    if form.finalise.data:
        services.finalise(
            visit, user, dates.today(placement.school), expected_version=visit.version
        )
        return _(
            "The report is final. The mentor is asked to read and confirm it first, "
            "then the student."
        )
    return _("Draft saved. You can complete it later.")


def _report_page(placement: Placement, visit: Visit, form: ReportForm, status: int = 200):
    user = _user()
    return (
        render_template(
            "visits/write_report.html",
            placement=placement,
            visit=visit,
            form=form,
            agenda=services.agenda_for(visit, user, dates.today(placement.school)),
            agreements=services.agreements_of(visit, user),
            trip_teacher=not policy.can_view_placement_log(user, placement),
        ),
        status,
    )


# -- confirming, commenting, amending ---------------------------------------------------


@bp.route("/placements/<int:placement_id>/visits/<int:visit_id>/confirm", methods=["GET", "POST"])
@login_required
def confirm_visit(placement_id: int, visit_id: int):
    user = _user()
    placement, visit = _readable_visit(placement_id, visit_id)
    if request.method == "GET":
        return _to_visit(visit)
    if policy.confirming_actor(user, placement) not in (Actor.MENTOR, Actor.STUDENT):
        abort(403)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.confirm(visit, user, form.comment.data or "")
        except DomainError as error:
            show_error(None, error)
        except StaleEdit:
            flash(_("The report changed while you were reading it. Read it again."), "error")
        else:
            flash(
                _("Thank you. The report is confirmed by all three and locked.")
                if visit.status == VisitStatus.LOCKED
                else _("Thank you for confirming."),
                "success",
            )
        return _to_visit(visit)
    return _visit_page(placement, visit, user, 422, confirm_form=form)


@bp.route("/placements/<int:placement_id>/visits/<int:visit_id>/comments", methods=["GET", "POST"])
@login_required
def comment_on_visit(placement_id: int, visit_id: int):
    user = _user()
    placement, visit = _readable_visit(placement_id, visit_id)
    if request.method == "GET":
        return _to_visit(visit)
    if not policy.can_write_log(user, placement):
        abort(403)
    form = AdditionForm(prefix="comment")
    if form.validate_on_submit():
        try:
            services.add_addition(
                visit, user, AdditionKind.COMMENT, form.body.data, section=form.section.data or ""
            )
        except DomainError as error:
            show_error(form, error)
        else:
            return _to_visit(visit, "#additions")
    return _visit_page(placement, visit, user, 422, comment_form=form)


@bp.route(
    "/placements/<int:placement_id>/visits/<int:visit_id>/amendments", methods=["GET", "POST"]
)
@login_required
def amend_visit(placement_id: int, visit_id: int):
    user = _user()
    placement, visit = _readable_visit(placement_id, visit_id)
    if request.method == "GET":
        return _to_visit(visit)
    if not policy.reports_visit(user, placement, visit):
        abort(403)
    form = AdditionForm(prefix="amend")
    if form.validate_on_submit():
        try:
            services.add_addition(
                visit,
                user,
                AdditionKind.AMENDMENT,
                form.body.data,
                section=form.section.data or "",
                coach_only=form.coach_only.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Amendment recorded beside the report."), "success")
            return _to_visit(visit, "#additions")
    return _visit_page(placement, visit, user, 422, amend_form=form)
