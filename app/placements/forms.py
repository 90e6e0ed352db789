"""Forms of a placement's page: a guardian's approval of a minor's placement, recorded
and revoked by the school.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.models import ApprovalMethod, LodgingKind
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


# -- matching a participant abroad (the host partner) ------------------------------------


class MatchForm(FlaskForm):
    """The host workplace, its mentor and the monitor; the choices are the host partner's
    (set by the route).
    """

    workplace = SelectField(_l("Host workplace"), coerce=int, validators=[InputRequired()])
    mentor = SelectField(
        _l("Mentor at the workplace"),
        coerce=int,
        validators=[InputRequired()],
        description=_l("The mentor must work at the chosen company."),
    )
    monitor = SelectField(
        _l("Monitor"),
        coerce=int,
        validators=[InputRequired()],
        description=_l("The participant's fixed contact person during the stay."),
    )


class HostWorkplaceForm(FlaskForm):
    name = StringField(_l("Company"), validators=[DataRequired(), Length(max=200), single_line])
    city = StringField(_l("City"), validators=[Optional(), Length(max=120), single_line])


class LodgingForm(FlaskForm):
    kind = SelectField(
        _l("Kind of lodging"),
        choices=[SelectChoice(kind.value, kind.label) for kind in LodgingKind],
    )
    address = StringField(
        _l("Address"),
        validators=[DataRequired(), Length(max=300), single_line],
        description=_l("Street, number, postcode and town; for a host family also its name."),
    )
    from_date = DateField(_l("From"), validators=[InputRequired()])
    until_date = DateField(_l("Until"), validators=[InputRequired()])
