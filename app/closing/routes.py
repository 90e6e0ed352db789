"""Routes of a mobility's closing: each loads the mobility through `policy`, validates its
form and calls a service. The closing page links the stage report, the EU survey, the
final scores, closing itself and the Europass record.
"""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app import audit, dates, policy
from app.agreements import services as agreements
from app.closing import bp, record, services
from app.closing.forms import (
    CloseForm,
    ConfirmScoresForm,
    ReturnReportForm,
    StageReportForm,
    SurveyForm,
)
from app.closing.services import Side
from app.domain import DomainError, StaleEdit
from app.extensions import db
from app.forms import show_error
from app.models import Actor, Placement, User
from app.models.closing import REPORT_PARTS

CLOSING = "/placements/<int:placement_id>/closing"
# The three sides of the matrix as the final scores name them.
ACTOR_LABELS = {
    Actor.STUDENT: _l("Participant"),
    Actor.MENTOR: _l("Host"),
    Actor.COACH: _l("School"),
}


def _user() -> User:
    return current_user._get_current_object()


def _placement(placement_id: int) -> Placement:
    user = _user()
    placement = policy.closing_or_404(placement_id, user)
    audit.note_view(user, placement)
    return placement


def _back(placement: Placement, anchor: str = ""):
    return redirect(url_for(".show_closing", placement_id=placement.id) + anchor)


# -- the closing page ---------------------------------------------------------------------


@bp.app_context_processor
def _closing_link() -> dict:
    """Placement pages link the closing of a mobility for those who read it."""

    def sees_closing(placement: Placement) -> bool:
        return current_user.is_authenticated and policy.can_view_closing(current_user, placement)

    return {"sees_closing": sees_closing}


@bp.route(CLOSING)
@login_required
def show_closing(placement_id: int):
    return _closing_page(_placement(placement_id))


def _closing_page(placement: Placement, status: int = 200, **forms):
    user = _user()
    state = services.closing_of(placement)
    side = policy.score_confirmation_side(user, placement)
    report = state.report
    shows_report = report is not None and (
        report.status.value != "draft" or policy.sees_stage_report_draft(user, placement)
    )
    return_form = forms.get("return_form")
    if (
        return_form is None
        and report is not None
        and report.is_submitted
        and policy.can_return_stage_report(user, placement)
    ):
        return_form = ReturnReportForm(formdata=None, version=report.version)
    survey_form = forms.get("survey_form")
    if survey_form is None and policy.can_confirm_survey(user, placement):
        survey_form = SurveyForm(formdata=None, filled_on=dates.today(placement.school))
    scores_form = None
    if side is not None and state.scores.framework is not None:
        scores_form = ConfirmScoresForm(formdata=None, digest=state.scores.digest)
    today = dates.today(placement.school)
    close_form = forms.get("close_form")
    if (
        close_form is None
        and policy.can_close_mobility(user, placement)
        and not state.missing
        and not state.waits_for_end(today)
    ):
        close_form = CloseForm(formdata=None)
    return render_template(
        "closing/show_closing.html",
        placement=placement,
        state=state,
        report=report if shows_report else None,
        parts=_part_labels(),
        side=Side(side) if side else None,
        sides=list(Side),
        can_write=policy.can_write_stage_report(user, placement),
        return_form=return_form,
        survey_form=survey_form,
        scores_form=scores_form,
        close_form=close_form,
        waits_for_end=state.waits_for_end(today),
        actor_labels=ACTOR_LABELS,
        can_view_log=policy.can_view_placement_log(user, placement),
    ), status


def _part_labels() -> list[tuple[str, str]]:
    form = StageReportForm(formdata=None)
    return [(part, getattr(form, part).label.text) for part in REPORT_PARTS]


# -- the stage report ---------------------------------------------------------------------


def _report_text(form: StageReportForm) -> services.ReportText:
    return services.ReportText(**{part: getattr(form, part).data or "" for part in REPORT_PARTS})


@bp.route(CLOSING + "/report", methods=["GET", "POST"])
@login_required
def edit_report(placement_id: int):
    user = _user()
    placement = _placement(placement_id)
    if not policy.can_write_stage_report(user, placement):
        abort(403)
    report = services.report_of(placement)
    if report is not None and report.is_submitted:
        flash(
            _("The stage report is submitted. Your coach can send it back if it needs changes."),
            "info",
        )
        return _back(placement, "#stage-report")
    if request.method == "GET":
        form = StageReportForm(obj=report) if report else StageReportForm()
        form.version.data = report.version if report else None
        return _report_page(placement, report, form)
    form = StageReportForm()
    if not form.validate_on_submit():
        return _report_page(placement, report, form, 422)
    try:
        services.save_report(
            placement,
            user,
            _report_text(form),
            expected_version=form.version.data,
            submit=bool(form.submit.data),
        )
    except DomainError as error:
        show_error(form, error)
        return _report_page(placement, report, form, 422)
    except StaleEdit:
        db.session.expire_all()
        report = services.report_of(placement)
        form.version.data = report.version if report else None
        return _report_page(placement, report, form, 409, conflict=True)
    if form.submit.data:
        flash(
            _("Your stage report is submitted. Your coach and the monitor can read it."), "success"
        )
        return _back(placement, "#stage-report")
    flash(_("The draft is saved. Only you can read it until you submit it."), "success")
    return redirect(url_for(".edit_report", placement_id=placement.id))


