"""Administration forms. Choices that depend on the user are filled in by the routes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from app.models import OrganisationKind, PlacementKind, PlacementStatus, Role
from app.validators import single_line


def _choices(enum_class) -> list[SelectChoice]:
    return [SelectChoice(member.value, member.label) for member in enum_class]


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), single_line])
    kind = SelectField(_l("Kind"), choices=[], default=OrganisationKind.COMPANY.value)
    partner_school = SelectField(
        _l("Works with school"),
        coerce=int,
        choices=[],
        description=_l("A company or host partner becomes a workplace of this school."),
    )
    city = StringField(_l("City"), validators=[Optional(), Length(max=120), single_line])
    country = StringField(
        _l("Country code"),
        default="BE",
        validators=[DataRequired(), Length(min=2, max=2)],
        description=_l("Two letters: BE, NL, DE, …"),
    )

    def __init__(self, *args, kinds=tuple(OrganisationKind), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in kinds]


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), single_line])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    organisation = SelectField(_l("Organisation"), coerce=int, choices=[])
    role = SelectField(
        _l("Role"),
        choices=[],
        description=_l(
            "Students, coaches and coordinators belong to a school; "
            "mentors and company coordinators to a workplace."
        ),
    )

    def __init__(self, *args, roles=tuple(Role), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(role.value, role.label) for role in roles]


class PersonForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), single_line])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    active = BooleanField(
        _l("Can log in"),
        description=_l("Switch off for someone who left; their history stays."),
    )


class PlacementForm(FlaskForm):
    school = SelectField(_l("School"), coerce=int, choices=[])
    student = SelectField(_l("Student"), coerce=int, choices=[])
    workplace = SelectField(_l("Workplace"), coerce=int, choices=[])
    mentor = SelectField(_l("Mentor"), coerce=int, choices=[])
    coach = SelectField(_l("Coach"), coerce=int, choices=[])
    kind = SelectField(_l("Kind of placement"), choices=_choices(PlacementKind))
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    end_date = DateField(_l("End date"), validators=[InputRequired()])
    status = SelectField(_l("Status"), choices=_choices(PlacementStatus), default="active")
    framework = SelectField(
        _l("Competence framework"),
        choices=[],
        description=_l("Student, mentor and coach score its indicators on the same scale."),
    )
    rubric = SelectField(_l("Soft-skills rubric"), choices=[])
    notes = TextAreaField(_l("Notes for the school"), validators=[Optional(), Length(max=2000)])


class ImportForm(FlaskForm):
    school = SelectField(_l("School"), coerce=int, choices=[])
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Upload a .csv file.")),
        ],
    )


class ConfirmImportForm(FlaskForm):
    school = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    content = HiddenField(validators=[DataRequired()])
    invite = BooleanField(_l("E-mail an invitation to each new student"), default=True)
