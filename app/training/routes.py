"""Training routes: the catalogue and a module's page with its quiz, reflection and
assignment. Mentors train, and whoever guides or follows them (`policy.can_train`) may
read along; progress is each person's own.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from app import dates, policy
from app.content.modules import BASIC_PATH, Module
from app.content.services import localised, training_library
from app.dates import LONG_DATE, format_day
from app.domain import DomainError
from app.extensions import db, limiter
from app.forms import show_error
from app.mailer import external_url
from app.models import PostStatus, PracticePost, Role, User
from app.spreadsheets import csv_download
from app.training import bp, services
from app.training.certificate import CertificateView
from app.training.certificate import render as render_certificate
from app.training.forms import (
    AssignmentForm,
    MentorRecordForm,
    PracticeForm,
    QuizForm,
    RecommendationForm,
    ReflectionForm,
)
from app.training.printable import template_pdf
from app.training.services import COMPETENCE_LABELS


def _user() -> User:
    return current_user._get_current_object()


def _language() -> str:
    return str(get_locale())


def _module_or_404(module_id: str) -> Module:
    module = training_library().module(module_id, _language())
    if module is None:
        abort(404)
    return module


# Pages with a rule of their own: recommending a module belongs to a placement, and
# anyone may check a certificate's code.
OWN_RULE = {"training.recommend_module", "training.verify_certificate"}


@bp.before_request
def _check_access():
    """The training is for those who train or follow it (`policy.can_train`); a student
    gets 403 on its pages. Anonymous visitors reach `login_required`, which sends them to
    log in.
    """
    if request.endpoint in OWN_RULE or not current_user.is_authenticated:
        return
    if not policy.can_train(_user()):
        abort(403)


@bp.context_processor
def _training_texts() -> dict:
    return {"competence_labels": COMPETENCE_LABELS}


@bp.route("/training/")
@login_required
def index():
    user = _user()
    library = training_library()
    progress = services.progress_of(user)
    # A company coordinator comes here for their mentors: the page opens on the mentors'
    # progress; a progress bar of their own only if they are a mentor themselves.
    mentors_first = user.has_role(Role.COMPANY_COORDINATOR)
    mentor_rows = None
    if mentors_first:
        mentor_rows = services.mentor_rows(
            policy.visible_mentors(user).order_by(User.name, User.id), library, _language()
        )
    return render_template(
        "training/index.html",
        groups=services.catalogue(library, _language()),
        progress=progress,
        paths=services.path_progress(library, progress)
        if not mentors_first or user.has_role(Role.MENTOR)
        else [],
        certificates=services.certificates_of(user),
        recommended=services.open_recommendations(user, library, _language()),
        follows_mentors=policy.can_follow_mentor_training(user),
        certificate_form=QuizForm(),
        mentor_rows=mentor_rows,
        path_titles=lambda path_id: services.path_title(library, path_id),
        compliance=services.compliance_labels(),
        today=dates.today(),
        nested_cards=True,
    )


@bp.route("/training/modules/<module_id>")
@login_required
def show_module(module_id: str):
    user = _user()
    module = _module_or_404(module_id)
    services.start(user, module)
    return _module_page(module, user)


def _module_page(
    module: Module, user: User, *, result=None, quiz_error=None, following=None, **forms
):
    progress = services.progress_of(user).get(module.id)
    reflection_form = forms.get("reflection_form") or ReflectionForm(
        reflection=progress.reflection if progress else ""
    )
    assignment_form = forms.get("assignment_form") or AssignmentForm(
        note=progress.assignment_note if progress else ""
    )
    return render_template(
        "training/show_module.html",
        module=module,
        practice=services.practice_for(module, user),
        practice_form=forms.get("practice_form")
        or (PracticeForm() if policy.can_share_practice(user) else None),
        progress=progress,
        result=result,
        following=following,
        quiz_error=quiz_error,
        quiz_form=QuizForm(),
        reflection_form=reflection_form,
        assignment_form=assignment_form,
        updated=progress is not None
        and progress.done
        and (progress.completed_version or 0) < module.version,
    )


@bp.route("/training/modules/<module_id>/quiz", methods=["GET", "POST"])
@login_required
def answer_quiz(module_id: str):
    user = _user()
    module = _module_or_404(module_id)
    if request.method == "GET":  # the answer's address, reopened
        return redirect(url_for(".show_module", module_id=module.id) + "#quiz")
    if not QuizForm().validate_on_submit():
        abort(400)
    try:
        result = services.answer_quiz(user, module, request.form.to_dict())
    except DomainError as error:
        return _module_page(module, user, quiz_error=str(error.message)), 422
    if result.newly_completed:
        flash(_("Module completed. Well done!"), "success")
    following = (
        services.next_module(training_library(), services.progress_of(user), module, _language())
        if result.passed
        else None
    )
    return _module_page(module, user, result=result, following=following)


@bp.route("/training/modules/<module_id>/reflection", methods=["GET", "POST"])
@login_required
def save_reflection(module_id: str):
    user = _user()
    module = _module_or_404(module_id)
    if request.method == "GET":
        return redirect(url_for(".show_module", module_id=module.id) + "#reflect")
    form = ReflectionForm()
    if not form.validate_on_submit():
        return _module_page(module, user, reflection_form=form), 422
    services.save_reflection(user, module, form.reflection.data or "")
    flash(_("Your reflection is saved. Only you can read it."), "success")
    return redirect(url_for(".show_module", module_id=module.id) + "#reflect")


@bp.route("/training/modules/<module_id>/assignment", methods=["GET", "POST"])
@login_required
def mark_assignment(module_id: str):
    user = _user()
    module = _module_or_404(module_id)
    if request.method == "GET":
        return redirect(url_for(".show_module", module_id=module.id) + "#try-it")
    form = AssignmentForm()
    if not form.validate_on_submit():
        return _module_page(module, user, assignment_form=form), 422
    services.mark_assignment(user, module, form.note.data or "")
    flash(_("Marked as tried. Good luck with the next one!"), "success")
    return redirect(url_for(".show_module", module_id=module.id) + "#try-it")


# -- practice sharing -------------------------------------------------------------------


@bp.route("/training/modules/<module_id>/practice", methods=["GET", "POST"])
@login_required
def share_practice(module_id: str):
    user = _user()
    module = _module_or_404(module_id)
    if request.method == "GET":
        return redirect(url_for(".show_module", module_id=module.id) + "#practice")
    if not policy.can_share_practice(user):
        abort(403)
    form = PracticeForm()
    if form.validate_on_submit():
        try:
            services.share_practice(user, module, form.body.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Thank you. Other mentors see it once a coordinator approves it."), "success")
            return redirect(url_for(".show_module", module_id=module.id) + "#practice")
    return _module_page(module, user, practice_form=form), 422


@bp.route("/training/practice")
@login_required
def review_practice():
    """Shared practice waiting for this coordinator's (or admin's) approval."""
    user = _user()
    if not policy.is_administrator(user):
        abort(403)
    posts = db.session.scalars(
        policy.reviewable_practice(user)
        .where(PracticePost.status == PostStatus.PENDING)
        .options(joinedload(PracticePost.author))
        .order_by(PracticePost.created_at)
    ).all()
    library = training_library()
    return render_template(
        "training/review_practice.html",
        posts=posts,
        titles={p.module_id: _title(library, p.module_id) for p in posts},
        form=QuizForm(),
    )


def _title(library, module_id: str) -> str:
    module = library.module(module_id, _language())
    return module.title if module else module_id


@bp.route("/training/practice/<int:post_id>/review", methods=["POST"])
@login_required
def review_post(post_id: int):
    user = _user()
    post = db.session.scalar(policy.reviewable_practice(user).where(PracticePost.id == post_id))
    if post is None:
        abort(404)
    if not QuizForm().validate_on_submit() or request.form.get("decision") not in (
        "approve",
        "reject",
    ):
        abort(400)
    services.review_practice(post, user, approve=request.form["decision"] == "approve")
    flash(
        _("Approved: other mentors see it now.")
        if post.status == PostStatus.APPROVED
        else _("Not published."),
        "success",
    )
    return redirect(url_for(".review_practice"))


# -- recommendations --------------------------------------------------------------------


@bp.route("/placements/<int:placement_id>/recommend", methods=["GET", "POST"])
@login_required
def recommend_module(placement_id: int):
    """The coach or a coordinator points the placement's mentor to a module."""
    user = _user()
    placement = policy.placement_or_404(placement_id, user)
    if not policy.can_recommend_training(user, placement):
        abort(403)
    library = training_library()
    form = RecommendationForm()
    form.module.choices = [
        SelectChoice(module.id, module.title)
        for _competence, modules in services.catalogue(library, _language())
        for module in modules
    ]
    if form.validate_on_submit():
        services.recommend(placement, user, _module_or_404(form.module.data), form.note.data or "")
        flash(
            _("Recommended to %(name)s. It is on their home page now.", name=placement.mentor.name),
            "success",
        )
        return redirect(url_for("placements.show_placement", placement_id=placement.id))
    status = 422 if form.is_submitted() else 200
    return render_template("training/recommend_module.html", placement=placement, form=form), status


