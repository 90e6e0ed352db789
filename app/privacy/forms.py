"""Forms of privacy requests."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.forms import WholeNumberField
from app.privacy.registry import ASSESSMENT, LOG, PLACEMENT, PLAN, VISITS
from app.privacy.retention import MAX_YEARS, MIN_YEARS, PLACEMENT_RECORD


class ErasureRequestForm(FlaskForm):
    note = TextAreaField(
        _l("Why (optional)"),
        validators=[Optional(), Length(max=500)],
        description=_l("Your school reads this when it decides."),
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


def _years(category) -> WholeNumberField:
    return WholeNumberField(
        category.title,
        validators=[
            NumberRange(
                min=MIN_YEARS,
                max=MAX_YEARS,
                message=_l("Enter a whole number from %(min)d to %(max)d."),
            )
        ],
        description=_l("School years after the placement ends. From 1 to 10."),
    )


class SchoolPrivacyForm(FlaskForm):
    """Which placements of minors need a guardian's approval; how many school years after
    a placement ends each category of its record is kept.
    """

    guardian_approval = SelectField(
        _l("A guardian's approval is needed for a minor's placement"),
        choices=[
            SelectChoice("none", _l("Never")),
            SelectChoice("abroad", _l("Abroad: the workplace is in another country")),
            SelectChoice("all", _l("Always")),
        ],
        description=_l(
            "For students under 18 on the day the placement starts. A placement that needs "
            "an approval cannot be made active without one."
        ),
    )

    log = _years(LOG)
    assessment = _years(ASSESSMENT)
    plan = _years(PLAN)
    visits = _years(VISITS)
    placement = _years(PLACEMENT)

    def validate_placement(self, field) -> None:
        others = [self[category.key].data for category in PLACEMENT_RECORD[:-1]]
        if field.data is None or None in others:
            return  # the other fields' own messages say what is wrong
        if field.data < max(others):
            raise ValidationError(
                _l("Keep the placement at least as long as its log, scores, plan and visits.")
            )
