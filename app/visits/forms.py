"""Forms of visits: planning, the report, agreements, confirmation and additions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import ID_RANGE, SubmitButton, VersionField
from app.models import Actor
from app.visits.services import MAX_SECTION_LENGTH, REPORT_SECTIONS

# Who attends a visit, and who owns an agreement.
TRIO_CHOICES = [
    SelectChoice(Actor.STUDENT.value, _l("The student")),
    SelectChoice(Actor.MENTOR.value, _l("The mentor")),
    SelectChoice(Actor.COACH.value, _l("The coach")),
]


class VisitPlanForm(FlaskForm):
    version = VersionField(validators=[Optional()])
    planned_on = DateField(
        _l("Date"), validators=[InputRequired(_l("Choose the day of the visit."))]
    )
    planned_time = TimeField(_l("Time"), validators=[Optional()])
    place = StringField(
        _l("Place"),
        validators=[Optional(), Length(max=200)],
        description=_l("Where you meet, e.g. “the workshop, Industrieweg 12, Deinze”."),
    )
    attendees = SelectMultipleField(
        _l("Who attends"),
        choices=TRIO_CHOICES,
        default=[choice.value for choice in TRIO_CHOICES],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    other_attendees = StringField(
        _l("Others"),
        validators=[Optional(), Length(max=300)],
        description=_l("e.g. the HR contact"),
    )
    save = SubmitButton(_l("Plan the visit"))


class ReportForm(FlaskForm):
    """One text field per section of the report, each with a "coach only" box, and the
    fields of a new agreement: one form, so adding an agreement on a phone never loses
    report text that was typed but not saved yet.
    """

    version = VersionField(validators=[InputRequired()])
    held_on = DateField(_l("Held on"), validators=[Optional()])
    agreement = StringField(
        _l("Agreement"),
        validators=[Optional(), Length(max=300)],
        description=_l("Who does what: one concrete step."),
    )
    owner = SelectField(_l("Who does it"), choices=TRIO_CHOICES)
    due_date = DateField(_l("Done by"), validators=[Optional()])
    add_agreement = SubmitButton(_l("Add the agreement"))
    remove_agreement = IntegerField(validators=[Optional(), ID_RANGE])
    save = SubmitButton(_l("Save draft"))
    finalise = SubmitButton(_l("Save and make final"))

    def sections(self) -> dict[str, str]:
        return {key: self[key].data or "" for key, _label, _hint in REPORT_SECTIONS}

    def coach_only(self) -> list[str]:
        return [key for key, _label, _hint in REPORT_SECTIONS if self[f"{key}_coach_only"].data]

    def section_fields(self):
        return [(self[key], self[f"{key}_coach_only"]) for key, _label, _hint in REPORT_SECTIONS]


for _key, _label, _hint in REPORT_SECTIONS:
    setattr(
        ReportForm,
        _key,
        TextAreaField(
            _label,
            validators=[Optional(), Length(max=MAX_SECTION_LENGTH)],
            description=_hint,
            render_kw={"rows": 4},
        ),
    )
    setattr(ReportForm, f"{_key}_coach_only", BooleanField(_l("Coach only")))


class ConfirmForm(FlaskForm):
    comment = TextAreaField(
        _l("Comment (optional)"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Anything you see differently, or want to add."),
        render_kw={"rows": 2},
    )
    confirm = SubmitButton(_l("I have read the report and confirm it"))


class AdditionForm(FlaskForm):
    section = SelectField(_l("Part of the report"), validators=[Optional()])
    body = TextAreaField(
        _l("Text"), validators=[InputRequired(), Length(max=4000)], render_kw={"rows": 3}
    )
    coach_only = BooleanField(_l("Coach only"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.section.choices = [SelectChoice("", _l("The report as a whole"))] + [
            SelectChoice(key, label) for key, label, _hint in REPORT_SECTIONS
        ]