# -- following mentors' training --------------------------------------------------------


def _followed_mentors() -> Select:
    user = _user()
    if not policy.can_follow_mentor_training(user):
        abort(403)
    return policy.visible_mentors(user).order_by(User.name, User.id)


@bp.route("/training/mentors")
@login_required
def list_mentors():
    """The coordinators' view: who completed what, and who must finish the basic training."""
    library = training_library()
    rows = services.mentor_rows(_followed_mentors(), library, _language())
    return render_template(
        "training/list_mentors.html",
        rows=rows,
        path_titles=lambda path_id: services.path_title(library, path_id),
        today=dates.today(),
        compliance=services.compliance_labels(),
    )


@bp.route("/training/mentors.csv")
@login_required
def export_mentors():
    library = training_library()
    rows = services.mentor_rows(_followed_mentors(), library, _language())
    return csv_download(services.mentors_csv(rows, library, dates.today()), "mentor-training.csv")


@bp.route("/training/mentors/<int:mentor_id>", methods=["GET", "POST"])
@login_required
def edit_mentor_record(mentor_id: int):
    user = _user()
    if not policy.can_follow_mentor_training(user):
        abort(403)
    mentor = policy.mentor_or_404(mentor_id, user)
    [row] = services.mentor_rows(
        select(User).where(User.id == mentor.id), training_library(), _language()
    )
    form = MentorRecordForm(obj=row.record)
    if form.validate_on_submit():
        services.save_mentor_record(
            mentor,
            user,
            years_experience=form.years_experience.data,
            good_conduct_on=form.good_conduct_on.data,
            mentor_since=form.mentor_since.data,
        )
        flash(_("The record of %(name)s is saved.", name=mentor.name), "success")
        return redirect(url_for(".list_mentors"))
    status = 422 if form.is_submitted() else 200
    return (
        render_template(
            "training/edit_mentor_record.html",
            mentor=mentor,
            row=row,
            form=form,
            today=dates.today(),
            compliance=services.compliance_labels(),
        ),
        status,
    )


