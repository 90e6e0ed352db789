"""Forms for registering indicators, scoring the rubric and the training plan.

One sub-form per indicator (or criterion, or competence) in a `FieldList`; choices come
from the placement's framework or rubric. Radio groups do not validate their choice
here (an untouched group is allowed: that indicator is skipped); the service checks
every value against the content file.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, RadioField, StringField
from wtforms.fields import FieldList, FormField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from app.competences.services import PLAN_SETTINGS
from app.content.services import localised
from app.forms import VersionField
from app.models import Setting

REGISTRATION_SETTINGS = (Setting.SCHOOL, Setting.WORKPLACE, Setting.BOTH, Setting.NOT_POSSIBLE)


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


def _optional_setting(value):
    if value in (None, ""):
        return None
    return Setting(value)


def level_choices(levels) -> list[SelectChoice]:
    return [
        SelectChoice(level.value, f"{level.value} · {localised(level.label)}") for level in levels
    ]


class JudgementForm(Form):
    indicator = HiddenField()
    based_on = VersionField(default=0, validators=[Optional()])
    setting = RadioField(
        _l("Where did it come up?"),
        choices=[SelectChoice(s.value, s.label) for s in REGISTRATION_SETTINGS],
        coerce=_optional_setting,
        validate_choice=False,
    )
    level = RadioField(_l("Level"), coerce=_optional_int, validate_choice=False, choices=[])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class RegistrationForm(FlaskForm):
    judgements = FieldList(FormField(JudgementForm))

    def __init__(self, *args, levels, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for entry in self.judgements:
            entry.level.choices = level_choices(levels)


class ScoreForm(Form):
    criterion = HiddenField()
    based_on = VersionField(default=0, validators=[Optional()])
    level = RadioField(_l("Level"), coerce=_optional_int, validate_choice=False, choices=[])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class RubricForm(FlaskForm):
    scores = FieldList(FormField(ScoreForm))

    def __init__(self, *args, levels, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for entry in self.scores:
            entry.level.choices = [SelectChoice(level.value, str(level.value)) for level in levels]


class PlanRowForm(Form):
    competence = HiddenField()
    version = VersionField(validators=[Optional()])
    setting = RadioField(
        _l("Where is it learned?"),
        choices=[SelectChoice("", _l("Not planned"))]
        + [SelectChoice(s.value, s.label) for s in PLAN_SETTINGS],
        coerce=_optional_setting,
        validate_choice=False,
    )
    period = StringField(
        _l("Roughly when"),
        validators=[Optional(), Length(max=80)],
        render_kw={"placeholder": _l("e.g. October–December")},
    )


class PlanForm(FlaskForm):
    rows = FieldList(FormField(PlanRowForm))
