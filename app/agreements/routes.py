"""Routes of the learning agreement: each loads the mobility through `policy`, validates
its form and calls a service. The host's signer without an account signs on
`/learning-agreement/<token>`, which never logs anyone in.
"""

from __future__ import annotations

from contextlib import nullcontext

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app import audit, policy
from app.agreements import bp, document, services
from app.agreements.forms import AgreementForm, HostLinkForm, SignForm, StartForm
from app.domain import DomainError, StaleEdit
from app.extensions import db, limiter
from app.forms import CsrfForm, show_error
from app.mailer import MAIL_ERRORS
from app.models import LearningAgreement, Party, Placement, User
from app.models.columns import utcnow

CAPACITY_LABELS = {
    "coach": _l("coach"),
    "coordinator": _l("school coordinator"),
    "student": _l("participant"),
    "mentor": _l("mentor at the host workplace"),
    "monitor": _l("host monitor"),
    "host_coordinator": _l("host coordinator"),
    "link": _l("by e-mailed link"),
}


def _user() -> User:
    return current_user._get_current_object()


def _placement(placement_id: int, *, reading: bool = False) -> Placement:
    """The mobility whose agreement the user reads. A reader from outside the trio who
    opens it (`reading`) is noted in the audit trail, recorded once the page is served.
    """
    user = _user()
    placement = policy.agreement_placement_or_404(placement_id, user)
    if reading:
        audit.note_view(user, placement)
    return placement


def _to_agreement(placement: Placement, number: int | None = None):
    return redirect(url_for(".show_agreement", placement_id=placement.id, version=number))


def _requested_version(placement: Placement) -> LearningAgreement | None:
    """The version named by `?version=n`, else the latest; 404 for a number it lacks."""
    versions = services.versions_of(placement)
    number = request.args.get("version", type=int)
    if number is None:
        return versions[0] if versions else None
    found = next((v for v in versions if v.number == number), None)
    if found is None:
        abort(404)
    return found


# -- reading ----------------------------------------------------------------------------


@bp.app_context_processor
def _menu() -> dict:
    return {
        "agreements_menu": current_user.is_authenticated
        and policy.sees_agreements_menu(current_user)
    }


@bp.route("/learning-agreements")
@login_required
def list_agreements():
    """The mobilities whose learning agreement the user reads, with where each stands."""
    pagination, latest = services.agreements_for(
        _user(),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PER_PAGE"],
    )
    return render_template("agreements/list_agreements.html", pagination=pagination, latest=latest)


@bp.route("/placements/<int:placement_id>/learning-agreement")
@login_required
def show_agreement(placement_id: int):
    placement = _placement(placement_id, reading=True)
    return _agreement_page(placement, _requested_version(placement))


def _agreement_page(placement: Placement, shown: LearningAgreement | None, status=200, **forms):
    user = _user()
    versions = services.versions_of(placement)
    latest = versions[0] if versions else None
    is_latest = shown is not None and latest is not None and shown.id == latest.id
    may_draft = policy.can_draft_agreement(user, placement)
    unsigned = (
        {
            party: capacity
            for party, capacity in policy.agreement_parties(user, placement).items()
            if shown.signature_of(party) is None
        }
        if is_latest
        else {}
    )
    sign_form = forms.get("sign_form")
    if sign_form is None and unsigned:
        sign_form = SignForm(version=shown.version, party=next(iter(unsigned)).value)
    if sign_form is not None:
        sign_form.party.choices = [SelectChoice(party.value, party.label) for party in unsigned]
    start_form = forms.get("start_form")
    if start_form is None and may_draft and shown is None:
        start_form = StartForm(language=str(get_locale()))
    host_form = forms.get("host_form")
    if host_form is None and may_draft and is_latest and shown.signature_of(Party.HOST) is None:
        host_form = HostLinkForm()
    return render_template(
        "agreements/show_agreement.html",
        placement=placement,
        agreement=shown,
        versions=versions,
        is_latest=is_latest,
        outcomes=services.outcome_titles(shown) if shown else [],
        can_view_placement=policy.can_view_placement(user, placement),
        can_view_log=policy.can_view_placement_log(user, placement),
        may_draft=may_draft,
        sign_form=sign_form if unsigned else None,
        host_form=host_form,
        start_form=start_form,
        action_form=CsrfForm(),
        capacities=CAPACITY_LABELS,
        parties=list(Party),
    ), status


@bp.route("/placements/<int:placement_id>/learning-agreement.pdf")
@login_required
def export_agreement(placement_id: int):
    placement = _placement(placement_id, reading=True)
    agreement = _requested_version(placement)
    if agreement is None:
        abort(404)
    return Response(
        document.agreement_pdf(agreement, CAPACITY_LABELS),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{document.agreement_filename(agreement)}"'
            ),
        },
    )


# -- drafting ---------------------------------------------------------------------------


