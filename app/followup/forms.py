"""Forms of the follow-up log. An entry form shows only the prompts of its kind."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.followup.entries import MAX_SECTION_LENGTH, PROMPTS
from app.followup.evidence import (
    ACCEPTED_TYPES,
    MAX_ATTACHMENT_MB,
    MAX_ATTACHMENT_SIZE,
    TOO_LARGE_MESSAGE,
)
from app.forms import VersionField
from app.models import EntryKind

WELLBEING_CHOICES = [
    SelectChoice(1, _l("1 · very bad")),
    SelectChoice(2, _l("2 · not good")),
    SelectChoice(3, _l("3 · okay")),
    SelectChoice(4, _l("4 · good")),
    SelectChoice(5, _l("5 · very good")),
]

SECTION_HINTS = {
    (EntryKind.WEEKLY_LOG, "did"): _l("The tasks and jobs of this week, in a few lines."),
    (EntryKind.WEEKLY_LOG, "need"): _l("Help, materials, explanation, time… from whom?"),
    (EntryKind.FEEDBACK, "next_step"): _l("What the student does next, and when you look again."),
}


def _section() -> TextAreaField:
    return TextAreaField(
        validators=[Optional(), Length(max=MAX_SECTION_LENGTH)],
        render_kw={"rows": 4},
    )


class EntryForm(FlaskForm):
    """Every prompt of every kind; `__init__` keeps those of one kind, labelled for it."""

    version = VersionField(validators=[Optional()])
    week = DateField(
        _l("Week"),
        validators=[Optional()],
        description=_l("Any day of the week; the log is filed under its Monday."),
    )
    did = _section()
    went_well = _section()
    was_hard = _section()
    need = _section()
    work_on = _section()
    next_step = _section()
    body = _section()
    wellbeing = RadioField(
        _l("How did you feel at work this week?"),
        choices=WELLBEING_CHOICES,
        coerce=int,
        validators=[Optional()],
    )
    photo = FileField(
        _l("Add a photo (if you like)"),
        description=_l(
            "A photo of your work: JPEG or PNG, or a PDF, at most %(limit)d MB. Saved without "
            "its location and camera details.",
            limit=MAX_ATTACHMENT_MB,
        ),
    )
    coach_only = BooleanField(
        _l("Coach only"),
        description=_l("The student and the mentor do not see this note; coordinators do."),
    )
    save = SubmitField(_l("Save"))
    submit = SubmitField(_l("Submit to my mentor"))

    SECTION_NAMES = ("did", "went_well", "was_hard", "need", "work_on", "next_step", "body")

    def __init__(self, *args, kind: EntryKind, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        prompts = {name: (label, required) for name, label, required in PROMPTS[kind]}
        for name in self.SECTION_NAMES:
            if name not in prompts:
                delattr(self, name)
                continue
            label, required = prompts[name]
            self[name].label.text = label
            self[name].description = SECTION_HINTS.get((kind, name), "")
            if required:
                self[name].flags.required = True
        if kind != EntryKind.WEEKLY_LOG:
            del self.week
            del self.wellbeing
            del self.submit
            del self.photo
            self.save.label.text = _l("Save")
        else:
            self.save.label.text = _l("Save as draft")
            self.photo.render_kw = file_checks_in_the_browser()
        if kind != EntryKind.VISIT_NOTE:
            del self.coach_only

    def section_fields(self):
        return [self[name] for name, _label, _required in PROMPTS[self.kind]]

    def sections(self) -> dict[str, str]:
        return {field.name: field.data or "" for field in self.section_fields()}


class SubmitEntryForm(FlaskForm):
    version = VersionField(validators=[InputRequired()])


class ReviewForm(FlaskForm):
    version = VersionField(validators=[InputRequired()])
    comment = TextAreaField(
        _l("Comment for the student"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Needed when you return the week: say what to add or change."),
        render_kw={"rows": 3},
    )
    approve = SubmitField(_l("Approve"))
    return_entry = SubmitField(_l("Return with comment"))


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"), validators=[InputRequired(), Length(max=4000)], render_kw={"rows": 2}
    )


class AttachmentForm(FlaskForm):
    """One photo or PDF for an entry; the service judges the file by its content."""

    file = FileField(
        _l("Add a photo or PDF"),
        validators=[FileRequired(_l("Choose a photo or a PDF first."))],
        description=_l(
            "Photos (JPEG, PNG) or PDF, at most %(limit)d MB. Photos are saved without "
            "their location and camera details.",
            limit=MAX_ATTACHMENT_MB,
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.file.render_kw = file_checks_in_the_browser()


def file_checks_in_the_browser() -> dict:
    """The attributes of a file field for evidence.

    The size is checked in the browser too (leerspoor-1.0.js), so a phone does not send a
    large file only to have it refused. The message is translated here, in the request,
    because WTForms would not escape a lazy string in an attribute.
    """
    return {
        "accept": ACCEPTED_TYPES,
        "data-max-bytes": MAX_ATTACHMENT_SIZE,
        "data-too-large": str(TOO_LARGE_MESSAGE),
    }
