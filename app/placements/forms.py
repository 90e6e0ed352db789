"""Forms of a placement's page: a guardian's approval of a minor's placement, recorded
and revoked by the school.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.models import ApprovalMethod
from app.validators import single_line


class GuardianApprovalForm(FlaskForm):
    guardian_name = StringField(
        _l("Guardian"),
        validators=[DataRequired(), Length(max=200), single_line],
        description=_l("The parent or guardian who approved, e.g. Marc Peeters (father)."),
    )
    text_version = StringField(
        _l("Text they approved"),
        validators=[DataRequired(), Length(max=64), single_line],
        description=_l("The name and version of the school's text, e.g. Stage buitenland v2."),
    )
    method = SelectField(
        _l("How"),
        # An approval online comes through the guardian's link (app/mobility/) only.
        choices=[
            SelectChoice(method.value, method.label)
            for method in ApprovalMethod
            if method is not ApprovalMethod.ONLINE
        ],
    )
    approved_on = DateField(_l("Approved on"), validators=[InputRequired()])


class RevokeApprovalForm(FlaskForm):
    note = TextAreaField(
        _l("What the guardian said (optional)"), validators=[Optional(), Length(max=500)]
    )
