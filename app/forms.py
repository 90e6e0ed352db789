"""Form pieces every feature uses: the CSRF-only form behind action buttons, the bounds
of an id typed into a form, the hidden version of what a form edits, a whole number typed
on any keyboard, what of a sent form is worth keeping, and putting a service's refusal
next to its field. Also the forms two features show: a privacy request recorded from a
person's page, and a link e-mailed to a parent or guardian with the start of its answer
(`app.guardianlinks`).
"""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange
from wtforms.widgets import HiddenInput, TextInput

from app.domain import DomainError
from app.models import RequestKind
from app.validators import address_not_formula, single_line
from app.web import LARGEST_ID

# An id sent in a form: beyond what the database stores it is simply not found.
ID_RANGE = NumberRange(min=1, max=LARGEST_ID)
# The languages an e-mail to a parent or guardian, and the page it links to, are offered in.
GUARDIAN_LANGUAGES = (("nl", "Nederlands"), ("en", "English"))


class SubmitButtonWidget:
    """A `<button>` rather than an `<input type=submit>`: its label wraps on a phone
    instead of pushing the page sideways.
    """

    def __call__(self, field, **kwargs) -> Markup:
        attributes = {"type": "submit", "name": field.name, "value": "1", "id": field.id}
        # `class_` and `data_confirm` are how templates pass `class` and `data-confirm`.
        attributes.update(
            {key.rstrip("_").replace("_", "-"): value for key, value in kwargs.items()}
        )
        rendered = Markup(" ").join(
            Markup('{}="{}"').format(key, value) for key, value in attributes.items()
        )
        return Markup("<button {}>{}</button>").format(rendered, field.label.text)


class SubmitButton(SubmitField):
    widget = SubmitButtonWidget()


class VersionField(IntegerField):
    """The version a form's edit starts from (of the object, or the id of the row it
    replaces), hidden in the page.

    It shows its data, never what was sent: after a conflict the route points it at what
    is saved now, and the page must carry that, so saving its form again knowingly
    replaces what the user has seen. (WTForms shows the sent value first, which would
    make the second save a conflict again.)
    """

    widget = HiddenInput()

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


class WholeNumberField(IntegerField):
    """A whole number typed on any keyboard: a text box (styled like the others, with a
    numeric keypad on phones) whose bad input is reported by the range validator alone,
    in its own words, instead of as a second, technical message.
    """

    widget = TextInput()

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip()
        self.data = int(text) if text.isascii() and text.isdigit() and len(text) < 6 else None


class CsrfForm(FlaskForm):
    """Only the CSRF token, for buttons that post an action."""


class RecordRequestForm(FlaskForm):
    """A privacy request someone made by phone or letter: on the person's page (admin),
    recorded by the privacy pages.
    """

    kind = SelectField(
        _l("What they ask"),
        choices=[SelectChoice(kind.value, kind.label) for kind in RequestKind],
    )
    note = TextAreaField(
        _l("Who asked and how"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("For example: the mother, by phone on 2 December."),
    )


class GuardianLinkForm(FlaskForm):
    """Whom to e-mail a guardian's link (`app.guardianlinks`), whatever it is for."""

    guardian_name = StringField(
        _l("Parent or guardian"),
        validators=[DataRequired(), Length(max=200), single_line],
        description=_l("For example: Marc Peeters (father)."),
    )
    email = EmailField(
        _l("Their e-mail address"),
        validators=[DataRequired(), Email(), Length(max=254), address_not_formula],
    )
    language = SelectField(
        _l("Language of the e-mail"),
        choices=[SelectChoice(code, name) for code, name in GUARDIAN_LANGUAGES],
    )


class GuardianAnswerBase(FlaskForm):
    """What every answer through a guardian's link starts with: the name they sign with.
    A purpose adds the tick (`guardian_tick`) under the name its page has always posted,
    and its own buttons.
    """

    signed_name = StringField(
        _l("Your name"), validators=[DataRequired(), Length(max=200), single_line]
    )


def guardian_tick() -> BooleanField:
    """The tick that the one answering is a parent or the legal guardian: required."""
    return BooleanField(
        _l("I am a parent or the legal guardian of this participant."),
        validators=[DataRequired(_l("Tick the box to answer as parent or guardian."))],
    )


# Fields never kept, by a word in their name: passwords, CSRF tokens, second-factor and
# recovery codes, signed links. (Files are never in a form's text fields.)
SECRET_WORDS = ("password", "csrf", "token", "code", "secret")
# Bounds: what a form of this site can hold, so a draft cannot fill the database.
MAX_FIELDS = 80
MAX_VALUES = 50
MAX_VALUE_LENGTH = 20_000


def typed_fields(form: MultiDict) -> dict[str, list[str]]:
    """The fields of a sent form worth keeping, {name: [values]}; empty when nothing in
    it was typed or chosen.
    """
    kept: dict[str, list[str]] = {}
    for name in list(form.keys())[:MAX_FIELDS]:
        if any(word in name.lower() for word in SECRET_WORDS) or len(name) > 100:
            continue
        kept[name] = [value[:MAX_VALUE_LENGTH] for value in form.getlist(name)[:MAX_VALUES]]
    # Something typed has a letter in it: ids, versions, dates and ticks alone are not
    # worth a draft.
    if not any(char.isalpha() for values in kept.values() for value in values for char in value):
        return {}
    return kept


def show_error(form, error: DomainError) -> None:
    """How a route shows a service's refusal: the message next to the field it names,
    else (or without a form: `show_error(None, error)`) on top of the page. A refusal no
    route catches is shown the same way by the error handler (app/errors.py).
    """
    field = getattr(form, error.field, None)
    if field is None:
        flash(str(error.message), "error")
    else:
        field.errors.append(str(error.message))
