"""Forms of the mentor training. The quiz is built from the module's questions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional


class QuizForm(FlaskForm):
    """The CSRF token; the answers (`q0`, `q1`, …) are read against the module itself."""


class ReflectionForm(FlaskForm):
    reflection = TextAreaField(
        _l("Your reflection"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Only you can read this."),
        render_kw={"rows": 4},
    )


class AssignmentForm(FlaskForm):
    note = TextAreaField(
        _l("How did it go? (optional)"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 3},
    )


class RecommendationForm(FlaskForm):
    module = SelectField(_l("Module"), choices=[])
    note = TextAreaField(
        _l("Why this module (optional)"),
        validators=[Optional(), Length(max=500)],
        description=_l("For example what you saw at the visit. The mentor reads this."),
        render_kw={"rows": 3},
    )


class MentorRecordForm(FlaskForm):
    years_experience = IntegerField(
        _l("Years of experience in the trade"),
        validators=[Optional(), NumberRange(min=0, max=60)],
    )
    good_conduct_on = DateField(
        _l("Date of the certificate of good conduct"), validators=[Optional()]
    )
    mentor_since = DateField(
        _l("Mentor since"),
        validators=[Optional()],
        description=_l("The basic mentor training is due within 12 months of this date."),
    )


class PracticeForm(FlaskForm):
    body = TextAreaField(
        _l("Share what works for you"),
        validators=[InputRequired(), Length(max=3000)],
        description=_l(
            "A tip, a question you ask, a checklist you use. A coordinator approves it "
            "before other mentors see it."
        ),
        render_kw={"rows": 4},
    )
