"""Forms of the personal development plan."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import ID_RANGE, SubmitButton, VersionField
from app.models import GoalState


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes: easier to tap on a phone than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class GoalForm(FlaskForm):
    version = VersionField(validators=[Optional()])
    title = StringField(
        _l("Goal"),
        validators=[InputRequired(_l("Give the goal a short title.")), Length(max=200)],
        description=_l("What you want to be able to do, e.g. “Plan my own working day”."),
    )
    why = TextAreaField(
        _l("Why it matters"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )
    success = TextAreaField(
        _l("How you will know you reached it"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Something others can see, e.g. “I finish a job without being asked”."),
        render_kw={"rows": 3},
    )
    target_date = DateField(_l("Target date"), validators=[Optional()])
    links = CheckboxesField(
        _l("Linked to"),
        description=_l("The competences or soft skills this goal works on."),
        validate_choice=False,  # the service names a link that is not of this placement
    )
    save = SubmitButton(_l("Save"))


class CloseGoalForm(FlaskForm):
    version = VersionField(validators=[InputRequired()])
    state = RadioField(
        _l("How did it go?"),
        choices=[
            SelectChoice(GoalState.REACHED.value, _l("I reached this goal")),
            SelectChoice(GoalState.DROPPED.value, _l("I stop working on this goal")),
        ],
        validators=[InputRequired(_l("Choose one."))],
    )
    reflection = TextAreaField(
        _l("Your reflection"),
        validators=[Optional(), Length(max=2000)],
        description=_l("What did you learn? Or why do you stop, and what instead?"),
        render_kw={"rows": 3},
    )
    close = SubmitButton(_l("Close the goal"))


class ReopenGoalForm(FlaskForm):
    version = VersionField(validators=[InputRequired()])


class PlanActionForm(FlaskForm):
    title = StringField(
        _l("Action"),
        validators=[InputRequired(_l("Say what you will do.")), Length(max=300)],
        description=_l("One concrete step, e.g. “Ask for the order list on Monday”."),
    )
    due_date = DateField(_l("Done by"), validators=[Optional()])
    add = SubmitButton(_l("Add the action"))


class RespondForm(FlaskForm):
    """The student's answer to a suggestion."""

    accept = SubmitButton(_l("Accept"))
    decline = SubmitButton(_l("Decline"))

    def answer(self) -> bool | None:
        """True to accept, False to decline, None when the form named neither or both."""
        if bool(self.accept.data) == bool(self.decline.data):
            return None
        return bool(self.accept.data)


class TickForm(FlaskForm):
    done = VersionField(validators=[InputRequired()])


class GoalCommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"), validators=[InputRequired(), Length(max=4000)], render_kw={"rows": 2}
    )


class EvidenceForm(FlaskForm):
    entry = SelectField(
        _l("Entry of the log"),
        coerce=int,
        validators=[InputRequired(_l("Choose an entry.")), ID_RANGE],
        validate_choice=False,  # the service checks the entry belongs to the log
    )
    link = SubmitButton(_l("Add as evidence"))


class TemplateForm(FlaskForm):
    name = StringField(
        _l("Name of the template"),
        validators=[InputRequired(_l("Give the template a name.")), Length(max=200)],
    )


class ApplyTemplateForm(FlaskForm):
    cohort = SelectField(_l("Cohort"), validators=[InputRequired(_l("Choose a cohort."))])
    confirm = VersionField(validators=[Optional()])
