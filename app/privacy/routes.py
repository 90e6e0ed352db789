"""The privacy page, generated from the registry, for everyone (also before logging in:
a parent or a company asks before they have an account); one's own data and asking for
its erasure; the requests a school answers.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app import dates, policy
from app.dates import SHORT_DATE, format_day
from app.forms import RecordRequestForm
from app.models import RequestKind
from app.models.columns import utcnow
from app.privacy import bp, minors, retention, services
from app.privacy.forms import (
    EraseForm,
    ErasureRequestForm,
    RefuseForm,
    SchoolPrivacyForm,
)
from app.privacy.registry import CATEGORIES
from app.privacy.retention import PLACEMENT_RECORD


def _actor():
    return current_user._get_current_object()


@bp.route("/privacy")
def show_privacy():
    return render_template("privacy/show_privacy.html", categories=CATEGORIES)


@bp.route("/privacy/notice", methods=["POST"])
@login_required
def accept_notice():
    if FlaskForm().validate_on_submit():
        services.accept_notice(_actor(), utcnow())
        flash(_("Thank you. You find the privacy page at the bottom of every page."), "success")
    return redirect(url_for("placements.index"))


@bp.route("/privacy/my-data", methods=["GET", "POST"])
@login_required
def export_own_data():
    form = FlaskForm()
    if form.validate_on_submit():
        return _download(_actor())
    return _render_own_data(form, ErasureRequestForm())


def _render_own_data(form, erasure_form, status: int = 200):
    person = _actor()
    return (
        render_template(
            "privacy/export_own_data.html",
            form=form,
            erasure_form=erasure_form,
            erasure_request=services.open_erasure_request(person),
            school=services.answering_school(person),
        ),
        status,
    )


@bp.route("/privacy/my-data/erasure", methods=["POST"])
@login_required
def request_erasure():
    form = ErasureRequestForm()
    if not form.validate_on_submit():
        return _render_own_data(FlaskForm(), form, 422)
    request = services.file_request(
        _actor(), _actor(), RequestKind.ERASURE, form.note.data or "", utcnow()
    )
    flash(
        _(
            "Your request is with your school. It answers by %(day)s.",
            day=format_day(request.due_on, SHORT_DATE),
        ),
        "success",
    )
    return redirect(url_for("privacy.export_own_data"))


@bp.route("/privacy/people/<int:user_id>/export", methods=["POST"])
@login_required
def export_person(user_id: int):
    actor = _actor()
    person = policy.user_or_404(user_id, actor)
    if not policy.can_export_person(actor, person):
        abort(403)
    if not FlaskForm().validate_on_submit():
        abort(400)
    return _download(person)


def _download(person) -> Response:
    now = utcnow()
    archive = services.export_person(_actor(), person, now)
    filename = services.export_filename(person, now)
    return Response(
        archive,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/privacy/people/<int:user_id>/requests", methods=["POST"])
@login_required
def record_request(user_id: int):
    actor = _actor()
    person = policy.user_or_404(user_id, actor)
    if not policy.can_export_person(actor, person) or actor.id == person.id:
        abort(403)
    form = RecordRequestForm()
    if not form.validate_on_submit():
        flash(_("Say who asked and how, then record the request again."), "error")
        return redirect(url_for("admin.edit_user", user_id=person.id))
    services.file_request(actor, person, RequestKind(form.kind.data), form.note.data, utcnow())
    flash(_("The request is recorded; it is due in one month."), "success")
    return redirect(url_for("privacy.list_requests"))


# -- the requests a school answers ------------------------------------------------------


@bp.route("/privacy/requests")
@login_required
def list_requests():
    actor = _actor()
    if not policy.can_answer_privacy_requests(actor):
        abort(403)
    open_requests, answered = services.requests_for(actor)
    return render_template(
        "privacy/list_requests.html",
        open_requests=open_requests,
        answered=answered,
        today=dates.today(),
    )


@bp.route("/privacy/requests/<int:request_id>", methods=["GET"])
@login_required
def show_request(request_id: int):
    request = policy.privacy_request_or_404(request_id, _actor())
    return _render_request(request, EraseForm(), RefuseForm())


def _render_request(request, erase_form, refuse_form, status: int = 200):
    return (
        render_template(
            "privacy/show_request.html",
            privacy_request=request,
            erase_form=erase_form,
            refuse_form=refuse_form,
            export_form=FlaskForm(),
            today=dates.today(),
        ),
        status,
    )


def _open_request_or_409(request_id: int):
    request = policy.privacy_request_or_404(request_id, _actor())
    if not request.is_open:
        flash(_("This request was answered already."), "error")
        return request, redirect(url_for("privacy.show_request", request_id=request.id))
    return request, None


@bp.route("/privacy/requests/<int:request_id>/erase", methods=["POST"])
@login_required
def erase_for_request(request_id: int):
    request, answered = _open_request_or_409(request_id)
    if answered:
        return answered
    if request.kind is not RequestKind.ERASURE:
        abort(400)
    form = EraseForm()
    if not form.validate_on_submit():
        return _render_request(request, form, RefuseForm(), 422)
    services.carry_out_erasure(_actor(), request, utcnow())
    flash(_("The data are erased. Tell the person what was kept, as below."), "success")
    return redirect(url_for("privacy.show_request", request_id=request.id))


@bp.route("/privacy/requests/<int:request_id>/refuse", methods=["POST"])
@login_required
def refuse_request(request_id: int):
    request, answered = _open_request_or_409(request_id)
    if answered:
        return answered
    form = RefuseForm()
    if not form.validate_on_submit():
        return _render_request(request, EraseForm(), form, 422)
    services.refuse_request(_actor(), request, form.reason.data, utcnow())
    flash(_("The request is refused. Tell the person why, as below."), "success")
    return redirect(url_for("privacy.show_request", request_id=request.id))


# -- retention --------------------------------------------------------------------------


@bp.route("/privacy/schools/<int:school_id>/settings", methods=["GET", "POST"])
@login_required
def edit_school_privacy(school_id: int):
    actor = _actor()
    if not policy.is_administrator(actor):
        abort(403)
    school = policy.school_or_404(school_id, actor)
    if not policy.can_edit_organisation(actor, school):
        abort(403)
    periods = retention.periods_of([school.id])[school.id]
    form = SchoolPrivacyForm(data={**periods, "guardian_approval": minors.guardian_rule(school)})
    if form.validate_on_submit():
        retention.save_periods(
            actor, school, {category.key: form[category.key].data for category in PLACEMENT_RECORD}
        )
        minors.save_guardian_rule(actor, school, form.guardian_approval.data)
        flash(_("The privacy settings of %(school)s are saved.", school=school.name), "success")
        return redirect(url_for("admin.edit_organisation", organisation_id=school.id))
    status = 422 if form.is_submitted() else 200
    return render_template("privacy/edit_school_privacy.html", school=school, form=form), status