def _drafted(placement_id: int) -> tuple[User, Placement]:
    user = _user()
    placement = _placement(placement_id)
    if not policy.can_draft_agreement(user, placement):
        abort(403)
    return user, placement


@bp.route("/placements/<int:placement_id>/learning-agreement/start", methods=["POST"])
@login_required
def start_agreement(placement_id: int):
    user, placement = _drafted(placement_id)
    form = StartForm()
    valid = form.validate_on_submit()
    if form.csrf_token.errors:
        abort(400)
    # Started meanwhile (in another tab): the service says so, whatever the form holds.
    if not valid and services.current(placement) is None:
        return _agreement_page(placement, None, 422, start_form=form)
    try:
        services.start(placement, user, form.language.data if valid else None)
    except DomainError as error:
        show_error(None, error)
        return _to_agreement(placement)
    flash(_("The learning agreement is started, filled in from the placement."), "success")
    return redirect(url_for(".edit_agreement", placement_id=placement.id))


def _agreement_form(placement: Placement, agreement: LearningAgreement | None = None):
    if agreement is None:
        form = AgreementForm()
    else:
        form = AgreementForm(obj=agreement)
        # One goal a line (the object holds lists, which the form would print as such).
        form.language_goals.data = "\n".join(agreement.language_goals)
        form.cultural_goals.data = "\n".join(agreement.cultural_goals)
    form.outcomes.choices = [
        SelectChoice(choice.id, choice.title) for choice in services.outcome_choices(placement)
    ]
    return form


def _text(form: AgreementForm) -> services.AgreementText:
    return services.AgreementText(
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        outcomes=form.outcomes.data or [],
        language_goals=services.goals_from_lines(form.language_goals.data or ""),
        cultural_goals=services.goals_from_lines(form.cultural_goals.data or ""),
        **{name: getattr(form, name).data or "" for name in services.TEXT_FIELDS},
    )


@bp.route("/placements/<int:placement_id>/learning-agreement/edit", methods=["GET", "POST"])
@login_required
def edit_agreement(placement_id: int):
    user, placement = _drafted(placement_id)
    agreement = services.current(placement)
    if agreement is None:
        flash(_("Start the learning agreement first."), "error")
        return _to_agreement(placement)
    if request.method == "GET":
        if agreement.is_locked:
            flash(
                _(
                    "This version is signed, so it can no longer be changed. Make a new "
                    "version: it needs all three signatures again."
                ),
                "error",
            )
            return _to_agreement(placement)
        return _edit_page(placement, agreement, _agreement_form(placement, agreement))
    form = _agreement_form(placement)
    if not form.validate_on_submit():
        return _edit_page(placement, agreement, form, 422)
    try:
        changed = services.update(agreement, user, _text(form), expected_version=form.version.data)
    except DomainError as error:
        show_error(form, error)
        return _edit_page(placement, agreement, form, 422)
    except StaleEdit:
        flash(
            _(
                "Someone changed the agreement after you opened it. Your text is below; what "
                "is saved now is on the agreement's page. Save again to replace it."
            ),
            "error",
        )
        db.session.expire_all()
        agreement = services.current(placement)
        form.version.data = agreement.version
        return _edit_page(placement, agreement, form, 409)
    flash(_("The draft is saved.") if changed else _("Nothing changed."), "success")
    return _to_agreement(placement)


def _edit_page(placement: Placement, agreement: LearningAgreement, form, status=200):
    return render_template(
        "agreements/edit_agreement.html", placement=placement, agreement=agreement, form=form
    ), status


