"""Forms of calls: the consortium's members, a call, registering a candidate, the CV and
expectations form, interview scores, the decision and the selection report.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from app.calls.services import (
    MAX_CRITERIA,
    MAX_CV_TEXT,
    MAX_DESTINATIONS,
    MAX_LANGUAGES,
    MAX_NOTE,
    MAX_REASON,
    MAX_REPORT,
)
from app.forms import ID_RANGE, SubmitButton, WholeNumberField
from app.models import Decision
from app.models.calls import CEFR_LEVELS, SCORE_MAX, SCORE_MIN

WEIGHT_RANGE = NumberRange(min=0, max=100, message=_l("A weight is a whole number from 0 to 100."))
PLACES_RANGE = NumberRange(min=0, max=999, message=_l("Give a number of places from 0 to 999."))
SCORE_RANGE = NumberRange(
    min=SCORE_MIN, max=SCORE_MAX, message=_l("A score is a whole number from 0 to 10.")
)


class MemberForm(FlaskForm):
    promoter = SelectField(_l("Consortium of"), coerce=int, validators=[ID_RANGE])
    school = SelectField(_l("School"), coerce=int, validators=[ID_RANGE])
    mandate_from = DateField(
        _l("Mandate from"), validators=[InputRequired(_l("Give the day the mandate starts."))]
    )
    mandate_until = DateField(_l("Mandate until"), validators=[Optional()])
    add = SubmitButton(_l("Add the school"))


class DestinationRow(Form):
    country = StringField(
        _l("Country"),
        validators=[
            Optional(),
            Regexp(r"^[A-Za-z]{2}$", message=_l("Two letters, e.g. ES or PT.")),
        ],
        render_kw={"maxlength": 2, "autocomplete": "off"},
    )
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    # Checked by the service, which says which partner is not one (a row left empty
    # sends nothing at all).
    host_partner = SelectField(_l("Host partner"), coerce=str, validate_choice=False)


class CriterionRow(Form):
    criterion = StringField(_l("Criterion"), validators=[Optional(), Length(max=120)])
    weight = WholeNumberField(_l("Weight"), validators=[Optional(), WEIGHT_RANGE])


class PlacesRow(Form):
    school = HiddenField()
    places = WholeNumberField(_l("Places"), validators=[Optional(), PLACES_RANGE])


class CallForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    placement_start = DateField(_l("Placements from"), validators=[InputRequired()])
    placement_end = DateField(_l("Placements until"), validators=[InputRequired()])
    interest_deadline = DateField(
        _l("Schools' expressions of interest by"), validators=[InputRequired()]
    )
    candidate_deadline = DateField(_l("Candidates' files by"), validators=[InputRequired()])
    destinations = FieldList(
        FormField(DestinationRow), min_entries=MAX_DESTINATIONS, max_entries=MAX_DESTINATIONS
    )
    criteria = FieldList(
        FormField(CriterionRow), min_entries=MAX_CRITERIA, max_entries=MAX_CRITERIA
    )
    places = FieldList(FormField(PlacesRow), max_entries=200)
    dual_learners_first = BooleanField(_l("Dual learners first (the priority rule)"))
    monitor_scores = BooleanField(
        _l("Host monitors score like a mentor"),
        description=_l("The monitor writes feedback and scores in the participant's log."),
    )
    save = SubmitButton(_l("Save the call"))


class RegisterForm(FlaskForm):
    student = SelectField(_l("Student"), coerce=int, validators=[ID_RANGE])
    register = SubmitButton(_l("Register as candidate"))


class LanguageRow(Form):
    # In English like the rest of the CV form, which goes to the host as it is.
    language = StringField("Language", validators=[Optional(), Length(max=60)])
    level = SelectField(
        "Level (self-assessed)",
        choices=[SelectChoice("", "–"), *(SelectChoice(level, level) for level in CEFR_LEVELS)],
        validate_choice=False,
    )


class CvForm(FlaskForm):
    """The Candidate CV and Expectations Form, filled in in English."""

    education = TextAreaField(
        "Education",
        validators=[Optional(), Length(max=MAX_CV_TEXT)],
        description="Your school, your programme and year, diplomas and certificates.",
        render_kw={"rows": 4, "lang": "en"},
    )
    work_experience = TextAreaField(
        "Work experience",
        validators=[Optional(), Length(max=MAX_CV_TEXT)],
        description="Your workplaces (dual learning, internships, jobs) and what you did there.",
        render_kw={"rows": 4, "lang": "en"},
    )
    languages = FieldList(
        FormField(LanguageRow), min_entries=MAX_LANGUAGES, max_entries=MAX_LANGUAGES
    )
    expectations = TextAreaField(
        "What I expect to learn",
        validators=[Optional(), Length(max=MAX_CV_TEXT)],
        render_kw={"rows": 4, "lang": "en"},
    )
    practical_needs = TextAreaField(
        "Practical needs",
        validators=[Optional(), Length(max=MAX_CV_TEXT)],
        description=(
            "Food, travel, lodging or anything else the host should know. No medical "
            "details: tell your school those."
        ),
        render_kw={"rows": 3, "lang": "en"},
    )
    save = SubmitButton("Save")


def score_form(criteria, data: dict | None = None) -> FlaskForm:
    """A form with a score (0–10) and a note per criterion of the call."""

    class ScoreForm(FlaskForm):
        save = SubmitButton(_l("Save my scores"))

        def entries(self):
            return [
                (criterion, self[f"score_{criterion.key}"], self[f"note_{criterion.key}"])
                for criterion in criteria
            ]

    for criterion in criteria:
        setattr(
            ScoreForm,
            f"score_{criterion.key}",
            # The criterion is the legend of its fieldset; the field is its score.
            WholeNumberField(
                _l("Score"),
                validators=[Optional(), SCORE_RANGE],
                description=_l("Weight %(weight)d · 0 to 10", weight=criterion.weight),
                render_kw={"inputmode": "numeric"},
            ),
        )
        setattr(
            ScoreForm,
            f"note_{criterion.key}",
            TextAreaField(
                _l("Note"), validators=[Optional(), Length(max=MAX_NOTE)], render_kw={"rows": 2}
            ),
        )
    return ScoreForm(data=data)


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=[SelectChoice(decision.value, decision.label) for decision in Decision],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[InputRequired(_l("Give the reason for the decision.")), Length(max=MAX_REASON)],
        render_kw={"rows": 3},
    )
    decide = SubmitButton(_l("Save the decision"))


class ReportForm(FlaskForm):
    text = TextAreaField(
        _l("Report"),
        validators=[InputRequired(), Length(max=MAX_REPORT)],
        render_kw={"rows": 20},
    )
    save = SubmitButton(_l("Save the report"))


# -- from a selected candidate to a placement abroad ------------------------------------


class PrepareForm(FlaskForm):
    """The school makes a selected candidate ready for matching (choices set by the route)."""

    destination = SelectField(_l("Destination"), coerce=int, validators=[ID_RANGE])
    coach = SelectField(
        _l("Coach"),
        coerce=int,
        validators=[ID_RANGE],
        description=_l("The coach who follows the participant before, during and after the stay."),
    )
    fewer_opportunities = BooleanField(
        _l("Has fewer opportunities (Erasmus+)"),
        description=_l("Only the school, the promoter and admins see this."),
    )
    fewer_opportunities_note = TextAreaField(
        _l("Why, in a few words"),
        validators=[Optional(), Length(max=500)],
        description=_l("For example: economic, social or geographical obstacles, a disability."),
        render_kw={"rows": 2},
    )


class PlaceForm(FlaskForm):
    """The host partner's choice that creates the placement (choices set by the route)."""

    workplace = SelectField(_l("Host workplace"), coerce=int, validators=[ID_RANGE])
    mentor = SelectField(
        _l("Mentor at the workplace"),
        coerce=int,
        validators=[ID_RANGE],
        description=_l("The mentor must work at the chosen company."),
    )
    monitor = SelectField(
        _l("Monitor"),
        coerce=int,
        validators=[ID_RANGE],
        description=_l("The participant's fixed contact person during the stay."),
    )
