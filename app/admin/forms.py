"""Administration forms. Choices that depend on the user are filled in by the routes."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app import dates
from app.forms import WholeNumberField
from app.models import OrganisationKind, PlacementKind, PlacementStatus, Role
from app.validators import address_not_formula, single_line


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
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Email(), Length(max=254), address_not_formula],
    )
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
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Email(), Length(max=254), address_not_formula],
    )
    active = BooleanField(
        _l("Can log in"),
        description=_l("Switch off for someone who left; their history stays."),
    )
    birth_date = DateField(
        _l("Date of birth"),
        validators=[Optional()],
        description=_l(
            "Students only, and only to know whether they are under 18: some placements of "
            "minors need a guardian's approval."
        ),
    )

    def validate_birth_date(self, field) -> None:
        if field.data and not date(1900, 1, 1) <= field.data <= dates.today():
            raise ValidationError(_l("Enter a date of birth in the past."))


class PlacementForm(FlaskForm):
    school = SelectField(_l("School"), coerce=int, choices=[])
    student = SelectField(_l("Student"), coerce=int, choices=[])
    workplace = SelectField(_l("Workplace"), coerce=int, choices=[])
    mentor = SelectField(_l("Mentor"), coerce=int, choices=[])
    coach = SelectField(_l("Coach"), coerce=int, choices=[])
    kind = SelectField(_l("Kind of placement"), choices=_choices(PlacementKind))
    programme = StringField(
        _l("Programme (optional)"),
        validators=[Optional(), Length(max=120), single_line],
        description=_l("The student's course at school, e.g. Elektrotechniek."),
    )
    cohort = StringField(
        _l("Cohort (optional)"),
        validators=[Optional(), Length(max=20), single_line],
        description=_l("The group the student belongs to, e.g. 2026-2027."),
    )
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
    # On by default: a new student who gets no invitation cannot log in. Shown on a page
    # of its own (GET), so the default is what the coordinator sees ticked.
    invite = BooleanField(_l("E-mail an invitation to each new student"), default=True)


def _whole_number(label, minimum: int, maximum: int, description) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[
            NumberRange(
                min=minimum,
                max=maximum,
                # WTForms fills in min and max.
                message=_l("Enter a whole number from %(min)d to %(max)d."),
            )
        ],
        description=description,
    )


class SchoolSettingsForm(FlaskForm):
    """When a placement of the school needs attention in the caseload, and when and how
    its reminders go out.
    """

    feedback_days = _whole_number(
        _l("Days without feedback from the mentor"),
        1,
        90,
        _l(
            "A placement needs attention when the mentor has written no feedback and "
            "reviewed no weekly log for this many days. From 1 to 90."
        ),
    )
    reflection_days = _whole_number(
        _l("Days without a reflection from the student"),
        1,
        90,
        _l(
            "A placement needs attention when the student has handed in no weekly log "
            "for this many days. From 1 to 90."
        ),
    )
    divergence_levels = _whole_number(
        _l("Levels apart that make scores differ"),
        1,
        5,
        _l(
            "An indicator is worth discussing when student, mentor and coach score it this "
            "many levels apart or more. From 1 to 5."
        ),
    )
    visit_interval_weeks = _whole_number(
        _l("Weeks between visits"),
        1,
        26,
        _l(
            "A visit is overdue this many weeks after the last visit (or after the start), "
            "unless the next one is planned. From 1 to 26."
        ),
    )
    log_due_weekday = SelectField(
        _l("The weekly log is due on"),
        coerce=int,
        choices=[
            SelectChoice(0, _l("Monday")),
            SelectChoice(1, _l("Tuesday")),
            SelectChoice(2, _l("Wednesday")),
            SelectChoice(3, _l("Thursday")),
            SelectChoice(4, _l("Friday")),
            SelectChoice(5, _l("Saturday")),
            SelectChoice(6, _l("Sunday")),
        ],
        description=_l(
            "From this day on, a student whose log of the week is not handed in gets a "
            "reminder; on Monday, one whose last week's log never came."
        ),
    )
    module_start_days = _whole_number(
        _l("Days before a recommended module is recalled"),
        1,
        90,
        _l(
            "A mentor who has not opened a module their coach recommended gets a reminder "
            "after this many days. From 1 to 90."
        ),
    )
    reminders_from_hour = _whole_number(
        _l("Reminders from (hour)"),
        0,
        23,
        _l("No reminder goes out before this hour. From 0 to 23."),
    )
    reminders_until_hour = _whole_number(
        _l("Reminders until (hour)"),
        1,
        24,
        _l("No reminder goes out from this hour on. From 1 to 24."),
    )
    reminders_on_weekends = BooleanField(
        _l("Also send reminders on Saturday and Sunday"),
        description=_l(
            "Without it, a visit or action on Saturday, Sunday or Monday is recalled on Friday."
        ),
    )
    # Its description names how long links work, set when the form is made.
    mentor_links = BooleanField(_l("Mentors' e-mails carry a quick link"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        days = current_app.config["MENTOR_LINK_DAYS"]
        if days <= 0:
            self.mentor_links.description = _(
                "Quick links are switched off for the whole platform, so this setting does "
                "nothing until they are switched on again."
            )
            return
        self.mentor_links.description = ngettext(
            "A link in an e-mail to a mentor that does one thing without a password: "
            "approve or return a week, give this week's feedback, confirm a visit report. "
            "It works for that mentor only, once, for %(num)d day; everything else asks "
            "for a login. Switching this off also stops the links already sent.",
            "A link in an e-mail to a mentor that does one thing without a password: "
            "approve or return a week, give this week's feedback, confirm a visit report. "
            "It works for that mentor only, once, for %(num)d days; everything else asks "
            "for a login. Switching this off also stops the links already sent.",
            days,
        )

    coaches_second_factor = BooleanField(
        _l("Coaches log in with a second factor"),
        description=_l(
            "A code from an app on their phone after the password, as coordinators always "
            "do. Coaches without one set it up at their next login."
        ),
    )

    def validate_reminders_until_hour(self, field) -> None:
        start = self.reminders_from_hour
        if start.errors or start.data is None or field.data is None:
            return  # the start hour's own message says what is wrong
        if field.data <= start.data:
            raise ValidationError(_l("Choose an hour after the hour reminders start."))
