"""Forms for logging in, passwords and the user's own settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, Length, ValidationError

from app.auth.passwords import (
    COMMON_MESSAGE,
    LENGTH_MESSAGE,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    is_common,
)
from app.models import EmailPreference
from app.validators import address_not_formula, single_line


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    remember = BooleanField(
        _l("Keep me logged in on this device"),
        description=_l("Only on your own phone or computer. School staff log in every day."),
    )
    next = HiddenField()


class SecondStepForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l(
            "The 6 digits your authenticator app shows for Leerspoor now. Lost your phone? "
            "Type one of your recovery codes instead."
        ),
    )


class EnrolSecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("The 6 digits the app shows for Leerspoor after adding the key."),
    )


class CurrentPasswordForm(FlaskForm):
    """A form that asks the current password again before something that matters."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_current_password(self, field) -> None:
        if not self.user.check_password(field.data):
            raise ValidationError(_l("This is not your current password."))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])


def not_common(_form, field) -> None:
    """A password on the shipped list of common passwords is guessed in seconds."""
    if field.data and is_common(field.data):
        raise ValidationError(COMMON_MESSAGE)


def _new_password_field(label) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=LENGTH_MESSAGE,
            ),
            not_common,
        ],
        description=_l(
            "At least %(min)d characters. A short sentence is easy to remember and hard to guess.",
            min=MIN_PASSWORD_LENGTH,
        ),
    )


class SetPasswordForm(FlaskForm):
    password = _new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


class ChangeEmailForm(CurrentPasswordForm):
    """A new address, with the current password."""

    email = EmailField(
        _l("New e-mail address"),
        validators=[DataRequired(), Email(), Length(max=254), address_not_formula],
    )


class ChangePasswordForm(CurrentPasswordForm, SetPasswordForm):
    """A new password, with the current one."""


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), single_line])
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")],
        default="nl",
    )
    notify_by_email = SelectField(
        _l("E-mail me"),
        choices=[SelectChoice(choice.value, choice.label) for choice in EmailPreference],
        default=EmailPreference.EACH.value,
        description=_l(
            "About what happens in your placements: each notification as it comes, one "
            "summary a day, or no e-mail (you still find everything under the bell)."
        ),
    )


class LanguageForm(FlaskForm):
    """The language switcher on every page."""

    locale = StringField(validators=[AnyOf(("nl", "en"))])
    next = HiddenField()


class MembershipInvitationAnswerForm(FlaskForm):
    """Accept or decline an organisation's invitation: the button pressed is the answer."""

    answer = HiddenField(validators=[AnyOf(("accept", "decline"))])