@bp.route("/placements/<int:placement_id>/learning-agreement/new-version", methods=["POST"])
@login_required
def create_version(placement_id: int):
    user, placement = _drafted(placement_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    agreement = services.current(placement)
    if agreement is None:
        abort(404)
    try:
        copy = services.new_version(agreement, user)
    except DomainError as error:
        show_error(None, error)
        return _to_agreement(placement)
    flash(
        _(
            "Version %(number)d is a copy of the signed version. Change it, then all three "
            "sign again.",
            number=copy.number,
        ),
        "success",
    )
    return redirect(url_for(".edit_agreement", placement_id=placement.id))


@bp.route("/placements/<int:placement_id>/learning-agreement/host-link", methods=["POST"])
@login_required
def send_host_link(placement_id: int):
    user, placement = _drafted(placement_id)
    agreement = services.current(placement)
    if agreement is None:
        abort(404)
    form = HostLinkForm()
    if not form.validate_on_submit():
        return _agreement_page(placement, agreement, 422, host_form=form)
    try:
        services.send_host_link(
            agreement, user, name=form.name.data, email=form.email.data.strip(), now=utcnow()
        )
    except DomainError as error:
        show_error(form, error)
        return _agreement_page(placement, agreement, 422, host_form=form)
    except MAIL_ERRORS:
        current_app.logger.exception("Learning agreement link e-mail failed")
        flash(_("The e-mail could not be sent. Try again later."), "error")
        return _to_agreement(placement)
    flash(_("The link to sign is sent to %(email)s.", email=form.email.data.strip()), "success")
    return _to_agreement(placement)


# -- signing ----------------------------------------------------------------------------


@bp.route(
    "/placements/<int:placement_id>/learning-agreement/versions/<int:number>/sign",
    methods=["POST"],
)
@login_required
def sign_agreement(placement_id: int, number: int):
    user = _user()
    placement = _placement(placement_id)
    agreement = next((v for v in services.versions_of(placement) if v.number == number), None)
    if agreement is None:
        abort(404)
    parties = policy.agreement_parties(user, placement)
    if not parties:
        abort(403)
    form = SignForm()
    form.party.choices = [SelectChoice(party.value, party.label) for party in parties]
    if not form.validate_on_submit():
        return _agreement_page(placement, agreement, 422, sign_form=form)
    party = next((p for p in parties if p.value == form.party.data), None)
    if party is None:
        abort(403)
    try:
        services.sign(
            agreement,
            user,
            party,
            parties[party],
            typed_name=form.typed_name.data or "",
            consent=bool(form.consent.data),
            expected_version=form.version.data,
        )
    except DomainError as error:
        show_error(form, error)
        return _agreement_page(placement, agreement, 422, sign_form=form)
    except StaleEdit:
        flash(
            _("The agreement changed while you were reading it. Read it again, then sign."),
            "error",
        )
        return _to_agreement(placement)
    flash(_signed_message(agreement), "success")
    return _to_agreement(placement)


def _signed_message(agreement: LearningAgreement) -> str:
    db.session.refresh(agreement)
    if agreement.is_signed:
        return _("Signed. The learning agreement is now signed by all three parties.")
    return _("Signed. The text of this version is now fixed.")


# -- the host's signer by link ----------------------------------------------------------

LINK_STATUS = {
    services.LinkProblem.EXPIRED: 410,
    services.LinkProblem.USED: 410,
    services.LinkProblem.REPLACED: 410,
    services.LinkProblem.CLOSED: 410,
}


def _per_address() -> str:
    return f"{current_app.config['LOGIN_ATTEMPTS_PER_MINUTE'] * 2}/minute"


def _refused(response) -> bool:
    """Only links that do not work count towards the limit, as failed logins do."""
    return response.status_code in (404, 410)


def _language():
    """The page speaks English, the common language with the host, unless the visitor
    chose a language with the switcher or is logged in.
    """
    if current_user.is_authenticated or session.get("locale"):
        return nullcontext()
    return force_locale("en")


@bp.route("/learning-agreement/<token>", methods=["GET", "POST"])
@limiter.limit(_per_address, deduct_when=_refused)
def sign_by_link(token: str):
    link = services.read_link(token)
    agreement = db.session.get(LearningAgreement, link.agreement_id) if link else None
    if agreement is None:
        abort(404)
    with _language():
        page = _link_page(link, agreement)
    response = make_response(page)
    # The address is the key: no other site learns it.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _link_page(link: services.HostLink, agreement: LearningAgreement):
    now = utcnow()
    problem = services.link_problem(link, agreement, now)
    if problem is not None:
        services.record_link_refusal(link, agreement, problem)
        return render_template(
            "agreements/link_refused.html",
            agreement=agreement,
            problem=problem.value,
            days=services.LINK_DAYS,
        ), LINK_STATUS[problem]
    form = SignForm(version=agreement.version, party=Party.HOST.value)
    form.party.choices = [SelectChoice(Party.HOST.value, Party.HOST.label)]
    status = 200
    if request.method == "POST":
        form = SignForm()
        form.party.choices = [SelectChoice(Party.HOST.value, Party.HOST.label)]
        if form.validate_on_submit():
            try:
                services.sign(
                    agreement,
                    None,
                    Party.HOST,
                    "link",
                    typed_name=form.typed_name.data or "",
                    consent=bool(form.consent.data),
                    expected_version=form.version.data,
                    email=link.email,
                    now=now,
                )
            except DomainError as error:
                show_error(form, error)
            except StaleEdit:
                db.session.expire_all()
                flash(
                    _("The agreement changed while you were reading it. Read it again, then sign."),
                    "error",
                )
                form.version.data = agreement.version
                return _sign_page(agreement, form, 409)
            else:
                return render_template("agreements/link_signed.html", agreement=agreement)
        status = 422
    return _sign_page(agreement, form, status)


def _sign_page(agreement: LearningAgreement, form: SignForm, status: int):
    return render_template(
        "agreements/sign_by_link.html",
        agreement=agreement,
        placement=agreement.placement,
        outcomes=services.outcome_titles(agreement),
        form=form,
        capacities=CAPACITY_LABELS,
        parties=list(Party),
    ), status
