"""Training routes: the catalogue and a module's page with its quiz, reflection and
assignment. Every logged-in person may train; progress is each person's own.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.content.modules import Module
from app.content.services import training_library
from app.models import User
from app.training import bp, services
from app.training.forms import AssignmentForm, QuizForm, ReflectionForm
from app.training.services import COMPETENCE_LABELS, TrainingError


def _user() -> User:
    return current_user._get_current_object()


def _language() -> str:
    return str(get_locale())


def _module_or_404(module_id: str) -> Module:
    module = training_library().module(module_id, _language())
    if module is None:
        abort(404)
    return module


@bp.context_processor
def _training_texts() -> dict:
    return {"competence_labels": COMPETENCE_LABELS}


@bp.route("/")
@login_required
def index():
    library = training_library()
    progress = services.progress_of(_user())
    return render_template(
        "training/index.html",
        groups=services.catalogue(library, _language()),
        progress=progress,
        paths=services.path_progress(library, progress),
    )


@bp.route("/modules/<module_id>")
@login_required
def show_module(module_id: str):
    user = _user()
    module = _module_or_404(module_id)
    services.start(user, module)
    return _module_page(module, user)


def _module_page(module: Module, user: User, *, result=None, quiz_error=None, **forms):
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
        progress=progress,
        result=result,
        quiz_error=quiz_error,
        quiz_form=QuizForm(),
        reflection_form=reflection_form,
        assignment_form=assignment_form,
        updated=progress is not None
        and progress.done
        and (progress.completed_version or 0) < module.version,
    )


@bp.route("/modules/<module_id>/quiz", methods=["GET", "POST"])
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
    except TrainingError as error:
        return _module_page(module, user, quiz_error=str(error.message)), 422
    if result.newly_completed:
        flash(_("Module completed. Well done!"), "success")
    return _module_page(module, user, result=result)


@bp.route("/modules/<module_id>/reflection", methods=["GET", "POST"])
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


@bp.route("/modules/<module_id>/assignment", methods=["GET", "POST"])
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
