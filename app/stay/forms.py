"""Forms of the stay abroad: a blog post, the publication consent and a guardian's answer
through their link (the link is sent with `app.forms.GuardianLinkForm`), an activity and
its reflection, the language goal, a trip and its participants.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.followup.evidence import MAX_ATTACHMENT_MB, MAX_ATTACHMENT_SIZE, TOO_LARGE_MESSAGE
from app.forms import GuardianAnswerBase, SubmitButton, VersionField, guardian_tick
from app.models import CEFR_LEVELS, Skill
from app.validators import single_line

PHOTO_TYPES = "image/jpeg,image/png"


class PostForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200), single_line])
    body = TextAreaField(
        _l("What did you do, see, learn?"),
        validators=[Optional(), Length(max=5000)],
        description=_l("A few lines are enough. You can use Markdown."),
    )
    photo = FileField(
        _l("Photo (optional)"),
        description=_l("JPEG or PNG, at most %(limit)d MB.", limit=MAX_ATTACHMENT_MB),
    )
    version = VersionField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.photo.render_kw = {
            "accept": PHOTO_TYPES,
            "data-max-bytes": MAX_ATTACHMENT_SIZE,
            "data-too-large": str(TOO_LARGE_MESSAGE),
        }


class EditPostForm(PostForm):
    remove_photo = BooleanField(_l("Remove the photo"))


class ConsentForm(FlaskForm):
    give = SubmitButton(_l("Yes, my blog may be published"))
    withdraw = SubmitButton(_l("Withdraw my consent"))


class ConsentAnswerForm(GuardianAnswerBase):
    """A guardian's consent to publishing the blog, or its refusal, through their link."""

    guardian = guardian_tick()
    consent = SubmitButton(_l("Yes, the blog may be published"))
    refuse = SubmitButton(_l("No, do not publish it"))


class ActivityForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired()])
    title = StringField(_l("Activity"), validators=[DataRequired(), Length(max=200), single_line])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200), single_line])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


class EditActivityForm(ActivityForm):
    version = VersionField()


class RemoveActivityForm(FlaskForm):
    """The confirmation of a removal; an activity with the participant's reflection asks
    for the box (the reflection goes with it).
    """

    remove_reflection = BooleanField(_l("Remove the participant’s reflection with it"))


class ReflectionForm(FlaskForm):
    reflection = TextAreaField(
        _l("Your reflection"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("What struck you? What did you learn about the country or yourself?"),
    )


def _level_field(label) -> SelectField:
    return SelectField(
        label,
        choices=[SelectChoice("", _l("Not assessed"))]
        + [SelectChoice(level, level) for level in CEFR_LEVELS],
        validators=[Optional()],
    )


class LanguageGoalForm(FlaskForm):
    language = StringField(
        _l("Language"),
        validators=[DataRequired(), Length(max=60), single_line],
        description=_l("For example: Spanish."),
    )
    goal = TextAreaField(
        _l("Your goal"),
        validators=[Optional(), Length(max=2000)],
        description=_l("For example: order at work and ask for help in Spanish."),
    )
    # Empty on the first save: the page carries no version before a goal exists.
    version = VersionField(validators=[Optional()])


# One level per skill, before and after the stay: `before_listening`, `after_writing`…
for _skill in Skill:
    setattr(LanguageGoalForm, f"before_{_skill.value}", _level_field(_skill.label))
    setattr(LanguageGoalForm, f"after_{_skill.value}", _level_field(_skill.label))


class TripForm(FlaskForm):
    school = SelectField(_l("School"), coerce=int, validators=[InputRequired()])
    destination = StringField(
        _l("Destination (region or city)"),
        validators=[DataRequired(), Length(max=200), single_line],
    )
    start_date = DateField(_l("First day"), validators=[InputRequired()])
    end_date = DateField(_l("Last day"), validators=[InputRequired()])


class ParticipantsForm(FlaskForm):
    placements = SelectMultipleField(
        _l("Participants to visit"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
