"""Form validators shared by every capability."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError


def single_line(_form, field) -> None:
    """Names and places are one line of printable text (no control characters)."""
    if field.data and any(unicodedata.category(char) == "Cc" for char in field.data):
        raise ValidationError(_l("Use letters, digits and punctuation only, on one line."))
