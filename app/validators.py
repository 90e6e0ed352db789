"""Form validators shared by every capability."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from app.spreadsheets import starts_like_formula


def single_line(_form, field) -> None:
    """Names and places are one line of printable text (no control characters)."""
    if field.data and any(unicodedata.category(char) == "Cc" for char in field.data):
        raise ValidationError(_l("Use letters, digits and punctuation only, on one line."))


FORMULA_ADDRESS_MESSAGE = _l("An e-mail address cannot start with =, + or -.")


def address_not_formula(_form, field) -> None:
    """An address that starts like a spreadsheet formula (`=1+1@…`) is valid by the
    standard, but no mail provider gives one out; in an export it would be a formula.
    Exports neutralise it anyway (app/spreadsheets.py); this keeps it out of the data.
    """
    if field.data and starts_like_formula(field.data.strip()):
        raise ValidationError(FORMULA_ADDRESS_MESSAGE)
