"""Forms of privacy requests."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.models import RequestKind


class ErasureRequestForm(FlaskForm):
    note = TextAreaField(
        _l("Why (optional)"),
        validators=[Optional(), Length(max=500)],
        description=_l("Your school reads this when it decides."),
    )


class RecordRequestForm(FlaskForm):
    kind = SelectField(
        _l("What they ask"),
        choices=[SelectChoice(kind.value, kind.label) for kind in RequestKind],
    )
    note = TextAreaField(
        _l("Who asked and how"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("For example: the mother, by phone on 2 December."),
    )


class EraseForm(FlaskForm):
    confirmed = BooleanField(
        _l("I checked that the school may erase these data, and that it cannot be undone."),
        validators=[DataRequired(_l("Tick this to confirm."))],
    )


class RefuseForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the school refuses"),
        validators=[DataRequired(_l("Say why: the person has a right to know.")), Length(max=2000)],
        description=_l(
            "For example: the placement's assessment must be kept until 31 August 2028."
        ),
    )