def _report_page(placement, report, form, status: int = 200, conflict: bool = False):
    return render_template(
        "closing/edit_report.html",
        placement=placement,
        report=report,
        form=form,
        parts=_part_labels(),
        conflict=conflict,
    ), status


@bp.route(CLOSING + "/report/return", methods=["POST"])
@login_required
def return_report(placement_id: int):
    user = _user()
    placement = _placement(placement_id)
    if not policy.can_return_stage_report(user, placement):
        abort(403)
    form = ReturnReportForm()
    if not form.validate_on_submit():
        return _closing_page(placement, 422, return_form=form)
    try:
        services.return_report(placement, user, form.note.data, expected_version=form.version.data)
    except DomainError as error:
        show_error(form, error)
        return _closing_page(placement, 422, return_form=form)
    except StaleEdit:
        flash(_("The participant changed the report meanwhile. Read it again."), "error")
        return _back(placement, "#stage-report")
    flash(_("The stage report is sent back to the participant with your note."), "success")
    return _back(placement, "#stage-report")


# -- the EU survey, the final scores, closing --------------------------------------------------


@bp.route(CLOSING + "/survey", methods=["POST"])
@login_required
def confirm_survey(placement_id: int):
    user = _user()
    placement = _placement(placement_id)
    if not policy.can_confirm_survey(user, placement):
        abort(403)
    form = SurveyForm()
    if not form.validate_on_submit():
        return _closing_page(placement, 422, survey_form=form)
    try:
        services.confirm_survey(placement, user, form.filled_on.data)
    except DomainError as error:
        show_error(form, error)
        return _closing_page(placement, 422, survey_form=form)
    except StaleEdit:
        flash(_("Someone saved the closing meanwhile. Try again."), "error")
        return _back(placement, "#survey")
    flash(_("Thank you: the EU survey is confirmed."), "success")
    return _back(placement, "#survey")


@bp.route(CLOSING + "/scores", methods=["POST"])
@login_required
def confirm_scores(placement_id: int):
    user = _user()
    placement = _placement(placement_id)
    side = policy.score_confirmation_side(user, placement)
    if side is None:
        abort(403)
    form = ConfirmScoresForm()
    if not form.validate_on_submit():
        abort(400)  # not a form of the page: it always carries the digest
    try:
        services.confirm_scores(placement, user, Side(side), digest=form.digest.data)
    except DomainError as error:
        show_error(None, error)
        return _back(placement, "#scores")
    except StaleEdit:
        flash(
            _("The scores changed while you were reading them. Check them again, then confirm."),
            "error",
        )
        return _back(placement, "#scores")
    flash(_("You confirmed the final scores."), "success")
    return _back(placement, "#scores")


@bp.route(CLOSING + "/close", methods=["POST"])
@login_required
def close_mobility(placement_id: int):
    user = _user()
    placement = _placement(placement_id)
    if not policy.can_close_mobility(user, placement):
        abort(403)
    form = CloseForm()
    if not form.validate_on_submit():
        return _closing_page(placement, 422, close_form=form)
    try:
        services.close(placement, user)
    except DomainError as error:
        show_error(None, error)
        return _closing_page(placement, 422)
    except StaleEdit:
        flash(_("Someone saved the closing meanwhile. Check it again."), "error")
        return _back(placement)
    flash(_("The mobility is closed and its Europass record signed off."), "success")
    return _back(placement, "#record")


# -- the Europass-ready record ------------------------------------------------------------------


def _signed_off(placement: Placement) -> services.Closing:
    """The closing of a mobility whose record the coach signed off; 404 before."""
    state = services.closing_of(placement)
    if not state.signed_off:
        abort(404)
    return state


def _record(state: services.Closing) -> dict:
    agreement = agreements.current(state.placement)
    return record.record_of(state, list(agreement.outcomes) if agreement else [])


@bp.route("/placements/<int:placement_id>/europass-record.json")
@login_required
def export_record_json(placement_id: int):
    placement = _placement(placement_id)
    state = _signed_off(placement)
    return Response(
        json.dumps(_record(state), ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{record.record_filename(placement, "json")}"'
            )
        },
    )


@bp.route("/placements/<int:placement_id>/europass-record.pdf")
@login_required
def export_record_pdf(placement_id: int):
    placement = _placement(placement_id)
    state = _signed_off(placement)
    return Response(
        record.record_pdf(state, _record(state)),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{record.record_filename(placement, "pdf")}"'
            )
        },
    )
