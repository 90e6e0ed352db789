"""Routes for logging in and out, invitations, password resets and account settings."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp, services
from app.auth.forms import (
    AccountForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    SetPasswordForm,
)
from app.auth.tokens import Purpose, TokenError, TokenProblem, user_for_token
from app.extensions import limiter
from app.models import EmailPreference, normalise_email
from app.web import safe_next


def _log_in(user, remember: bool = False) -> None:
    """Start a fresh session for `user` (no fixation), keeping the chosen language."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user, remember=remember)


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


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_per_account, key_func=_account_key, methods=["POST"], deduct_when=_failed_login)
@limiter.limit(_per_address, methods=["POST"], deduct_when=_failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _log_in(user, remember=form.remember.data)
            services.record_login(user)
            return redirect(safe_next(form.next.data))
        form.password.errors.append(_("This e-mail address and password do not match."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_sessions(current_user._get_current_object())
    session.clear()
    logout_user()  # after clearing: it leaves the note that deletes the remember cookie
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


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
        return redirect(url_for("placements.index"))
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
    form = AccountForm(obj=user)
    if form.validate_on_submit():
        services.update_account(
            user,
            name=form.name.data,
            locale=form.locale.data,
            notify_by_email=EmailPreference(form.notify_by_email.data),
        )
        session["locale"] = form.locale.data
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("auth.edit_account"))
    return render_template(
        "auth/edit_account.html",
        form=form,
        password_form=ChangePasswordForm(user, prefix="password"),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    password_form = ChangePasswordForm(user, prefix="password")
    if password_form.validate_on_submit():
        services.set_password(user, password_form.password.data, action="password_changed")
        _log_in(user, remember="remember_token" in request.cookies)
        flash(_("Your password is changed. Your other devices are logged out."), "success")
        return redirect(url_for("auth.edit_account"))
    return render_template(
        "auth/edit_account.html", form=AccountForm(obj=user), password_form=password_form
    )


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            services.set_locale(current_user._get_current_object(), form.locale.data)
    return redirect(safe_next(form.next.data))
