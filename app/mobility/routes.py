"""Routes of the mobility file: the file itself (its participant and the school), what is
handed in and checked there, the training company's approval page, and the page behind a
guardian's link, which never logs anyone in.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app import audit, dates, guardianlinks, policy
from app.domain import DomainError
from app.extensions import limiter
from app.followup.evidence import PDF
from app.forms import GuardianLinkForm, show_error
from app.guardianlinks import LinkProblem
from app.mobility import bp, services
from app.mobility.forms import (
    CompanyApprovalForm,
    DeadlineForm,
    GuardianAnswerForm,
    ParticipationForm,
    ReviewForm,
    UploadForm,
)
from app.mobility.tokens import APPROVAL
from app.models import Placement, User
from app.models.columns import utcnow
from app.models.mobility import GuardianLink, ItemKind
from app.web import emailed_link_limit, emailed_link_refused

FILE = "/placements/<int:placement_id>/mobility-file"


def _user() -> User:
    return current_user._get_current_object()


def _kind(value: str) -> ItemKind:
    try:
        return ItemKind(value)
    except ValueError:
        abort(404)


def _back(placement: Placement, kind: ItemKind | None = None):
    anchor = f"#item-{kind.value}" if kind else ""
    return redirect(url_for(".show_file", placement_id=placement.id) + anchor)


# -- the file ---------------------------------------------------------------------------


@bp.route(FILE)
@login_required
def show_file(placement_id: int):
    user = _user()
    placement = policy.mobility_or_404(placement_id, user)
    audit.note_view(user, placement)
    return _file_page(placement, user)


def _file_page(placement: Placement, user: User, *, failed=None, status: int = 200):
    """The file; `failed` is {kind: form} of a form just refused, shown with its errors."""
    failed = failed or {}
    checks = policy.can_check_mobility_file(user, placement)
    found = services.file_of(placement)
    forms = {}
    for item in found.items:
        kind = item.kind
        forms[kind] = {
            "upload": failed.get((kind, "upload"))
            or (
                UploadForm(prefix=kind.value, formdata=None)
                if kind not in services.NO_UPLOAD
                and policy.can_deliver_mobility_item(user, placement, kind)
                and item.status != services.ItemStatus.NOT_NEEDED
                else None
            ),
            "review": failed.get((kind, "review"))
            or (ReviewForm(prefix=kind.value, formdata=None) if checks else None),
            "deadline": failed.get((kind, "deadline"))
            or (
                DeadlineForm(prefix=kind.value, formdata=None, data={"deadline": item.deadline})
                if checks
                else None
            ),
        }
    participation = failed.get("participation") or (
        ParticipationForm(formdata=None)
        if user.id == placement.student_id and found.item(ItemKind.PARTICIPANT_APPROVAL).missing
        else None
    )
    guardian = failed.get("guardian") or (
        GuardianLinkForm(formdata=None)
        if checks and found.minor and found.guardian_approval is None
        else None
    )
    return (
        render_template(
            "mobility/show_file.html",
            placement=placement,
            file=found,
            forms=forms,
            participation_form=participation,
            guardian_form=guardian,
            checks=checks,
            can_manage=policy.can_manage_placement(user, placement),
            can_view_log=policy.can_view_placement_log(user, placement),
            today=dates.today(placement.school),
            now=utcnow(),
        ),
        status,
    )


@bp.route(FILE + "/<kind>/upload", methods=["POST"])
@login_required
def deliver_item(placement_id: int, kind: str):
    user = _user()
    placement = policy.mobility_or_404(placement_id, user)
    kind = _kind(kind)
    if kind in services.NO_UPLOAD or not policy.can_deliver_mobility_item(user, placement, kind):
        abort(403)
    form = UploadForm(prefix=kind.value)
    if form.validate_on_submit():
        upload = form.file.data
        try:
            services.deliver_file(placement, kind, user, upload.filename, upload.stream)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The document is in the mobility file."), "success")
            return _back(placement, kind)
    return _file_page(placement, user, failed={(kind, "upload"): form}, status=422)


@bp.route(FILE + "/<kind>/file")
@login_required
def download_item(placement_id: int, kind: str):
    user = _user()
    placement = policy.mobility_or_404(placement_id, user)
    audit.note_view(user, placement)
    item = services.file_of(placement).item(_kind(kind))
    if not item.has_file:
        abort(404)
    try:
        stored = services.open_file(item.row)
    except FileNotFoundError:
        current_app.logger.error("The file of mobility item %d is missing", item.row.id)
        abort(404)
    return send_file(
        stored,
        mimetype=item.row.content_type,
        as_attachment=item.row.content_type == PDF,
        download_name=item.row.filename,
    )


@bp.route(FILE + "/<kind>/review", methods=["POST"])
@login_required
def review_item(placement_id: int, kind: str):
    user = _user()
    placement = policy.mobility_or_404(placement_id, user, "check")
    kind = _kind(kind)
    form = ReviewForm(prefix=kind.value)
    if form.validate_on_submit() and (form.accept.data or form.send_back.data):
        try:
            services.review_item(
                placement, kind, user, accept=bool(form.accept.data), note=form.note.data or ""
            )
        except DomainError as error:
            show_error(form, error)
        else:
            if form.accept.data:
                flash(_("Accepted."), "success")
            else:
                flash(_("Sent back, with your note."), "success")
            return _back(placement, kind)
    return _file_page(placement, user, failed={(kind, "review"): form}, status=422)


@bp.route(FILE + "/<kind>/deadline", methods=["POST"])
@login_required
def set_deadline(placement_id: int, kind: str):
    user = _user()
    placement = policy.mobility_or_404(placement_id, user, "check")
    kind = _kind(kind)
    form = DeadlineForm(prefix=kind.value)
    if form.validate_on_submit():
        try:
            changed = services.set_deadline(placement, kind, user, form.deadline.data)
        except DomainError as error:
            show_error(form, error)
        else:
            if changed:
                flash(_("The deadline is moved."), "success")
            return _back(placement, kind)
    return _file_page(placement, user, failed={(kind, "deadline"): form}, status=422)


@bp.route(FILE + "/participation", methods=["POST"])
@login_required
def approve_participation(placement_id: int):
    user = _user()
    placement = policy.mobility_or_404(placement_id, user)
    if user.id != placement.student_id:
        abort(403)
    form = ParticipationForm()
    if form.validate_on_submit():
        try:
            services.approve_participation(placement, user, form.signed_name.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Thank you: your approval is in the mobility file."), "success")
            return _back(placement, ItemKind.PARTICIPANT_APPROVAL)
    return _file_page(placement, user, failed={"participation": form}, status=422)


@bp.route(FILE + "/guardian-link", methods=["POST"])
@login_required
def send_guardian_link(placement_id: int):
    user = _user()
    placement = policy.mobility_or_404(placement_id, user, "check")
    form = GuardianLinkForm()
    if form.validate_on_submit():
        try:
            link = services.send_guardian_link(
                placement,
                user,
                guardian_name=form.guardian_name.data,
                email=form.email.data,
                language=form.language.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The link is e-mailed to %(name)s.", name=link.guardian_name), "success")
            return _back(placement, ItemKind.GUARDIAN_APPROVAL)
    return _file_page(placement, user, failed={"guardian": form}, status=422)


# -- the training company's approval ---------------------------------------------------


@bp.route("/placements/<int:placement_id>/company-approval", methods=["GET", "POST"])
@login_required
def company_approval(placement_id: int):
    """The one thing the dual learner's company sees of the stay abroad: who, where,
    when, and its approval.
    """
    user = _user()
    placement = policy.mobility_or_404(placement_id, user, "company")
    found = services.file_of(placement)
    form = CompanyApprovalForm(formdata=None if request.method == "GET" else request.form)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and (form.approve.data or form.decline.data):
            try:
                services.answer_for_company(
                    placement,
                    user,
                    approve=bool(form.approve.data),
                    signed_name=form.signed_name.data,
                    note=form.note.data or "",
                )
            except DomainError as error:
                show_error(form, error)
            else:
                if form.approve.data:
                    flash(_("Thank you: the stay abroad is approved."), "success")
                else:
                    flash(_("Your answer is sent to the school."), "success")
                return redirect(url_for(".company_approval", placement_id=placement.id))
        status = 422
    return (
        render_template(
            "mobility/company_approval.html",
            placement=placement,
            item=found.item(ItemKind.COMPANY_APPROVAL),
            duals=found.dual_placements,
            destination=services.destination(placement),
            form=form,
        ),
        status,
    )


# -- a guardian's link -------------------------------------------------------------------

# What a guardian whose link does not work can do, as this page says it.
LINK_PROBLEMS = {
    guardianlinks.EXPIRED: _l(
        "A link to approve works for a limited time. Ask %(school)s for a new one."
    ),
    guardianlinks.USED: _l(
        "An answer was given with this link already: it works once. Contact %(school)s to "
        "change it."
    ),
    guardianlinks.DONE: _l(
        "The school has what it needs, or the stay no longer takes place. Contact %(school)s "
        "with questions."
    ),
}


@bp.route("/guardian/<token>", methods=["GET", "POST"])
@limiter.limit(emailed_link_limit, deduct_when=emailed_link_refused)
def answer_guardian_link(token: str):
    """A parent's or guardian's answer, through the link the school e-mailed them."""
    return guardianlinks.answer_page(APPROVAL, token, _guardian_answer)


def _guardian_answer(link: GuardianLink):
    now = utcnow()
    placement = link.placement
    try:
        services.check_guardian_link(link, now)
    except LinkProblem as problem:
        return guardianlinks.problem_page(link, problem, LINK_PROBLEMS)
    form = GuardianAnswerForm(formdata=None if request.method == "GET" else request.form)
    if request.method == "GET":
        return _guardian_page(link, form, 200)
    if form.validate_on_submit() and (form.approve.data or form.decline.data):
        try:
            services.answer_guardian_link(
                link,
                approve=bool(form.approve.data),
                signed_name=form.signed_name.data,
                note=form.note.data or "",
                now=now,
            )
        except LinkProblem as problem:
            return guardianlinks.problem_page(link, problem, LINK_PROBLEMS)
        return render_template(
            "mobility/guardian_done.html", placement=placement, approved=bool(form.approve.data)
        )
    return _guardian_page(link, form, 422)


def _guardian_page(link: GuardianLink, form, status: int):
    placement = link.placement
    return (
        render_template(
            "mobility/guardian_link.html",
            link=link,
            placement=placement,
            destination=services.destination(placement),
            form=form,
        ),
        status,
    )
