"""Forms of a mobility's closing: the stage report, sending it back, the EU survey
confirmed, the final scores confirmed and the mobility closed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.closing.services import MAX_NOTE_LENGTH, MAX_PART_LENGTH
from app.forms import SubmitButton, VersionField


def _part(label, description):
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=MAX_PART_LENGTH)],
        description=description,
        render_kw={"rows": 5},
    )


class StageReportForm(FlaskForm):
    version = VersionField(validators=[Optional()])
    professional = _part(
        _l("Professional"),
        _l(
            "What did you do at the workplace? What did you learn in your trade, and what "
            "is done differently there than at home?"
        ),
    )
    language = _part(
        _l("Language"),
        _l(
            "Which languages did you speak, at work and outside it? What can you say now "
            "that you could not before?"
        ),
    )
    intercultural = _part(
        _l("Intercultural"),
        _l(
            "What surprised you about how people live and work there? How did you deal "
            "with the differences?"
        ),
    )
    personal = _part(
        _l("Personal"),
        _l("What did you learn about yourself? What are you proud of, what was hard?"),
    )
    advice = _part(
        _l("Advice for the next participants"),
        _l("What should someone who goes next year know, take along or do differently?"),
    )
    save = SubmitButton(_l("Save the draft"))
    submit = SubmitButton(_l("Submit the report"))


class ReturnReportForm(FlaskForm):
    version = VersionField(validators=[InputRequired()])
    note = TextAreaField(
        _l("What should the participant change?"),
        validators=[DataRequired(), Length(max=MAX_NOTE_LENGTH)],
        render_kw={"rows": 3},
    )


class SurveyForm(FlaskForm):
    filled_on = DateField(_l("Day you filled in the EU survey"), validators=[InputRequired()])
    confirm = BooleanField(
        _l("I filled in the EU participant survey."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class ConfirmScoresForm(FlaskForm):
    # The digest of the scores as the page showed them: changed since, the confirmation
    # is refused.
    digest = HiddenField(validators=[InputRequired(), Length(max=64)])


class CloseForm(FlaskForm):
    confirm = BooleanField(
        _l("I sign off the Europass record of this mobility and close it."),
        validators=[DataRequired(_l("Tick the box to sign off."))],
    )
