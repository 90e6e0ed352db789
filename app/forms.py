"""Form pieces every feature uses: the CSRF-only form behind action buttons, the bounds
of an id typed into a form, and putting a service's refusal next to its field.
"""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms.validators import NumberRange

from app.domain import DomainError
from app.web import LARGEST_ID

# An id sent in a form: beyond what the database stores it is simply not found.
ID_RANGE = NumberRange(min=1, max=LARGEST_ID)


class CsrfForm(FlaskForm):
    """Only the CSRF token, for buttons that post an action."""


def show_error(form, error: DomainError) -> None:
    """The service's message next to the field it names, or on top of the page."""
    field = getattr(form, error.field, None)
    if field is None:
        flash(str(error.message), "error")
    else:
        field.errors.append(str(error.message))
