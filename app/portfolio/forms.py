"""What goes into the portfolio: a GET form, read from the download's query string.

Downloading changes nothing, so the form carries no CSRF token and the PDF's address
holds the choice (a bookmark downloads the same portfolio again). A download without
any choice (an old link) gets the defaults: every part, the whole placement, no
wellbeing.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, Form, HiddenField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.portfolio.services import PARTS, Choice

PART_LABELS = {
    "log": _l("The log: weekly logs, feedback, visit notes and agreements"),
    "competences": _l("Competences: the levels you, your mentor and your coach gave"),
    "soft_skills": _l("Soft skills: punctuality, teamwork and the like"),
    "evidence": _l("Evidence: your photos and files"),
}


class PortfolioForm(Form):
    """The parts, the period and whether the wellbeing check-ins go in."""

    # Present when the form was sent: an unticked box is then a choice, not a default.
    chosen = HiddenField(default="1")
    parts = SelectMultipleField(
        _l("What goes in"),
        choices=[SelectChoice(name, PART_LABELS[name]) for name in PARTS],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("Until"), validators=[Optional()])
    wellbeing = BooleanField(
        _l("Add how I felt each week (wellbeing)"),
        description=_l("Private: left out unless you tick this."),
    )

    def __init__(
        self, *args, first: date, last: date, wellbeing: bool, student: bool, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.first, self.last = first, last
        if not wellbeing:
            del self.wellbeing
        elif not student:
            self.wellbeing.label.text = _l("Add the student's wellbeing check-ins")
        if not self.chosen.raw_data:
            self.parts.data = list(PARTS)
            self.start.data = self.start.data or first
            self.end.data = self.end.data or last

    def validate_parts(self, field) -> None:
        chosen = [name for name in field.data or [] if name in PARTS]
        if not chosen:
            raise ValidationError(_l("Choose at least one part."))
        field.data = chosen

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("The end of the period comes before its start."))

    def choice(self) -> Choice:
        """What was chosen (after `validate`), in the terms of the service."""
        return Choice(
            parts=frozenset(self.parts.data),
            start=self.start.data or self.first,
            end=self.end.data or self.last,
            wellbeing=bool(self.wellbeing and self.wellbeing.data),
        )