# -- the template pack ------------------------------------------------------------------


def _template_or_404(template_id: str):
    versions = training_library().templates.get(template_id)
    if not versions:
        abort(404)
    return versions.get(_language()) or next(iter(versions.values()))


@bp.route("/training/templates/")
@login_required
def list_templates():
    library = training_library()
    templates = [
        versions.get(_language()) or next(iter(versions.values()))
        for versions in library.templates.values()
    ]
    return render_template(
        "training/list_templates.html", templates=sorted(templates, key=lambda t: t.title)
    )


@bp.route("/training/templates/<template_id>")
@login_required
def show_template(template_id: str):
    return render_template("training/show_template.html", template=_template_or_404(template_id))


@bp.route("/training/templates/<template_id>.pdf")
@login_required
def download_template(template_id: str):
    template = _template_or_404(template_id)
    return Response(
        template_pdf(template),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{template.id}-{template.language}.pdf"'
        },
    )


# -- certificates -----------------------------------------------------------------------


def _path_or_404(path_id: str):
    path = training_library().path(path_id)
    if path is None:
        abort(404)
    return path


@bp.route("/training/paths/<path_id>/certificate", methods=["POST"])
@login_required
def issue_certificate(path_id: str):
    user = _user()
    path = _path_or_404(path_id)
    if not QuizForm().validate_on_submit():
        abort(400)
    try:
        certificate = services.issue_certificate(user, training_library(), path)
    except DomainError as error:
        show_error(None, error)
        return redirect(url_for(".index"))
    # Back on the page, which now shows the certificate with its code and download: a
    # PDF sent straight away would leave the page saying "Get my certificate".
    flash(_("Your certificate is ready. Download it below."), "success")
    return redirect(url_for(".index", _anchor=f"certificate-{certificate.path_id}"))


@bp.route("/training/certificates/<code>.pdf")
@login_required
def download_certificate(code: str):
    certificate = services.verify_certificate(code)
    if certificate is None or certificate.user_id != _user().id:
        abort(404)
    return Response(
        render_certificate(_certificate_view(certificate)),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="certificate-{certificate.code}.pdf"',
        },
    )


@bp.route("/verify/<code>")
@limiter.limit("30/minute")  # codes are random; this keeps guessing them pointless
def verify_certificate(code: str):
    """Public: anyone holding a certificate's code sees whether it is real."""
    certificate = services.verify_certificate(code)
    if certificate is None:
        return render_template("training/verify_certificate.html", certificate=None), 404
    return render_template(
        "training/verify_certificate.html",
        certificate=certificate,
        view=_certificate_view(certificate),
    )


def _certificate_view(certificate) -> CertificateView:
    library = training_library()
    language = _language()
    path = library.path(certificate.path_id)
    modules = []
    for item in certificate.modules:
        module = library.module(item["id"], language)
        modules.append(
            (
                module.title if module else item["id"],
                format_day(date.fromisoformat(item["completed_on"]), LONG_DATE),
            )
        )
    return CertificateView(
        name=certificate.name,
        path_title=localised(path.title) if path else certificate.path_id,
        issued_on=format_day(certificate.issued_at, LONG_DATE),
        modules=modules,
        code=certificate.code,
        verify_url=external_url("training.verify_certificate", code=certificate.code),
        techniques=_("Covers the seven techniques of a recognised mentor training.")
        if certificate.path_id == BASIC_PATH
        else "",
    )
