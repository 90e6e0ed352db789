"""Forms of the mobility file: a proof handed in, the school's check, a deadline, the
participant's and the company's approval, and a guardian's answer through their link (the
form that sends the link is every guardian's link's: `app.forms.GuardianLinkForm`).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.followup.evidence import (
    ACCEPTED_TYPES,
    MAX_ATTACHMENT_MB,
    MAX_ATTACHMENT_SIZE,
    TOO_LARGE_MESSAGE,
)
from app.forms import GuardianAnswerBase, SubmitButton, guardian_tick
from app.validators import single_line


class UploadForm(FlaskForm):
    """A proof for one item; the service judges the file by its content."""

    file = FileField(
        _l("Add the document (photo or PDF)"),
        validators=[FileRequired(_l("Choose a photo or a PDF first."))],
        description=_l(
            "Photos (JPEG, PNG) or PDF, at most %(limit)d MB. A new file replaces the one before.",
            limit=MAX_ATTACHMENT_MB,
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Checked in the browser too, so a phone does not send a file only to have it
        # refused; the message is made here, in the request, to be escaped as text.
        self.file.render_kw = {
            "accept": ACCEPTED_TYPES,
            "data-max-bytes": MAX_ATTACHMENT_SIZE,
            "data-too-large": str(TOO_LARGE_MESSAGE),
        }


class ReviewForm(FlaskForm):
    note = TextAreaField(
        _l("Note (required to send it back)"), validators=[Optional(), Length(max=500)]
    )
    accept = SubmitButton(_l("Accept"))
    send_back = SubmitButton(_l("Send back"))


class DeadlineForm(FlaskForm):
    deadline = DateField(_l("Deadline"), validators=[InputRequired()])


class ParticipationForm(FlaskForm):
    signed_name = StringField(
        _l("Your name"), validators=[DataRequired(), Length(max=200), single_line]
    )
    consent = BooleanField(
        _l("I want to take part in this stay abroad and I agree with the practical arrangements."),
        validators=[DataRequired(_l("Tick the box to approve."))],
    )


class CompanyApprovalForm(FlaskForm):
    signed_name = StringField(
        _l("Your name"), validators=[DataRequired(), Length(max=200), single_line]
    )
    note = TextAreaField(
        _l("Note (required when you decline)"), validators=[Optional(), Length(max=500)]
    )
    approve = SubmitButton(_l("Approve the stay abroad"))
    decline = SubmitButton(_l("Decline"))


class GuardianAnswerForm(GuardianAnswerBase):
    """A guardian's approval of the stay, through their link."""

    consent = guardian_tick()
    note = TextAreaField(_l("Anything to add (optional)"), validators=[Optional(), Length(max=500)])
    approve = SubmitButton(_l("I approve"))
    decline = SubmitButton(_l("I do not approve"))
