"""Routes for logging in and out, invitations, password resets and account settings."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app import policy
from app.auth import bp, devices, second_factor, services
from app.auth.forms import (
    AccountForm,
    ChangeEmailForm,
    ChangePasswordForm,
    CurrentPasswordForm,
    EnrolSecondFactorForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    MembershipInvitationAnswerForm,
    SecondStepForm,
    SetPasswordForm,
)
from app.auth.second_factor import CodeCheck
from app.auth.sessions import SECOND_FACTOR_DONE, is_staff, second_step_for, session_started
from app.auth.tokens import Purpose, TokenError, TokenProblem, token_data, user_for_token
from app.domain import DomainError
from app.extensions import db, limiter
from app.forms import CsrfForm, show_error
from app.mailer import MAIL_ERRORS
from app.models import EmailPreference, User, normalise_email
from app.models.columns import utcnow
from app.web import safe_next


def _log_in(user, remember: bool = False, *, second_factor_done: bool = False) -> None:
    """Start a fresh session for `user` (no fixation), keeping the chosen language.

    Staff are never kept logged in: their sessions end after the absolute age.
    """
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user, remember=remember and not is_staff(user))
    session.update(session_started(second_factor_done=second_factor_done))


def _onwards(user, target: str | None):
    """After the password: the second step when `user` needs one, else `target` (and the
    login is complete: this browser becomes a known device).
    """
    step = second_step_for(user)
    if step is not None:
        return redirect(url_for(step, next=target or None))
    devices.remember(user)
    return redirect(safe_next(target))


def _failed_login(response) -> bool:
    """Only failed attempts count towards the limits (a success redirects)."""
    return request.method == "POST" and response.status_code != 302


def _account_key() -> str:
    return "login-account:" + normalise_email(request.form.get("email", ""))


def _reset_key() -> str:
    return "reset-account:" + normalise_email(request.form.get("email", ""))


def _per_account() -> str:
    return f"{current_app.config['LOGIN_ATTEMPTS_PER_MINUTE']}/minute"


def _per_address() -> str:
    return f"{current_app.config['LOGIN_ATTEMPTS_PER_MINUTE'] * 2}/minute"


def _known_device() -> bool:
    """Whether this login comes from a known device of the account it names."""
    return request.method == "POST" and devices.known_for(request.form.get("email", "")) is not None


def _device_key() -> str:
    return "login-device:" + str(devices.known_for(request.form.get("email", "")))


# A known device is exempt from the limits per account and per address (which anyone can
# set off) and has a counter of its own instead, as large as the account's.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _per_account,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed_login,
    exempt_when=_known_device,
)
@limiter.limit(_per_address, methods=["POST"], deduct_when=_failed_login, exempt_when=_known_device)
@limiter.limit(
    _per_account,
    key_func=_device_key,
    methods=["POST"],
    deduct_when=_failed_login,
    exempt_when=lambda: not _known_device(),
)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _log_in(user, remember=form.remember.data)
            services.record_login(user)
            return _onwards(user, form.next.data)
        form.password.errors.append(_("This e-mail address and password do not match."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_sessions(current_user._get_current_object())
    session.clear()
    logout_user()  # after clearing: it leaves the note that deletes the remember cookie
    flash(_("You are logged out."), "success")
    response = redirect(url_for("auth.login"))
    # Every answer is sent with `no-store`; this also empties what a browser kept anyway
    # (its back-forward cache, files saved before `no-store`) on a shared computer.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(  # no mailbox flooding; only requests that were accepted count
    "3/hour", key_func=_reset_key, methods=["POST"], deduct_when=lambda r: r.status_code == 302
)
@limiter.limit(_per_address, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "If this address belongs to an account, a link to choose a new password "
                "is on its way. Check your mailbox (and the spam folder)."
            ),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


def _token_problem_message(problem: TokenProblem) -> str:
    if problem is TokenProblem.EXPIRED:
        return _("This link has expired. Ask for a new one below.")
    if problem is TokenProblem.USED:
        return _("This link was already used. Log in, or ask for a new link below.")
    return _("This link is not valid. Check that you copied all of it, or ask for a new one.")


def _password_page(token: str, purpose: Purpose, template: str, complete, done: str):
    """Show or handle a set-password form behind a signed link, then log the user in."""
    try:
        user = user_for_token(token, purpose)
    except TokenError as error:
        flash(_token_problem_message(error.problem), "error")
        return redirect(url_for("auth.forgot_password"))
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = complete(token, form.password.data)
        except TokenError as error:
            flash(_token_problem_message(error.problem), "error")
            return redirect(url_for("auth.forgot_password"))
        _log_in(user)
        services.record_login(user)
        flash(done, "success")
        return _onwards(user, None)
    return render_template(template, form=form, user=user)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _password_page(
        token,
        Purpose.INVITATION,
        "auth/accept_invitation.html",
        services.accept_invitation,
        _("Welcome to Leerspoor! Your password is set."),
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _password_page(
        token,
        Purpose.PASSWORD_RESET,
        "auth/reset_password.html",
        services.reset_password,
        _("Your new password is set. You are logged in."),
    )


@bp.route("/account", methods=["GET", "POST"])
@login_required
def edit_account():
    user = current_user._get_current_object()
    form = _account_form(user)
    if form.validate_on_submit():
        shown = _shown_locale(user)
        services.update_account(
            user,
            name=form.name.data,
            # The language shown and kept is no choice: someone who never chose one keeps
            # following the site's (and the language switcher's) language.
            locale=None if form.locale.data == shown else form.locale.data,
            notify_by_email=EmailPreference(form.notify_by_email.data),
        )
        session["locale"] = form.locale.data
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("auth.edit_account"))
    return _account_page(form=form)


def _account_form(user: User) -> AccountForm:
    """The account form as stored; the language shown is the one the person reads now
    (the site's default until they choose), so saving it unchanged changes nothing.
    """
    return AccountForm(
        data={
            "name": user.name,
            "locale": _shown_locale(user),
            "notify_by_email": user.notify_by_email.value,
        }
    )


def _shown_locale(user: User) -> str:
    return user.locale or str(get_locale())


def _account_page(**forms):
    """My account, with each form as sent (when one was) or empty."""
    user = current_user._get_current_object()
    forms.setdefault("form", _account_form(user))
    forms.setdefault("password_form", ChangePasswordForm(user, prefix="password"))
    forms.setdefault("email_form", ChangeEmailForm(user, prefix="email"))
    forms.setdefault("codes_form", CurrentPasswordForm(user, prefix="codes"))
    return render_template(
        "auth/edit_account.html",
        recovery_codes_left=(
            second_factor.recovery_codes_left(user) if user.has_second_factor else 0
        ),
        second_factor_required=second_factor.required_for(user),
        invitations_waiting=len(services.membership_invitations(user)),
        **forms,
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    password_form = ChangePasswordForm(user, prefix="password")
    if password_form.validate_on_submit():
        services.set_password(user, password_form.password.data, action="password_changed")
        _log_in(
            user,
            remember="remember_token" in request.cookies,
            second_factor_done=session.get(SECOND_FACTOR_DONE, False),
        )
        devices.remember(user)  # the new password ended every known device but this one
        flash(_("Your password is changed. Your other devices are logged out."), "success")
        return redirect(url_for("auth.edit_account"))
    return _account_page(password_form=password_form)


def _email_change_key() -> str:
    return "email-change:" + current_user.get_id().partition(":")[0]


@bp.route("/account/email", methods=["POST"])
@login_required
@limiter.limit("5/hour", key_func=_email_change_key)  # every try, whatever it was
@limiter.limit(_per_address)
def change_email():
    """Ask for a new address: an e-mail goes there, and the address changes when the link
    in it is opened. The answer is the same whether or not another account uses the
    address (the e-mail to it says so), so the form tells nobody who has an account.
    """
    user = current_user._get_current_object()
    email_form = ChangeEmailForm(user, prefix="email")
    if email_form.validate_on_submit():
        new_email = normalise_email(email_form.email.data)
        if new_email == user.email:
            email_form.email.errors.append(_("This is already your address."))
        else:
            try:
                services.request_email_change(user, new_email)
            except MAIL_ERRORS:
                # The same answer whether or not the address is in use: both send mail.
                db.session.rollback()
                flash(_("The e-mail could not be sent. Try again later."), "error")
                return redirect(url_for("auth.edit_account"))
            flash(
                _(
                    "We sent an e-mail to %(email)s. Your address changes when you open the "
                    "link in it.",
                    email=new_email,
                ),
                "success",
            )
            return redirect(url_for("auth.edit_account"))
    return _account_page(email_form=email_form)


def _email_link_problem(problem: TokenProblem) -> str:
    if problem is TokenProblem.EXPIRED:
        return _("This link has expired. Ask for the change again under My account.")
    if problem is TokenProblem.USED:
        return _("This link no longer works: it was used, or your address or password changed.")
    return _("This link is not valid. Check that you copied all of it.")


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Open the link sent to the new address, and confirm with a button (so that a mail
    scanner following links changes nothing).
    """
    try:
        user, data = token_data(token, Purpose.EMAIL_CHANGE)
    except TokenError as error:
        flash(_email_link_problem(error.problem), "error")
        return redirect(url_for("auth.edit_account"))
    form = CsrfForm()
    if form.validate_on_submit():
        here = current_user.is_authenticated and current_user.id == user.id
        try:
            user = services.change_email(token)
        except TokenError as error:
            flash(_email_link_problem(error.problem), "error")
            return redirect(url_for("auth.edit_account"))
        except DomainError as error:
            show_error(None, error)
            return redirect(url_for("auth.edit_account"))
        if here:  # this browser stays logged in (and known); every other session has ended
            _log_in(user, second_factor_done=session.get(SECOND_FACTOR_DONE, False))
            devices.remember(user)
        flash(_("Your e-mail address is now %(email)s.", email=user.email), "success")
        return redirect(url_for("auth.edit_account" if here else "auth.login"))
    return render_template(
        "auth/confirm_email.html", form=form, user=user, new_email=data.get("e", "")
    )


# -- invitations of other organisations --------------------------------------------------


@bp.route("/account/invitations")
@login_required
def list_membership_invitations():
    """The roles organisations invite the user to take on, to accept or decline."""
    user = current_user._get_current_object()
    return render_template(
        "auth/list_membership_invitations.html",
        invitations=services.membership_invitations(user),
        now=utcnow(),
        form=MembershipInvitationAnswerForm(),
    )


@bp.route("/account/invitations/<int:invitation_id>", methods=["POST"])
@login_required
def answer_membership_invitation(invitation_id: int):
    user = current_user._get_current_object()
    invitation = policy.membership_invitation_or_404(invitation_id, user)
    form = MembershipInvitationAnswerForm()
    if not form.validate_on_submit():
        abort(400)
    accept = form.answer.data == "accept"
    organisation, role = invitation.organisation.name, invitation.role
    try:
        services.answer_membership_invitation(user, invitation, accept=accept)
    except DomainError as error:
        show_error(None, error)
        return redirect(url_for("auth.list_membership_invitations"))
    if accept:
        flash(
            _(
                "You are now %(role)s at %(organisation)s.",
                role=role.label.lower(),
                organisation=organisation,
            ),
            "success",
        )
        return redirect(url_for("placements.index"))
    flash(_("You declined the invitation of %(organisation)s.", organisation=organisation), "info")
    return redirect(url_for("auth.list_membership_invitations"))


# -- the second factor ------------------------------------------------------------------


def _second_step_key() -> str:
    user_id = current_user.get_id() if current_user.is_authenticated else "-"
    return "second-step:" + user_id.partition(":")[0]


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_per_account, key_func=_second_step_key, methods=["POST"], deduct_when=_failed_login)
@limiter.limit(_per_address, methods=["POST"], deduct_when=_failed_login)
def second_step():
    """After the password: a code from the app, or a recovery code."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    user = current_user._get_current_object()
    target = request.args.get("next")
    if session.get(SECOND_FACTOR_DONE) or not user.has_second_factor:
        return redirect(safe_next(target))
    form = SecondStepForm()
    if form.validate_on_submit():
        check = second_factor.check_code(user, form.code.data)
        if check.passed:
            session[SECOND_FACTOR_DONE] = True
            devices.remember(user)
            if check is CodeCheck.RECOVERY_CODE:
                _flash_recovery_codes_left(user)
            return redirect(safe_next(target))
        form.code.errors.append(
            _("This code was already used. Wait for the next one in your app.")
            if check is CodeCheck.REUSED
            else _(
                "This code is not right. Check that the time on your phone is correct, "
                "or type a recovery code."
            )
        )
    return render_template("auth/second_step.html", form=form, half_logged_in=True)


def _flash_recovery_codes_left(user) -> None:
    left = second_factor.recovery_codes_left(user)
    flash(
        ngettext(
            "You logged in with a recovery code; %(num)d is left. Make new ones under My account.",
            "You logged in with a recovery code; %(num)d are left. Make new ones under My account.",
            left,
        ),
        "info",
    )


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
def enrol_second_factor():
    """Set up the authenticator app: scan or type the key, confirm with a first code."""
    user = current_user._get_current_object()
    target = request.args.get("next")
    if user.has_second_factor:
        if not session.get(SECOND_FACTOR_DONE):
            return redirect(url_for("auth.second_step", next=target or None))
        flash(_("Your second factor is set up."), "info")
        return redirect(url_for("auth.edit_account"))
    secret = second_factor.pending_secret(user)
    form = EnrolSecondFactorForm()
    if form.validate_on_submit():
        codes = second_factor.confirm_enrolment(user, form.code.data)
        if codes is not None:
            session[SECOND_FACTOR_DONE] = True
            devices.remember(user)
            return render_template(
                "auth/recovery_codes.html", codes=codes, onwards=safe_next(target)
            )
        form.code.errors.append(
            _(
                "This code is not right. Check that you added the key shown here and that "
                "the time on your phone is correct."
            )
        )
    uri = second_factor.provisioning_uri(user, secret)
    required = second_factor.required_for(user)
    return render_template(
        "auth/enrol_second_factor.html",
        form=form,
        key=second_factor.grouped_key(secret),
        uri=uri,
        qr_code=second_factor.qr_code_data_uri(uri),
        required=required,
        half_logged_in=required and not session.get(SECOND_FACTOR_DONE),
    )


@bp.route("/account/second-factor/recovery-codes", methods=["POST"])
@login_required
def renew_recovery_codes():
    """New recovery codes, after the current password; the old ones stop working."""
    user = current_user._get_current_object()
    if not user.has_second_factor:
        return redirect(url_for("auth.enrol_second_factor"))
    codes_form = CurrentPasswordForm(user, prefix="codes")
    if codes_form.validate_on_submit():
        codes = second_factor.renew_recovery_codes(user)
        return render_template(
            "auth/recovery_codes.html", codes=codes, onwards=url_for("auth.edit_account")
        )
    return _account_page(codes_form=codes_form)


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            services.set_locale(current_user._get_current_object(), form.locale.data)
    return redirect(safe_next(form.next.data))
