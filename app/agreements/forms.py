"""Forms of the learning agreement: its text, a signature, and the host's signer by link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import SubmitButton, VersionField
from app.i18n import LANGUAGE_NAMES
from app.models import Party
from app.validators import address_not_formula


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes: easier to tap on a phone than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text(label, description=None, rows=3):
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=4000)],
        description=description,
        render_kw={"rows": rows},
    )


class StartForm(FlaskForm):
    """Starting the agreement: the language its proposed texts are written in."""

    language = SelectField(
        _l("Language of the texts"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        description=_l(
            "The agreement starts with texts you can change (assessment, recognition, "
            "liability, insurance, guidance). The host abroad reads and signs it too: "
            "choose a language they read."
        ),
        validators=[InputRequired()],
    )
    start = SubmitButton(_l("Start the learning agreement"))


class AgreementForm(FlaskForm):
    version = VersionField(validators=[InputRequired()])
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    outcomes = CheckboxesField(
        _l("Learning outcomes"),
        description=_l("The competences of the placement's framework the stay works on."),
        validate_choice=False,  # the service names one that is not of this placement
    )
    language_goals = _text(
        _l("Language goals"),
        _l("One per line, e.g. “Ask for help in Spanish at work”."),
    )
    cultural_goals = _text(
        _l("Socio-cultural goals"),
        _l("One per line, e.g. “Take part in the monitor's programme of local activities”."),
    )
    tasks = _text(_l("Tasks at the host workplace"), rows=4)
    assessment = _text(_l("How the learning outcomes are assessed"))
    recognition = _text(_l("How the learning outcomes are recognised at the school"))
    liability = _text(_l("Liability"))
    insurance = _text(_l("Insurance"))
    guidance = _text(_l("Guidance"))
    save = SubmitButton(_l("Save the draft"))


class SignForm(FlaskForm):
    """A signature: the version read, the party, the name typed and the consent ticked."""

    version = VersionField(validators=[InputRequired()])
    party = SelectField(
        _l("Sign for"),
        choices=[SelectChoice(party.value, party.label) for party in Party],
        validators=[InputRequired()],
        validate_choice=False,  # the route checks the party is the signer's
    )
    typed_name = StringField(
        _l("Your full name"),
        validators=[Optional(), Length(max=200)],
        description=_l("Typing your name is your signature."),
    )
    consent = BooleanField(
        _l("I have read this learning agreement and agree to it."),
        validators=[Optional()],
    )
    sign = SubmitButton(_l("Sign the learning agreement"))


class HostLinkForm(FlaskForm):
    """Whom at the host organisation to ask for its signature by e-mail."""

    name = StringField(
        _l("Name of the host's signer"),
        validators=[InputRequired(_l("Give the signer's name.")), Length(max=200)],
    )
    email = EmailField(
        _l("E-mail address of the host's signer"),
        validators=[
            InputRequired(_l("Give the signer's e-mail address.")),
            Length(max=254),
            Email(_l("This is not an e-mail address.")),
            address_not_formula,
        ],
    )
    send = SubmitButton(_l("Send the link to sign"))
